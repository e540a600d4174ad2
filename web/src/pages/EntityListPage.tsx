/** The generic list (and trash) of any entity type: search, filters, sort, cursor pages. */
import { useEffect, useMemo, useState, type ReactNode } from "react";
import {
  ActionIcon,
  Anchor,
  Button,
  Center,
  Collapse,
  Group,
  Loader,
  Paper,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  Tooltip,
} from "@mantine/core";
import { useDebouncedValue, useMediaQuery } from "@mantine/hooks";
import { notifications } from "@mantine/notifications";
import {
  IconArrowDown,
  IconArrowUp,
  IconFilter,
  IconPlus,
  IconRestore,
  IconSearch,
  IconTrash,
  IconTrashX,
} from "@tabler/icons-react";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { useMe } from "../auth/AuthProvider";
import { can } from "../auth/permissions";
import { ApiErrorAlert, errorText } from "../components/ApiErrorAlert";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { FieldValue, isOtherParty } from "../components/FieldValue";
import { DialButton } from "../telephony/PhoneLink";
import { UserSelect } from "../components/inputs";
import { useEntityList, useLifecycle, type ListParams } from "../entities/api";
import {
  entityDef,
  labelKey,
  recordTitle,
  type EntityDef,
  type EntityRecord,
  type FieldDef,
} from "../entities/registry";
import { focusWhenReady } from "../lib/focus";
import { asText, dayBound, formatDateTime } from "../lib/format";
import { NamedAvatar } from "../components/People";
import { RecordCards } from "./RecordCards";

function columnField(def: EntityDef, name: string): FieldDef {
  const known = def.fields.find((f) => f.name === name);
  if (known) return known;
  // Columns the form does not edit: people by name, times as dates, never a raw id.
  if (name === "author_id" || name.endsWith("_by")) return { name, kind: "user" };
  return { name, kind: name.endsWith("_at") ? "datetime" : "text" };
}

/** A text filter applied as you type (once the typing settles), no Enter needed. */
function TextFilter({
  label,
  value,
  onChange,
}: {
  label: string;
  value: string | null;
  onChange: (value: string | null) => void;
}) {
  const [text, setText] = useState(value ?? "");
  const [debounced] = useDebouncedValue(text.trim(), 300);
  useEffect(() => {
    if ((value ?? "") !== debounced) onChange(debounced || null);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only when the typed text settles
  }, [debounced]);
  return (
    <TextInput label={label} type="search" value={text} onChange={(e) => setText(e.currentTarget.value)} w={180} />
  );
}

function Filters({
  def,
  params,
  set,
}: {
  def: EntityDef;
  params: URLSearchParams;
  set: (name: string, value: string | null) => void;
}) {
  const { t } = useTranslation();
  return (
    <>
      {def.filters.map((filter) => {
        const label = t(`fields.${filter.name}`);
        const value = params.get(filter.name);
        if (filter.kind === "user") {
          return (
            <UserSelect
              key={filter.name}
              label={label}
              value={value}
              onChange={(v) => set(filter.name, v)}
              placeholder={t("common.any")}
            />
          );
        }
        if (filter.kind === "day") {
          return (
            <TextInput
              key={filter.name}
              type="date"
              label={label}
              defaultValue={value ?? ""}
              onChange={(e) => set(filter.name, e.currentTarget.value || null)}
              w={180}
            />
          );
        }
        if (filter.kind === "select" || filter.kind === "boolean") {
          const options = filter.kind === "boolean" ? ["true", "false"] : (filter.options ?? []);
          return (
            <Select
              key={filter.name}
              label={label}
              placeholder={t("common.any")}
              data={options.map((v) => ({ value: v, label: t(`options.${filter.name}.${v}`, { defaultValue: v }) }))}
              value={value}
              onChange={(v) => set(filter.name, v)}
              clearable
              w={180}
            />
          );
        }
        return <TextFilter key={filter.name} label={label} value={value} onChange={(v) => set(filter.name, v)} />;
      })}
    </>
  );
}

