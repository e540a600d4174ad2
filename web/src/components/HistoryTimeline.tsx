/** A record's history: who did what and when, each changed field before and after. */
import { Button, Group, Stack, Text, Timeline, Title } from "@mantine/core";
import { IconArrowBackUp, IconPencil, IconPlus, IconTrash, IconTrashX } from "@tabler/icons-react";
import { useTranslation } from "react-i18next";
import { useHistory, type HistoryEntry } from "../entities/api";
import { useUsers } from "../entities/directory";
import { formatDateTime, historySentences, type Actor, type NameOf } from "../lib/format";
import { UserAvatar } from "./People";

const ICONS: Record<string, JSX.Element> = {
  created: <IconPlus size={12} />,
  updated: <IconPencil size={12} />,
  trashed: <IconTrash size={12} />,
  restored: <IconArrowBackUp size={12} />,
  purged: <IconTrashX size={12} />,
};

const HIDDEN = new Set(["deleted_at", "deleted_by", "phone_numbers", "search_text"]);

export function HistoryEntryView({ entry, type }: { entry: HistoryEntry; type: string }) {
  const { t } = useTranslation();
  const users = useUsers();
  const userName = (id: string) => users.data?.find((u) => u.id === id)?.full_name;
  // Writes without an employee come from the PBX (calls) or from the system itself.
  const actor: Actor = entry.actor_id
    ? { kind: "user", name: userName(entry.actor_id) }
    : { kind: type === "calls" ? "pbx" : "system" };
  const nameOf: NameOf = (field, value) =>
    userName(value) ?? (field === "contact_id" ? t("types.contacts") : undefined);
  const sentences = historySentences(entry, actor, nameOf, HIDDEN);
  return (
    <Stack gap={2}>
      {sentences.map((sentence, i) => (
        <Group key={i} gap={6} wrap="nowrap" align="flex-start">
          {i === 0 && entry.actor_id && (
            <UserAvatar id={entry.actor_id} name={userName(entry.actor_id) ?? "…"} size="xs" />
          )}
          <Text size="sm" style={{ wordBreak: "break-word" }}>
            {sentence}
          </Text>
        </Group>
      ))}
      <Text size="xs" c="dimmed">
        {formatDateTime(entry.occurred_at)} · {t("record.version", { version: entry.version })}
      </Text>
    </Stack>
  );
}

export function HistoryTimeline({ type, id }: { type: string; id: string }) {
  const { t } = useTranslation();
  const history = useHistory(type, id);
  const entries = history.data?.pages.flatMap((p) => p.items) ?? [];
  // Newest first: what changed last is what people look for.
  const ordered = [...entries].reverse();
  return (
    <section aria-labelledby="history-title">
      <Title order={2} size="h4" id="history-title" mb="sm">
        {t("record.history")}
      </Title>
      {entries.length === 0 && !history.isPending && (
        <Text c="dimmed" size="sm">
          {t("history.empty")}
        </Text>
      )}
      <Timeline bulletSize={22} lineWidth={2} active={ordered.length}>
        {ordered.map((entry) => (
          <Timeline.Item key={entry.id} bullet={ICONS[entry.action]} data-action={entry.action}>
            <HistoryEntryView entry={entry} type={type} />
          </Timeline.Item>
        ))}
      </Timeline>
      {history.hasNextPage && (
        <Button
          variant="subtle"
          size="xs"
          mt="sm"
          onClick={() => history.fetchNextPage()}
          loading={history.isFetchingNextPage}
        >
          {t("history.more")}
        </Button>
      )}
    </section>
  );
}
