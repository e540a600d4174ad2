/** Deals: a board by stage (drag a card, or use its "Move to" menu) and the list view. */
import { useState } from "react";
import {
  ActionIcon,
  Anchor,
  Badge,
  Button,
  Group,
  Menu,
  Paper,
  ScrollArea,
  SegmentedControl,
  Stack,
  Text,
  Title,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconArrowsExchange, IconPlus, IconTrash } from "@tabler/icons-react";
import { Link, useSearchParams } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { ApiError } from "../api/client";
import { useMe } from "../auth/AuthProvider";
import { can } from "../auth/permissions";
import { errorText } from "../components/ApiErrorAlert";
import { RecordLink, UserChip } from "../components/People";
import { useEntityList, useUpdate } from "../entities/api";
import { DEAL_STAGES, STAGE_TRANSITIONS as TRANSITIONS, type EntityRecord } from "../entities/registry";
import { focusWhenReady } from "../lib/focus";
import { formatMoney } from "../lib/format";
import { EntityListPage } from "./EntityListPage";

const COLORS: Record<string, string> = {
  new: "gray",
  qualified: "blue",
  proposal: "violet",
  won: "green",
  lost: "red",
};

function DealCard({
  deal,
  onMove,
  movable,
}: {
  deal: EntityRecord;
  onMove: (deal: EntityRecord, stage: string) => void;
  movable: boolean;
}) {
  const { t } = useTranslation();
  const targets = TRANSITIONS[String(deal.stage)] ?? [];
  return (
    <Paper
      withBorder
      p="sm"
      radius="md"
      shadow="xs"
      data-id={deal.id}
      draggable={movable && targets.length > 0}
      onDragStart={(e) => e.dataTransfer.setData("text/deal", deal.id)}
    >
      <Group justify="space-between" wrap="nowrap" align="flex-start">
        <Anchor component={Link} to={`/deals/${deal.id}`} fw={600} size="sm" style={{ wordBreak: "break-word" }}>
          {String(deal.title)}
        </Anchor>
        {movable && (
          <Menu position="bottom-end" withArrow>
            <Menu.Target>
              <ActionIcon variant="subtle" size="sm" aria-label={`${t("deals.moveTo")}: ${String(deal.title)}`}>
                <IconArrowsExchange size={14} />
              </ActionIcon>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Label>{targets.length ? t("deals.moveTo") : t("deals.final")}</Menu.Label>
              {targets.map((s) => (
                <Menu.Item key={s} onClick={() => onMove(deal, s)}>
                  {t(`options.stage.${s}`)}
                </Menu.Item>
              ))}
            </Menu.Dropdown>
          </Menu>
        )}
      </Group>
      <Text size="sm" fw={500} mt={4}>
        {formatMoney(deal.amount, deal.currency)}
      </Text>
      {typeof deal.contact_id === "string" && (
        <Text size="xs">
          <RecordLink type="contacts" id={deal.contact_id} />
        </Text>
      )}
      <Text size="xs" c="dimmed">
        <UserChip id={deal.owner_id as string | null} />
      </Text>
    </Paper>
  );
}

function StageColumn({
  stage,
  onMove,
  movable,
  registry,
}: {
  stage: string;
  onMove: (deal: EntityRecord, stage: string) => void;
  movable: boolean;
  registry: Map<string, EntityRecord>;
}) {
  const { t } = useTranslation();
  const list = useEntityList("deals", { stage, sort: "-updated_at" }, { pageSize: 50 });
  const deals = list.data?.pages.flatMap((p) => p.items) ?? [];
  const sum = deals.reduce((acc, d) => acc + (Number(d.amount) || 0), 0);
  const [over, setOver] = useState(false);
  return (
    <Paper
      withBorder
      radius="md"
      p="xs"
      bg={over ? "var(--sb-surface-drop)" : "var(--sb-surface-muted)"}
      style={{ flex: "1 0 210px" }}
      component="section"
      aria-label={t(`options.stage.${stage}`)}
      data-stage={stage}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        setOver(false);
        const id = e.dataTransfer.getData("text/deal");
        const deal = registry.get(id);
        if (deal && deal.stage !== stage) onMove(deal, stage);
      }}
    >
      <Group justify="space-between" mb="xs">
        <Badge color={COLORS[stage]} variant="light">
          {t(`options.stage.${stage}`)}
        </Badge>
        <Text size="xs" c="dimmed">
          {t("deals.total", { count: deals.length, sum: formatMoney(sum, "RUB") })}
        </Text>
      </Group>
      <Stack gap="xs">
        {deals.map((deal) => {
          registry.set(deal.id, deal); // the drop target finds the dragged deal here
          return <DealCard key={deal.id} deal={deal} onMove={onMove} movable={movable} />;
        })}
      </Stack>
    </Paper>
  );
}

function Board() {
  const { t } = useTranslation();
  const me = useMe();
  const update = useUpdate("deals");
  const [registry] = useState(() => new Map<string, EntityRecord>());
  const move = async (deal: EntityRecord, stage: string) => {
    if (!(TRANSITIONS[String(deal.stage)] ?? []).includes(stage)) {
      notifications.show({
        color: "orange",
        message: `${t(`options.stage.${String(deal.stage)}`)} → ${t(`options.stage.${stage}`)}`,
      });
      return;
    }
    try {
      await update.mutateAsync({ id: deal.id, body: { stage }, ifMatch: deal.version });
      notifications.show({ color: "green", message: t("deals.moved", { stage: t(`options.stage.${stage}`) }) });
      focusWhenReady([`section[data-stage="${stage}"] [data-id="${deal.id}"] button`]);
    } catch (error) {
      const message = error instanceof ApiError && error.status === 412 ? t("conflict.title") : errorText(error, t);
      notifications.show({ color: "red", message });
    }
  };
  return (
    <ScrollArea type="auto" offsetScrollbars>
      <Group align="flex-start" wrap="nowrap" gap="sm" pb="sm">
        {DEAL_STAGES.map((stage) => (
          <StageColumn
            key={stage}
            stage={stage}
            onMove={move}
            movable={can(me.role, "deals", "update")}
            registry={registry}
          />
        ))}
      </Group>
    </ScrollArea>
  );
}

export function DealsPage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const view = params.get("view") === "list" ? "list" : "board";
  const switcher = (
    <SegmentedControl
      aria-label={t("nav.deals")}
      value={view}
      onChange={(v) => setParams(v === "list" ? { view: "list" } : {}, { replace: true })}
      data={[
        { value: "board", label: t("list.board") },
        { value: "list", label: t("list.table") },
      ]}
      w="fit-content"
    />
  );
  if (view === "list") return <EntityListPage type="deals" header={switcher} />;
  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Title order={1} size="h2">
          {t("deals.board")}
        </Title>
        <Group gap="xs">
          <Button component={Link} to="/deals/trash" variant="subtle" leftSection={<IconTrash size={16} />}>
            {t("list.trash")}
          </Button>
          <Button component={Link} to="/deals/new" leftSection={<IconPlus size={16} />}>
            {t("list.new")}
          </Button>
        </Group>
      </Group>
      {switcher}
      <Board />
    </Stack>
  );
}