/** Restore and delete-for-good, as named icon buttons (they fit beside the columns). */
function TrashActions({ onRestore, onPurge }: { onRestore?: () => void; onPurge?: () => void }) {
  const { t } = useTranslation();
  return (
    <Group gap={6} wrap="nowrap">
      {onRestore && (
        <Tooltip label={t("list.restore")}>
          <ActionIcon
            variant="light"
            size="lg"
            aria-label={t("list.restore")}
            onClick={onRestore}
            data-action="restore"
          >
            <IconRestore size={16} />
          </ActionIcon>
        </Tooltip>
      )}
      {onPurge && (
        <Tooltip label={t("list.purge")}>
          <ActionIcon
            variant="light"
            color="red"
            size="lg"
            aria-label={t("list.purge")}
            onClick={onPurge}
            data-action="purge"
          >
            <IconTrashX size={16} />
          </ActionIcon>
        </Tooltip>
      )}
    </Group>
  );
}

/**
 * Kinds whose values read as one unit and must not break across lines (a date and time folds
 * between the two only: FieldValue).
 */
const NOWRAP = new Set(["phone", "select", "date", "duration", "money", "boolean", "phones"]);

interface Props {
  type: string;
  trashed?: boolean;
  /** Parameters the page fixes (a tab's filter); not shown as filters. */
  fixed?: ListParams;
  title?: string;
  /** Extra controls above the list (tabs, view switches). */
  header?: ReactNode;
  /** Filter the loaded records further (what the API cannot filter yet). */
  refine?: (record: EntityRecord) => boolean;
  hideFilters?: string[];
}

