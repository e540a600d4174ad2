/** Tasks: mine, due today, overdue, all. */
import { Tabs } from "@mantine/core";
import { useSearchParams } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { useMe } from "../auth/AuthProvider";
import type { ListParams } from "../entities/api";
import type { EntityRecord } from "../entities/registry";
import { EntityListPage } from "./EntityListPage";

const OPEN = new Set(["open", "in_progress"]);

function endOfToday(): Date {
  const d = new Date();
  d.setHours(23, 59, 59, 999);
  return d;
}

export function TasksPage() {
  const { t } = useTranslation();
  const me = useMe();
  const [params, setParams] = useSearchParams();
  const tab = params.get("tab") ?? "mine";
  const now = new Date();
  // due_before/due_after narrow on the server where supported; the refine keeps it exact.
  const views: Record<string, { fixed?: ListParams; refine?: (r: EntityRecord) => boolean }> = {
    mine: { fixed: { assignee_id: me.id } },
    due: {
      fixed: { assignee_id: me.id, due_before: endOfToday().toISOString() },
      refine: (r) =>
        OPEN.has(String(r.status)) &&
        typeof r.due_at === "string" &&
        new Date(r.due_at) <= endOfToday() &&
        new Date(r.due_at) >= now,
    },
    overdue: {
      fixed: { assignee_id: me.id, due_before: now.toISOString() },
      refine: (r) => OPEN.has(String(r.status)) && typeof r.due_at === "string" && new Date(r.due_at) < now,
    },
    all: {},
  };
  const view = views[tab] ?? views.mine!;
  const tabs = (
    <Tabs value={tab} onChange={(v) => setParams(v && v !== "mine" ? { tab: v } : {}, { replace: true })}>
      <Tabs.List>
        <Tabs.Tab value="mine">{t("tasks.mine")}</Tabs.Tab>
        <Tabs.Tab value="due">{t("tasks.due")}</Tabs.Tab>
        <Tabs.Tab value="overdue">{t("tasks.overdue")}</Tabs.Tab>
        <Tabs.Tab value="all">{t("tasks.all")}</Tabs.Tab>
      </Tabs.List>
      {/* Each tab controls a panel (its aria-controls must name one); the list below is its content. */}
      {["mine", "due", "overdue", "all"].map((value) => (
        <Tabs.Panel key={value} value={value}>
          {null}
        </Tabs.Panel>
      ))}
    </Tabs>
  );
  return <EntityListPage key={tab} type="tasks" fixed={view.fixed} refine={view.refine} header={tabs} />;
}
