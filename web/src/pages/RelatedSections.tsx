/** Sections a detail page adds for its type: notes and tasks about the record, list entries. */
import { useState } from "react";
import { ActionIcon, Anchor, Button, Group, Paper, Stack, Text, TextInput, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconPlus, IconTrash } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import { useMe } from "../auth/AuthProvider";
import { can } from "../auth/permissions";
import { errorText } from "../components/ApiErrorAlert";
import { OptionBadge } from "../components/FieldValue";
import { MentionText } from "../components/MentionText";
import { MentionTextarea } from "../components/MentionTextarea";
import { UserChip } from "../components/People";
import { keys, useCreate, useEntityList, type Page } from "../entities/api";
import type { EntityRecord } from "../entities/registry";
import { formatDateTime, formatMoney, formatPhone } from "../lib/format";

export function NotesSection({ type, id }: { type: string; id: string }) {
  const { t } = useTranslation();
  const me = useMe();
  const notes = useEntityList("notes", { related_type: type, related_id: id, sort: "-created_at" }, { pageSize: 50 });
  const create = useCreate("notes");
  const [body, setBody] = useState("");
  const items = notes.data?.pages.flatMap((p) => p.items) ?? [];
  const add = async () => {
    if (!body.trim()) return;
    try {
      await create.mutateAsync({ body, related_type: type, related_id: id });
      setBody("");
    } catch (error) {
      notifications.show({ color: "red", message: errorText(error, t) });
    }
  };
  return (
    <section aria-labelledby="notes-title">
      <Title order={2} size="h4" id="notes-title" mb="sm">
        {t("record.notes")}
      </Title>
      {can(me.role, "notes", "create") && (
        <Stack gap="xs" mb="sm">
          <MentionTextarea
            label={t("record.addNote")}
            placeholder={t("record.notePlaceholder")}
            value={body}
            onChange={setBody}
          />
          <Button size="xs" w="fit-content" onClick={add} loading={create.isPending} disabled={!body.trim()}>
            {t("record.addNote")}
          </Button>
        </Stack>
      )}
      <Stack gap="xs">
        {items.map((note) => (
          <Paper key={note.id} withBorder p="xs" radius="sm">
            <MentionText body={String(note.body)} />
            <Group gap={6} mt={4}>
              <Text size="xs" c="dimmed">
                <UserChip id={note.author_id as string | null} /> · {formatDateTime(note.created_at)}
              </Text>
              <Anchor component={Link} to={`/notes/${note.id}`} size="xs">
                {t("common.open")}
              </Anchor>
            </Group>
          </Paper>
        ))}
      </Stack>
    </section>
  );
}

export function TasksSection({ type, id }: { type: string; id: string }) {
  const { t } = useTranslation();
  const tasks = useEntityList("tasks", { related_type: type, related_id: id }, { pageSize: 50 });
  const items = tasks.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section aria-labelledby="tasks-title">
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4" id="tasks-title">
          {t("record.tasks")}
        </Title>
        <Button
          component={Link}
          to={`/tasks/new?related_type=${type}&related_id=${id}`}
          size="xs"
          variant="light"
          leftSection={<IconPlus size={14} />}
        >
          {t("list.new")}
        </Button>
      </Group>
      <Stack gap={4}>
        {items.map((task: EntityRecord) => (
          <Group key={task.id} gap="xs" wrap="nowrap">
            <OptionBadge name="status" value={task.status} />
            <Anchor component={Link} to={`/tasks/${task.id}`} size="sm">
              {String(task.title)}
            </Anchor>
            {typeof task.due_at === "string" && (
              <Text size="xs" c="dimmed">
                {formatDateTime(task.due_at)}
              </Text>
            )}
          </Group>
        ))}
      </Stack>
    </section>
  );
}

interface Entry {
  id: string;
  number: string;
  comment: string | null;
  created_at: string;
}

