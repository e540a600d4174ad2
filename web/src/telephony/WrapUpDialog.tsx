/**
 * The wrap-up after an answered call. The telephony module publishes on the employee's own
 * channel `private-user.{id}`, once the call has ended:
 *   `call.wrap_up` {call_id, direction, number, talk_seconds, ended_at, contact_id,
 *                   contact_name, deal_id, deal_title}
 * (telephony/call_followups.py). The employee picks an outcome (the list admins edit),
 * writes a note and may add a follow-up task; the API links them to the call, the contact
 * and the contact's open deal.
 *
 * The personal channel is not replayed, and "Later" only closes the dialog: the header lists
 * the calls still to wrap up (GET /api/v1/calls/awaiting-wrap-up, asked at start and on every
 * (re)subscription), so a deferred wrap-up, or one for a call that ended while no page was
 * open, is offered again. A wrap-up done in another tab takes the call off the list live
 * (its change event names `wrapped_up_at`).
 */
import { useEffect, useState } from "react";
import {
  ActionIcon,
  Button,
  Group,
  Indicator,
  Modal,
  Popover,
  ScrollArea,
  Select,
  Stack,
  Text,
  TextInput,
  Textarea,
  Title,
  Tooltip,
  UnstyledButton,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconClipboardCheck } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import type { Schemas } from "../api/schema";
import { useMe } from "../auth/AuthProvider";
import { ApiErrorAlert } from "../components/ApiErrorAlert";
import { formatDateTime, formatDuration, formatPhone } from "../lib/format";
import { useChannel, useRealtime } from "../realtime/RealtimeProvider";

export type WrapUpPrompt = Schemas["WrapUpPrompt"];

function parsePrompt(raw: unknown): WrapUpPrompt | null {
  let value: unknown = raw;
  if (typeof raw === "string") {
    try {
      value = JSON.parse(raw) as unknown;
    } catch {
      return null;
    }
  }
  if (!value || typeof value !== "object") return null;
  return typeof (value as { call_id?: unknown }).call_id === "string" ? (value as WrapUpPrompt) : null;
}

interface OutcomePage {
  items: Schemas["CallOutcome"][];
}

const AWAITING_KEY = ["wrap-ups", "awaiting"] as const;

/** My answered calls still to wrap up (the last day's), most recent first. */
function useAwaitingWrapUps() {
  return useQuery({
    queryKey: AWAITING_KEY,
    queryFn: async ({ signal }) =>
      (await api.get<Schemas["WrapUpQueue"]>("/api/v1/calls/awaiting-wrap-up", { signal })).data.items,
  });
}

function WrapUpForm({ prompt, onDone }: { prompt: WrapUpPrompt; onDone: () => void }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [outcome, setOutcome] = useState<string | null>(null);
  const [note, setNote] = useState("");
  const [followUp, setFollowUp] = useState("");
  const [dueAt, setDueAt] = useState("");
  const outcomes = useQuery({
    queryKey: ["call_outcomes", "wrap-up"],
    queryFn: async () => (await api.get<OutcomePage>("/api/v1/call_outcomes", { query: { limit: 100 } })).data.items,
  });
  const save = useMutation({
    mutationFn: async () =>
      (
        await api.post(`/api/v1/calls/${prompt.call_id}/wrap-up`, {
          outcome_id: outcome,
          note: note.trim() || null,
          follow_up: followUp.trim()
            ? { title: followUp.trim(), due_at: dueAt ? new Date(dueAt).toISOString() : null }
            : null,
        })
      ).data,
    onSuccess: () => {
      notifications.show({ color: "green", message: t("wrapUp.saved") });
      client.setQueryData<WrapUpPrompt[]>(AWAITING_KEY, (items) => items?.filter((i) => i.call_id !== prompt.call_id));
      onDone();
    },
    // Wrapped up meanwhile, or no longer there: the list says what is left.
    onError: () => void client.invalidateQueries({ queryKey: AWAITING_KEY }),
  });
  return (
    <Stack gap="sm">
      <Text size="sm" c="dimmed">
        {[
          prompt.number && formatPhone(prompt.number),
          prompt.talk_seconds !== null && formatDuration(prompt.talk_seconds),
        ]
          .filter(Boolean)
          .join(" · ")}
      </Text>
      {prompt.contact_name && <Text fw={600}>{t("wrapUp.contact", { name: prompt.contact_name })}</Text>}
      {prompt.deal_title && <Text size="sm">{t("wrapUp.deal", { title: prompt.deal_title })}</Text>}
      <Select
        label={t("wrapUp.outcome")}
        required
        data={(outcomes.data ?? []).map((o) => ({ value: o.id, label: o.name }))}
        value={outcome}
        onChange={setOutcome}
        comboboxProps={{ withinPortal: true }}
      />
      <Textarea
        label={t("wrapUp.note")}
        value={note}
        onChange={(e) => setNote(e.currentTarget.value)}
        autosize
        minRows={2}
      />
      <TextInput label={t("wrapUp.followUp")} value={followUp} onChange={(e) => setFollowUp(e.currentTarget.value)} />
      {followUp.trim() && (
        <TextInput
          type="datetime-local"
          label={t("wrapUp.followUpDue")}
          value={dueAt}
          onChange={(e) => setDueAt(e.currentTarget.value)}
        />
      )}
      <ApiErrorAlert error={save.error} />
      <Group justify="flex-end">
        <Button variant="default" onClick={onDone}>
          {t("wrapUp.later")}
        </Button>
        <Button disabled={!outcome} loading={save.isPending} onClick={() => save.mutate()}>
          {t("wrapUp.save")}
        </Button>
      </Group>
    </Stack>
  );
}