export function EntityListPage({ type, trashed = false, fixed, title, header, refine, hideFilters }: Props) {
  const { t } = useTranslation();
  const me = useMe();
  const navigate = useNavigate();
  const def = entityDef(type);
  const [params, setParams] = useSearchParams();
  const [search, setSearch] = useState(params.get("q") ?? "");
  const [debounced] = useDebouncedValue(search, 300);
  const [purging, setPurging] = useState<EntityRecord | null>(null);
  const lifecycle = useLifecycle(type);
  // Below Mantine's "sm" a list is cards and its filters fold behind one button.
  const phone = useMediaQuery("(max-width: 48em)") ?? false;
  const [filtersOpen, setFiltersOpen] = useState(false);

  const setParam = (name: string, value: string | null) => {
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        if (value) next.set(name, value);
        else next.delete(name);
        return next;
      },
      { replace: true },
    );
  };
  useEffect(() => {
    if ((params.get("q") ?? "") !== debounced) setParam("q", debounced || null);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only when the typed search settles
  }, [debounced]);

  const sort = params.get("sort") ?? def.defaultSort;
  const sortField = sort.replace(/^-/, "");
  const descending = sort.startsWith("-");
  const visibleFilters = {
    ...def,
    filters: def.filters.filter((f) => !(hideFilters ?? []).includes(f.name) && !(fixed && f.name in fixed)),
  };
  const query = useMemo(() => {
    const q: ListParams = { sort, ...(fixed ?? {}) };
    if (def.searchable && params.get("q")) q.q = params.get("q");
    if (!trashed)
      for (const f of visibleFilters.filters) {
        const value = params.get(f.name);
        if (!value) continue;
        if (f.kind === "day") {
          const instant = dayBound(value, f.bound ?? "from");
          if (instant) q[f.name] = instant;
        } else q[f.name] = value;
      }
    return q;
    // eslint-disable-next-line react-hooks/exhaustive-deps, react-hooks/use-memo -- fixed compared by value
  }, [params, sort, trashed, JSON.stringify(fixed)]);
  const list = useEntityList(type, query, { trashed });
  const records = (list.data?.pages.flatMap((p) => p.items) ?? []).filter((r) => (refine ? refine(r) : true));

  const act = async (record: EntityRecord, action: "restore" | "purge") => {
    const index = records.findIndex((r) => r.id === record.id);
    const neighbour = records[index + 1] ?? records[index - 1];
    try {
      await lifecycle.mutateAsync({ id: record.id, action, version: record.version });
      notifications.show({
        color: "green",
        message: t(action === "restore" ? "record.restoredToast" : "record.purgedToast"),
      });
      focusWhenReady([
        ...(neighbour ? [`tr[data-id="${neighbour.id}"] button[data-action="${action}"]`] : []),
        "#list-title",
      ]);
    } catch (error) {
      notifications.show({ color: "red", message: errorText(error, t) });
    }
    setPurging(null);
  };

  // The trash names each record and when it was trashed, so its actions fit on the screen.
  const columns = (trashed ? def.columns.slice(0, 2) : def.columns).map((name) => columnField(def, name));
  const activeFilters = visibleFilters.filters.filter((f) => params.get(f.name)).length;
  // An empty page under a search or a filter means "nothing matches", not "nothing exists".
  const narrowed = Boolean(query.q) || activeFilters > 0;
  const heading = title ?? (trashed ? t("list.trashTitle", { type: t(`nav.${type}`) }) : t(`nav.${type}`));
  return (
    <Stack gap="md">
      <Group justify="space-between" wrap="wrap">
        <Title order={1} size="h2" id="list-title" tabIndex={-1} style={{ outline: "none" }}>
          {heading}
        </Title>
        <Group gap="xs">
          {!trashed && (
            <Button component={Link} to={`/${type}/trash`} variant="subtle" leftSection={<IconTrash size={16} />}>
              {t("list.trash")}
            </Button>
          )}
          {!trashed && def.creatable && can(me.role, type, "create") && (
            <Button component={Link} to={`/${type}/new`} leftSection={<IconPlus size={16} />}>
              {t("list.new")}
            </Button>
          )}
        </Group>
      </Group>
      {header}
      <Paper withBorder p="sm" radius="md">
        <Group align="flex-end" gap="sm" wrap={phone ? "nowrap" : "wrap"} mb={phone ? 0 : "sm"}>
          {def.searchable && (
            <TextInput
              label={t("common.search")}
              placeholder={t("list.searchPlaceholder")}
              leftSection={<IconSearch size={16} />}
              value={search}
              onChange={(e) => setSearch(e.currentTarget.value)}
              style={{ flex: "1 1 220px" }}
              type="search"
            />
          )}
          {phone && (
            <Button
              variant="default"
              leftSection={<IconFilter size={16} />}
              onClick={() => setFiltersOpen((o) => !o)}
              aria-expanded={filtersOpen}
            >
              {t("common.filters")}
              {activeFilters > 0 ? ` (${activeFilters})` : ""}
            </Button>
          )}
        </Group>
        <Collapse in={!phone || filtersOpen}>
          <Group align="flex-end" gap="sm" wrap="wrap" mt={phone ? "sm" : 0}>
            {!trashed && <Filters def={visibleFilters} params={params} set={setParam} />}
            <Select
              label={t("list.sortBy")}
              data={def.sortable.map((f) => ({ value: f, label: t(`fields.${f}`) }))}
              value={sortField}
              onChange={(v) => setParam("sort", v ? `${descending ? "-" : ""}${v}` : null)}
              allowDeselect={false}
              w={170}
            />
            <Tooltip label={t(descending ? "common.descending" : "common.ascending")}>
              <ActionIcon
                variant="default"
                size="lg"
                aria-label={`${t("common.sort")}: ${t(descending ? "common.descending" : "common.ascending")}`}
                onClick={() => setParam("sort", `${descending ? "" : "-"}${sortField}`)}
              >
                {descending ? <IconArrowDown size={16} /> : <IconArrowUp size={16} />}
              </ActionIcon>
            </Tooltip>
          </Group>
        </Collapse>
      </Paper>
      <ApiErrorAlert error={list.error} />
      {phone ? (
        <RecordCards
          def={def}
          columns={columns}
          records={records}
          trashed={trashed}
          actions={(record) => (
            <TrashActions
              onRestore={can(me.role, type, "restore") ? () => act(record, "restore") : undefined}
              onPurge={can(me.role, type, "purge") ? () => setPurging(record) : undefined}
            />
          )}
        />
      ) : (
        <Table.ScrollContainer minWidth={640}>
          {/* Cells padded 6 px a side (Mantine's 10): the call log's eight columns fit at 1280 px with room to spare (long contact and employee names). */}
          <Table
            highlightOnHover
            verticalSpacing="sm"
            horizontalSpacing={6}
            aria-label={heading}
            aria-busy={list.isFetching}
          >
            <Table.Thead>
              <Table.Tr>
                {columns.map((c) => (
                  <Table.Th key={c.name}>{t(labelKey(c))}</Table.Th>
                ))}
                {trashed && <Table.Th>{t("fields.deleted_at")}</Table.Th>}
                {trashed && (
                  <Table.Th>
                    <span className="sr-only">{t("common.details")}</span>
                  </Table.Th>
                )}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {records.map((record) => (
                <Table.Tr
                  key={record.id}
                  data-id={record.id}
                  style={{ cursor: "pointer" }}
                  onClick={() => navigate(`/${type}/${record.id}`)}
                >
                  {columns.map((c, i) => (
                    <Table.Td key={c.name} className={NOWRAP.has(c.kind) ? "sb-nowrap" : undefined}>
                      {i === 0 ? (
                        <Group gap={4} wrap="nowrap">
                          {type === "users" && <NamedAvatar id={record.id} name={asText(record.full_name)} size={24} />}
                          <Anchor
                            component={Link}
                            to={`/${type}/${record.id}`}
                            fw={500}
                            onClick={(e) => e.stopPropagation()}
                          >
                            {recordTitle(def, record) || formatDateTime(record.created_at)}
                          </Anchor>
                          {/* A call's title is the caller's number: call back from the row. */}
                          {c.kind === "phone" && typeof record[c.name] === "string" && isOtherParty(c.name, record) && (
                            <DialButton number={String(record[c.name])} />
                          )}
                        </Group>
                      ) : (
                        <FieldValue field={c} record={record} />
                      )}
                    </Table.Td>
                  ))}
                  {trashed && <Table.Td>{formatDateTime(record.deleted_at)}</Table.Td>}
                  {trashed && (
                    <Table.Td onClick={(e) => e.stopPropagation()}>
                      <TrashActions
                        onRestore={can(me.role, type, "restore") ? () => act(record, "restore") : undefined}
                        onPurge={can(me.role, type, "purge") ? () => setPurging(record) : undefined}
                      />
                    </Table.Td>
                  )}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {list.isPending && (
        <Center>
          <Loader aria-label={t("app.loading")} />
        </Center>
      )}
      {!list.isPending && records.length === 0 && !list.error && (
        <Text c="dimmed" ta="center" py="xl">
          {narrowed ? t("list.nothingFound") : trashed ? t("list.emptyTrash") : t("list.empty")}
        </Text>
      )}
      {list.hasNextPage && (
        <Center>
          <Button variant="default" onClick={() => list.fetchNextPage()} loading={list.isFetchingNextPage}>
            {t("common.loadMore")}
          </Button>
        </Center>
      )}
      <ConfirmDialog
        opened={purging !== null}
        title={t("record.purgeTitle")}
        text={t("record.purgeText", { title: recordTitle(def, purging ?? undefined) })}
        confirmLabel={t("record.purge")}
        loading={lifecycle.isPending}
        onConfirm={() => purging && act(purging, "purge")}
        onClose={() => setPurging(null)}
      />
    </Stack>
  );
}