export function NumberListEntries({ record }: { record: EntityRecord }) {
  const { t } = useTranslation();
  const me = useMe();
  const client = useQueryClient();
  const editable = can(me.role, "number_lists", "update") && !record.deleted_at;
  const entriesKey = [...keys.record("number_lists", record.id), "entries"];
  const entries = useQuery({
    queryKey: [...entriesKey, record.version],
    queryFn: async () =>
      (await api.get<Page<Entry>>(`/api/v1/number_lists/${record.id}/entries`, { query: { limit: 200 } })).data,
  });
  const [number, setNumber] = useState("");
  const [comment, setComment] = useState("");
  const [error, setError] = useState<string | undefined>();
  const refresh = () =>
    Promise.all([
      client.invalidateQueries({ queryKey: keys.record("number_lists", record.id) }),
      client.invalidateQueries({ queryKey: keys.history("number_lists", record.id) }),
    ]);
  const add = useMutation({
    mutationFn: () => api.post(`/api/v1/number_lists/${record.id}/entries`, { number, comment: comment || null }),
    onSuccess: () => {
      setNumber("");
      setComment("");
      setError(undefined);
      void refresh();
    },
    onError: (e) => setError(errorText(e, t)),
  });
  const remove = useMutation({
    mutationFn: (entryId: string) => api.delete(`/api/v1/number_lists/${record.id}/entries/${entryId}`),
    onSuccess: () => void refresh(),
    onError: (e) => notifications.show({ color: "red", message: errorText(e, t) }),
  });
  return (
    <section aria-labelledby="entries-title">
      <Title order={2} size="h4" id="entries-title" mb="sm">
        {t("numberLists.entries")}
      </Title>
      {editable && (
        <Group align="flex-start" mb="sm" gap="xs">
          <TextInput
            aria-label={t("fields.number")}
            placeholder="+7 912 345-67-89"
            value={number}
            onChange={(e) => setNumber(e.currentTarget.value)}
            error={error}
            type="tel"
          />
          <TextInput
            aria-label={t("numberLists.comment")}
            placeholder={t("numberLists.comment")}
            value={comment}
            onChange={(e) => setComment(e.currentTarget.value)}
          />
          <Button onClick={() => add.mutate()} loading={add.isPending} disabled={!number.trim()}>
            {t("numberLists.addNumber")}
          </Button>
        </Group>
      )}
      {entries.data?.items.length === 0 && (
        <Text c="dimmed" size="sm">
          {t("numberLists.noEntries")}
        </Text>
      )}
      <Stack gap={4}>
        {entries.data?.items.map((entry) => (
          <Group key={entry.id} gap="sm">
            <Text ff="monospace">{formatPhone(entry.number)}</Text>
            {entry.comment && (
              <Text size="sm" c="dimmed">
                {entry.comment}
              </Text>
            )}
            {editable && (
              <ActionIcon
                variant="subtle"
                color="red"
                size="sm"
                aria-label={`${t("common.remove")} ${entry.number}`}
                onClick={() => remove.mutate(entry.id)}
              >
                <IconTrash size={14} />
              </ActionIcon>
            )}
          </Group>
        ))}
      </Stack>
    </section>
  );
}

export function CallsSection({ contactId }: { contactId: string }) {
  const { t } = useTranslation();
  const calls = useEntityList("calls", { contact_id: contactId }, { pageSize: 10 });
  const items = calls.data?.pages[0]?.items ?? [];
  if (calls.isError || items.length === 0) return null;
  return (
    <section aria-labelledby="calls-title">
      <Title order={2} size="h4" id="calls-title" mb="sm">
        {t("nav.calls")}
      </Title>
      <Stack gap={4}>
        {items.map((call) => (
          <Group key={call.id} gap="xs" wrap="nowrap">
            <OptionBadge name="status" value={call.status} />
            <Anchor component={Link} to={`/calls/${call.id}`} size="sm">
              {t(`options.direction.${String(call.direction)}`)} · {formatDateTime(call.started_at ?? call.created_at)}
            </Anchor>
          </Group>
        ))}
      </Stack>
    </section>
  );
}

/** The contact's deals: stage, amount, title (the full picture of a client on one page). */
export function DealsSection({ contactId }: { contactId: string }) {
  const { t } = useTranslation();
  const deals = useEntityList("deals", { contact_id: contactId, sort: "-updated_at" }, { pageSize: 20 });
  const items = deals.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section aria-labelledby="deals-title" data-testid="contact-deals">
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4" id="deals-title">
          {t("nav.deals")}
        </Title>
        <Button
          component={Link}
          to={`/deals/new?contact_id=${contactId}`}
          size="xs"
          variant="light"
          leftSection={<IconPlus size={14} />}
        >
          {t("list.new")}
        </Button>
      </Group>
      {items.length === 0 && !deals.isPending && (
        <Text c="dimmed" size="sm">
          {t("record.noDeals")}
        </Text>
      )}
      <Stack gap={4}>
        {items.map((deal) => (
          <Group key={deal.id} gap="xs" wrap="nowrap">
            <OptionBadge name="stage" value={deal.stage} />
            <Anchor component={Link} to={`/deals/${deal.id}`} size="sm" style={{ wordBreak: "break-word" }}>
              {String(deal.title)}
            </Anchor>
            <Text size="xs" c="dimmed" style={{ whiteSpace: "nowrap" }}>
              {formatMoney(deal.amount, deal.currency)}
            </Text>
          </Group>
        ))}
      </Stack>
    </section>
  );
}