function describe(prompt: WrapUpPrompt): string {
  return prompt.contact_name ?? (prompt.number ? formatPhone(prompt.number) : "");
}

/** The header's "calls to wrap up" button and its list; choosing a call opens its wrap-up. */
function AwaitingList({ items, onOpen }: { items: WrapUpPrompt[]; onOpen: (prompt: WrapUpPrompt) => void }) {
  const { t } = useTranslation();
  const [opened, setOpened] = useState(false);
  const label = t("wrapUp.pending", { count: items.length });
  return (
    <Popover opened={opened} onChange={setOpened} position="bottom-end" width={320} withArrow shadow="md">
      <Popover.Target>
        <Tooltip label={label}>
          <Indicator label={items.length} size={16} color="orange" offset={4}>
            <ActionIcon
              variant="light"
              color="orange"
              size="lg"
              aria-label={label}
              data-testid="wrap-up-pending"
              data-count={items.length}
              onClick={() => setOpened((o) => !o)}
            >
              <IconClipboardCheck size={18} />
            </ActionIcon>
          </Indicator>
        </Tooltip>
      </Popover.Target>
      <Popover.Dropdown p="xs" role="dialog" aria-label={t("wrapUp.pendingTitle")}>
        <Title order={2} size="h5" mb="xs">
          {t("wrapUp.pendingTitle")}
        </Title>
        <ScrollArea.Autosize mah={360}>
          <Stack gap={4}>
            {items.map((item) => (
              <UnstyledButton
                key={item.call_id}
                p="xs"
                style={{ borderRadius: 6 }}
                data-testid="wrap-up-item"
                data-call={item.call_id}
                onClick={() => {
                  setOpened(false);
                  onOpen(item);
                }}
              >
                <Text size="sm" fw={600}>
                  {describe(item)}
                </Text>
                <Text size="xs" c="dimmed">
                  {[
                    t(`options.direction.${item.direction}`),
                    item.ended_at && formatDateTime(item.ended_at),
                    item.talk_seconds !== null && formatDuration(item.talk_seconds),
                  ]
                    .filter(Boolean)
                    .join(" · ")}
                </Text>
              </UnstyledButton>
            ))}
          </Stack>
        </ScrollArea.Autosize>
      </Popover.Dropdown>
    </Popover>
  );
}

/** The wrap-up dialog (opened by the prompt, or from the list of calls still to wrap up). */
export function WrapUps() {
  const { t } = useTranslation();
  const me = useMe();
  const client = useQueryClient();
  const { applier } = useRealtime();
  const awaiting = useAwaitingWrapUps();
  const [prompt, setPrompt] = useState<WrapUpPrompt | null>(null);
  const refresh = () => void client.invalidateQueries({ queryKey: AWAITING_KEY });
  useChannel(`private-user.${me.id}`, (channel) => {
    const open = (raw: unknown) => {
      const data = parsePrompt(raw);
      if (!data) return;
      setPrompt(data);
      refresh();
    };
    // A (re)subscription may have missed prompts: ask the API what is still to wrap up.
    channel.bind("call.wrap_up", open);
    channel.bind("pusher:subscription_succeeded", refresh);
    return () => {
      channel.unbind("call.wrap_up", open);
      channel.unbind("pusher:subscription_succeeded", refresh);
    };
  });
  // Wrapped up elsewhere (another tab, a supervisor): off the list, and its dialog closes.
  useEffect(
    () =>
      applier.subscribe((change) => {
        if (change.type !== "calls" || !change.fields.includes("wrapped_up_at")) return;
        void client.invalidateQueries({ queryKey: AWAITING_KEY });
        setPrompt((current) => (current?.call_id === change.id ? null : current));
      }),
    [applier, client],
  );
  const items = awaiting.data ?? [];
  return (
    <>
      {items.length > 0 && <AwaitingList items={items} onOpen={setPrompt} />}
      <Modal
        opened={prompt !== null}
        onClose={() => setPrompt(null)}
        title={t("wrapUp.title")}
        centered
        data-testid="wrap-up-dialog"
      >
        {prompt && <WrapUpForm key={prompt.call_id} prompt={prompt} onDone={() => setPrompt(null)} />}
      </Modal>
    </>
  );
}
