/** Today: my open tasks, my missed calls, recently changed contacts. */
import { Anchor, Group, Paper, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { Link } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { useMe } from "../auth/AuthProvider";
import { can } from "../auth/permissions";
import { OptionBadge } from "../components/FieldValue";
import { useEntityList, type ListParams } from "../entities/api";
import type { EntityRecord } from "../entities/registry";
import { formatDateTime, formatPhone } from "../lib/format";

function Card({
  title,
  type,
  params,
  render,
  more,
}: {
  title: string;
  type: string;
  params: ListParams;
  render: (r: EntityRecord) => React.ReactNode;
  more: string;
}) {
  const { t } = useTranslation();
  const list = useEntityList(type, params, { pageSize: 6 });
  const items = list.data?.pages[0]?.items ?? [];
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-label={title}>
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4">
          {title}
        </Title>
        <Anchor component={Link} to={more} size="sm">
          {t("common.all")}
        </Anchor>
      </Group>
      <Stack gap={6}>
        {items.length === 0 && !list.isPending && (
          <Text c="dimmed" size="sm">
            {list.isError ? t("common.none") : t("list.empty")}
          </Text>
        )}
        {items.map((r) => (
          <div key={r.id}>{render(r)}</div>
        ))}
      </Stack>
    </Paper>
  );
}

export function HomePage() {
  const { t } = useTranslation();
  const me = useMe();
  return (
    <Stack>
      <Title order={1} size="h2">
        {t("home.greeting", { name: me.full_name })}
      </Title>
      <SimpleGrid cols={{ base: 1, md: 2, xl: 3 }}>
        <Card
          title={t("home.myTasks")}
          type="tasks"
          params={{ assignee_id: me.id, status: "open" }}
          more="/tasks"
          render={(r) => (
            <Group gap="xs" wrap="nowrap">
              <OptionBadge name="priority" value={r.priority} />
              <Anchor component={Link} to={`/tasks/${r.id}`} size="sm">
                {String(r.title)}
              </Anchor>
              {typeof r.due_at === "string" && (
                <Text size="xs" c={new Date(r.due_at) < new Date() ? "red" : "dimmed"}>
                  {formatDateTime(r.due_at)}
                </Text>
              )}
            </Group>
          )}
        />
        {can(me.role, "calls", "read") && (
          <Card
            title={t("home.missedCalls")}
            type="calls"
            params={{ status: "missed", employee_id: me.id }}
            more="/calls?status=missed"
            render={(r) => (
              <Group gap="xs">
                <Anchor component={Link} to={`/calls/${r.id}`} size="sm" ff="monospace">
                  {formatPhone(r.from_number)}
                </Anchor>
                <Text size="xs" c="dimmed">
                  {formatDateTime(r.started_at ?? r.created_at)}
                </Text>
              </Group>
            )}
          />
        )}
        <Card
          title={t("home.recentContacts")}
          type="contacts"
          params={{ sort: "-updated_at" }}
          more="/contacts"
          render={(r) => (
            <Group gap="xs">
              <Anchor component={Link} to={`/contacts/${r.id}`} size="sm">
                {String(r.name)}
              </Anchor>
              {typeof r.company === "string" && (
                <Text size="xs" c="dimmed">
                  {r.company}
                </Text>
              )}
            </Group>
          )}
        />
      </SimpleGrid>
    </Stack>
  );
}
