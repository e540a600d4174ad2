/**
 * The wrap-up after an answered call. The telephony module publishes on the employee's own
 * channel `private-user.{id}`, once the call has ended:
 *   `call.wrap_up` {call_id, direction, number, talk_seconds, ended_at, contact_id,
 *                   contact_name, deal_id, deal_title}
 * (telephony/call_followups.py). The employee picks an outcome (the list admins edit),
 * writes a note and may add a follow-up task; the API links them to the call, the contact
 * and the contact's open deal.
 */
import { useState } from "react";
import { Button, Group, Modal, Select, Stack, Text, TextInput, Textarea } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import type { Schemas } from "../api/schema";
import { useMe } from "../auth/AuthProvider";
import { ApiErrorAlert } from "../components/ApiErrorAlert";
import { formatDuration, formatPhone } from "../lib/format";
import { useChannel } from "../realtime/RealtimeProvider";

export interface WrapUpPrompt {
  call_id: string;
  direction: string;
  number: string | null;
  talk_seconds: number | null;
  contact_id: string | null;
  contact_name: string | null;
  deal_id: string | null;
  deal_title: string | null;
}

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

function WrapUpForm({ prompt, onDone }: { prompt: WrapUpPrompt; onDone: () => void }) {
  const { t } = useTranslation();
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
      onDone();
    },
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

export function WrapUpDialog() {
  const { t } = useTranslation();
  const me = useMe();
  const [prompt, setPrompt] = useState<WrapUpPrompt | null>(null);
  useChannel(`private-user.${me.id}`, (channel) => {
    const open = (raw: unknown) => {
      const data = parsePrompt(raw);
      if (data) setPrompt(data);
    };
    channel.bind("call.wrap_up", open);
    return () => channel.unbind("call.wrap_up", open);
  });
  return (
    <Modal
      opened={prompt !== null}
      onClose={() => setPrompt(null)}
      title={t("wrapUp.title")}
      centered
      data-testid="wrap-up-dialog"
    >
      {prompt && <WrapUpForm key={prompt.call_id} prompt={prompt} onDone={() => setPrompt(null)} />}
    </Modal>
  );
}
