/** A record's history: who did what and when, each changed field before and after. */
import { Button, Code, Stack, Text, Timeline, Title } from "@mantine/core";
import { IconArrowBackUp, IconPencil, IconPlus, IconTrash, IconTrashX } from "@tabler/icons-react";
import { useTranslation } from "react-i18next";
import { useHistory, type HistoryEntry } from "../entities/api";
import { asText, formatDateTime, formatPhone } from "../lib/format";
import { UserName } from "./People";

const ICONS: Record<string, JSX.Element> = {
  created: <IconPlus size={12} />,
  updated: <IconPencil size={12} />,
  trashed: <IconTrash size={12} />,
  restored: <IconArrowBackUp size={12} />,
  purged: <IconTrashX size={12} />,
};

function short(value: unknown, none: string): string {
  if (value === null || value === undefined || value === "") return none;
  if (Array.isArray(value)) {
    const parts = value.map((v) =>
      v && typeof v === "object" && "number" in v
        ? formatPhone((v as { number: string }).number)
        : typeof v === "object"
          ? JSON.stringify(v)
          : String(v),
    );
    return parts.join(", ") || none;
  }
  if (typeof value === "object") return JSON.stringify(value);
  if (typeof value === "boolean") return value ? "✓" : "✗";
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) return formatDateTime(value);
  const text = asText(value);
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}

const HIDDEN = new Set(["deleted_at", "deleted_by", "phone_numbers", "search_text"]);

export function HistoryEntryView({ entry }: { entry: HistoryEntry }) {
  const { t } = useTranslation();
  const none = t("common.none");
  const changes = Object.entries(entry.changes ?? {}).filter(([f]) => !HIDDEN.has(f));
  return (
    <Stack gap={2}>
      <Text size="sm">
        <Text span fw={600}>
          {entry.actor_id ? <UserName id={entry.actor_id} /> : t("record.system")}
        </Text>{" "}
        {t(`history.${entry.action}`, { defaultValue: entry.action })}
      </Text>
      <Text size="xs" c="dimmed">
        {formatDateTime(entry.occurred_at)} · {t("record.version", { version: entry.version })}
      </Text>
      {entry.action === "updated" &&
        changes.map(([field, change]) => (
          <Text key={field} size="xs">
            <Text span fw={500}>
              {t(`fields.${field}`, { defaultValue: field })}:
            </Text>{" "}
            <Code>{short(change.before, none)}</Code> → <Code>{short(change.after, none)}</Code>
          </Text>
        ))}
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
            <HistoryEntryView entry={entry} />
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
