/**
 * A contact's or deal's activity: calls (with the recording player), notes, tasks and changes,
 * newest first, from GET /api/v1/{type}/{id}/timeline (paged, filterable by kind). Live: a
 * change event of a call, note or task, or of the record itself, refetches it.
 */
import { useEffect, useState } from "react";
import { Anchor, Button, Group, SegmentedControl, Stack, Text, ThemeIcon, Timeline, Title } from "@mantine/core";
import { IconChecklist, IconHistory, IconNotes, IconPhone } from "@tabler/icons-react";
import { useInfiniteQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import type { Schemas } from "../api/schema";
import { keys, type HistoryEntry } from "../entities/api";
import { formatDateTime, formatPhone } from "../lib/format";
import { useRealtime } from "../realtime/RealtimeProvider";
import { RecordingPlayer } from "../telephony/RecordingPlayer";
import { OptionBadge } from "./FieldValue";
import { HistoryEntryView } from "./HistoryTimeline";
import { MentionText } from "./MentionText";
import { UserChip } from "./People";

type Item = Schemas["TimelineItem"];
type Kind = Item["kind"];
const KINDS: Kind[] = ["call", "note", "task", "change"];
const LIVE_TYPES = new Set(["calls", "notes", "tasks"]);

// Under the record's history key: whatever refreshes its history (a save, a change event)
// refreshes its timeline too.
const timelineKey = (type: string, id: string) => [...keys.history(type, id), "timeline"] as const;

const ICONS: Record<Kind, JSX.Element> = {
  call: <IconPhone size={12} />,
  note: <IconNotes size={12} />,
  task: <IconChecklist size={12} />,
  change: <IconHistory size={12} />,
};

function CallEntry({ call }: { call: Schemas["Call"] }) {
  const { t } = useTranslation();
  const number = call.direction === "outbound" ? call.to_number : call.from_number;
  return (
    <Stack gap={4}>
      <Group gap="xs">
        <OptionBadge name="status" value={call.status} />
        <Anchor component={Link} to={`/calls/${call.id}`} size="sm">
          {t(`options.direction.${call.direction}`)} {number ? formatPhone(number) : ""}
        </Anchor>
        {call.talk_seconds ? (
          <Text size="xs" c="dimmed">
            {t("timeline.seconds", { count: call.talk_seconds })}
          </Text>
        ) : null}
      </Group>
      {call.employee_id && (
        <Text size="xs" c="dimmed">
          <UserChip id={call.employee_id} />
        </Text>
      )}
      {call.recording_status === "stored" && <RecordingPlayer callId={call.id} duration={call.recording_duration} />}
    </Stack>
  );
}

function Entry({ item, type }: { item: Item; type: string }) {
  if (item.kind === "call" && item.call) return <CallEntry call={item.call} />;
  if (item.kind === "note" && item.note)
    return (
      <Stack gap={2}>
        <MentionText body={item.note.body} />
        <Text size="xs" c="dimmed">
          <UserChip id={item.note.author_id} />
        </Text>
      </Stack>
    );
  if (item.kind === "task" && item.task)
    return (
      <Group gap="xs" wrap="nowrap">
        <OptionBadge name="status" value={item.task.status} />
        <Anchor component={Link} to={`/tasks/${item.task.id}`} size="sm">
          {item.task.title}
        </Anchor>
        {item.task.due_at && (
          <Text size="xs" c="dimmed">
            {formatDateTime(item.task.due_at)}
          </Text>
        )}
      </Group>
    );
  if (item.kind === "change" && item.change)
    return <HistoryEntryView entry={item.change as HistoryEntry} type={type} />;
  return null;
}

export function ActivityTimeline({ type, id }: { type: string; id: string }) {
  const { t } = useTranslation();
  const [kind, setKind] = useState<"all" | Kind>("all");
  const client = useQueryClient();
  const { applier } = useRealtime();
  const timeline = useInfiniteQuery({
    queryKey: [...timelineKey(type, id), kind],
    queryFn: async ({ pageParam, signal }) =>
      (
        await api.get<Schemas["TimelinePage"]>(`/api/v1/${type}/${id}/timeline`, {
          query: { limit: 25, cursor: pageParam, kind: kind === "all" ? undefined : kind },
          signal,
        })
      ).data,
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  useEffect(
    () =>
      applier.subscribe((change) => {
        if (LIVE_TYPES.has(change.type) || (change.type === type && change.id === id))
          void client.invalidateQueries({ queryKey: timelineKey(type, id) });
      }),
    [applier, client, type, id],
  );
  const items = timeline.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section aria-labelledby="timeline-title" data-testid="activity-timeline">
      <Group justify="space-between" mb="sm" gap="xs">
        <Title order={2} size="h4" id="timeline-title">
          {t("timeline.title")}
        </Title>
        <SegmentedControl
          size="xs"
          value={kind}
          onChange={(value) => setKind(value as "all" | Kind)}
          aria-label={t("timeline.filter")}
          data={[
            { value: "all", label: t("timeline.all") },
            ...KINDS.map((k) => ({ value: k, label: t(`timeline.kinds.${k}`) })),
          ]}
        />
      </Group>
      {items.length === 0 && !timeline.isPending && (
        <Text c="dimmed" size="sm">
          {t("timeline.empty")}
        </Text>
      )}
      <Timeline bulletSize={22} lineWidth={2} active={items.length}>
        {items.map((item) => (
          <Timeline.Item
            key={`${item.kind}:${item.id}`}
            bullet={
              <ThemeIcon size={22} radius="xl" variant="light">
                {ICONS[item.kind]}
              </ThemeIcon>
            }
            data-kind={item.kind}
            data-action={item.change?.action}
            title={
              <Text size="xs" c="dimmed" fw={400}>
                {t(`timeline.kinds.${item.kind}`)} · {formatDateTime(item.at)}
              </Text>
            }
          >
            <Entry item={item} type={type} />
          </Timeline.Item>
        ))}
      </Timeline>
      {timeline.hasNextPage && (
        <Button
          variant="subtle"
          size="xs"
          mt="sm"
          onClick={() => timeline.fetchNextPage()}
          loading={timeline.isFetchingNextPage}
        >
          {t("timeline.more")}
        </Button>
      )}
    </section>
  );
}
