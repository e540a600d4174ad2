/**
 * The workspace's one search box (Ctrl/Cmd+K): contacts, deals, tasks, notes, calls and
 * employees from GET /api/v1/search, grouped by type, driven by the keyboard alone
 * (arrows move, Enter opens, Esc closes). An ARIA combobox over a grouped listbox.
 */
import { useEffect, useId, useMemo, useState } from "react";
import { Badge, Group, Kbd, Loader, Modal, Stack, Text, TextInput, UnstyledButton } from "@mantine/core";
import { useDebouncedValue, useDisclosure, useWindowEvent } from "@mantine/hooks";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { IconSearch } from "@tabler/icons-react";
import { useNavigate } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import type { Schemas } from "../api/schema";
import { ApiErrorAlert } from "./ApiErrorAlert";
import { formatDateTime, formatPhone } from "../lib/format";

type SearchResults = Schemas["SearchResults"];
type SearchHit = Schemas["SearchHit"];
type SearchedType = Schemas["SearchGroup"]["type"];

const STATUS_FIELD: Partial<Record<SearchedType, string>> = {
  deals: "stage",
  tasks: "status",
  calls: "status",
  users: "role",
};

function hitTitle(type: SearchedType, hit: SearchHit): string {
  // A call's title is its two numbers in E.164: shown as people read them.
  return type === "calls" ? hit.title.split(" → ").map(formatPhone).join(" → ") : hit.title;
}

function Hit({ type, hit }: { type: SearchedType; hit: SearchHit }) {
  const { t } = useTranslation();
  const field = STATUS_FIELD[type];
  return (
    <Group justify="space-between" wrap="nowrap" gap="sm">
      <Stack gap={0} style={{ minWidth: 0 }}>
        <Text size="sm" fw={500} truncate>
          {hitTitle(type, hit) || "—"}
        </Text>
        {(hit.subtitle || hit.at) && (
          <Text size="xs" c="dimmed" truncate>
            {[hit.subtitle, hit.at ? formatDateTime(hit.at) : null].filter(Boolean).join(" · ")}
          </Text>
        )}
      </Stack>
      {field && hit.status && (
        <Badge variant="light" size="sm" style={{ flexShrink: 0 }}>
          {t(`options.${field}.${hit.status}`, { defaultValue: hit.status })}
        </Badge>
      )}
    </Group>
  );
}

/** The button in the header that opens the palette, and the palette itself. */
export function SearchPalette() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [opened, { open, close }] = useDisclosure(false);
  const [text, setText] = useState("");
  const [debounced] = useDebouncedValue(text.trim(), 200);
  const [chosen, setActive] = useState(0);
  const listId = useId();

  useWindowEvent("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "k") {
      event.preventDefault();
      open();
    }
  });

  const found = useQuery({
    queryKey: ["search", debounced],
    queryFn: async () => (await api.get<SearchResults>("/api/v1/search", { query: { q: debounced, limit: 5 } })).data,
    enabled: opened && debounced.length > 0,
    placeholderData: keepPreviousData,
  });
  const groups = useMemo(() => (debounced ? (found.data?.groups ?? []) : []), [debounced, found.data]);
  const flat = useMemo(() => groups.flatMap((g) => g.items.map((hit) => ({ type: g.type, hit }))), [groups]);
  const active = Math.max(0, Math.min(chosen, flat.length - 1)); // typing resets it to 0
  const starts = groups.map((_, i) => groups.slice(0, i).reduce((n, g) => n + g.items.length, 0));

  const optionId = (index: number) => `${listId}-option-${index}`;
  const go = (index: number) => {
    const chosen = flat[index];
    if (!chosen) return;
    close();
    setText("");
    navigate(`/${chosen.type}/${chosen.hit.id}`);
  };
  const onKeyDown = (event: React.KeyboardEvent<HTMLInputElement>) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (flat.length === 0) return;
      const step = event.key === "ArrowDown" ? 1 : -1;
      setActive((active + step + flat.length) % flat.length);
    } else if (event.key === "Enter") {
      event.preventDefault();
      go(active);
    }
  };
  useEffect(() => {
    document.getElementById(optionId(active))?.scrollIntoView({ block: "nearest" });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- optionId is stable per listId
  }, [active]);

  const waiting = debounced !== text.trim() || found.isFetching;
  return (
    <>
      <UnstyledButton
        onClick={open}
        aria-label={t("search.open")}
        aria-keyshortcuts="Control+K Meta+K"
        data-testid="search-open"
        className="sb-search-button"
      >
        <Group gap={6} wrap="nowrap">
          <IconSearch size={16} />
          <Text size="sm" c="dimmed" visibleFrom="md">
            {t("search.button")}
          </Text>
          <Kbd size="xs" visibleFrom="md">
            Ctrl K
          </Kbd>
        </Group>
      </UnstyledButton>
      <Modal
        opened={opened}
        onClose={close}
        title={t("search.title")}
        size="lg"
        yOffset="10vh"
        closeButtonProps={{ "aria-label": t("search.close") }}
      >
        <TextInput
          data-autofocus
          value={text}
          onChange={(e) => {
            setText(e.currentTarget.value);
            setActive(0);
          }}
          onKeyDown={onKeyDown}
          placeholder={t("search.placeholder")}
          leftSection={waiting && debounced ? <Loader size={14} /> : <IconSearch size={16} />}
          role="combobox"
          aria-label={t("search.title")}
          aria-autocomplete="list"
          aria-expanded={flat.length > 0}
          aria-controls={listId}
          aria-activedescendant={flat.length > 0 ? optionId(active) : undefined}
          autoComplete="off"
        />
        <ApiErrorAlert error={found.error} />
        <div id={listId} role="listbox" aria-label={t("search.results")} className="sb-search-results">
          {groups.map((group, g) => (
            <div key={group.type} role="group" aria-labelledby={`${listId}-${group.type}`}>
              <Text id={`${listId}-${group.type}`} size="xs" fw={700} c="dimmed" tt="uppercase" mt="sm" mb={4}>
                {t(`nav.${group.type}`)}
              </Text>
              {group.items.map((hit, i) => {
                const mine = (starts[g] ?? 0) + i;
                return (
                  <div
                    key={hit.id}
                    id={optionId(mine)}
                    role="option"
                    aria-selected={mine === active}
                    data-type={group.type}
                    className="sb-search-option"
                    onMouseMove={() => setActive(mine)}
                    onClick={() => go(mine)}
                  >
                    <Hit type={group.type} hit={hit} />
                  </div>
                );
              })}
            </div>
          ))}
        </div>
        <Text size="sm" c="dimmed" mt="sm" aria-live="polite">
          {!debounced ? t("search.hint") : !waiting && !found.error && flat.length === 0 ? t("search.nothing") : ""}
        </Text>
      </Modal>
    </>
  );
}
