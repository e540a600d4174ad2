/**
 * The note form's text area with the `@` mention picker: typing `@` and a few letters offers
 * matching employees; choosing one inserts `@[Full Name](user:<id>)`, which the API turns into
 * a notification for them (notifications/rules.py).
 */
import { useId, useRef, useState, type KeyboardEvent } from "react";
import { Paper, Popover, Stack, Text, Textarea, UnstyledButton } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { useUsers, type UserSummary } from "../entities/directory";
import { insertMention, mentionQuery } from "../notifications/mentions";

const SHOWN = 6;

export function MentionTextarea({
  value,
  onChange,
  label,
  placeholder,
}: {
  value: string;
  onChange: (value: string) => void;
  label: string;
  placeholder?: string;
}) {
  const { t } = useTranslation();
  const users = useUsers();
  const area = useRef<HTMLTextAreaElement>(null);
  const listId = useId();
  const [query, setQuery] = useState<{ start: number; query: string; caret: number } | null>(null);
  const [active, setActive] = useState(0);
  const needle = query?.query.toLowerCase() ?? "";
  const matches: UserSummary[] = query
    ? (users.data ?? [])
        .filter((u) => u.is_active && (u.full_name.toLowerCase().includes(needle) || u.email.startsWith(needle)))
        .slice(0, SHOWN)
    : [];
  const open = matches.length > 0;

  const track = (text: string, caret: number) => {
    const found = mentionQuery(text, caret);
    setQuery(found ? { ...found, caret } : null);
    setActive(0);
  };
  const choose = (user: UserSummary) => {
    if (!query) return;
    const done = insertMention(value, query.start, query.caret, user.full_name, user.id);
    onChange(done.text);
    setQuery(null);
    requestAnimationFrame(() => {
      area.current?.focus();
      area.current?.setSelectionRange(done.caret, done.caret);
    });
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (!open) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      setActive((i) => (i + step + matches.length) % matches.length);
    } else if (event.key === "Enter" || event.key === "Tab") {
      event.preventDefault();
      const user = matches[active];
      if (user) choose(user);
    } else if (event.key === "Escape") {
      setQuery(null);
    }
  };

  return (
    // No popup roles on the text area (a textarea takes no aria-expanded); it names the list
    // it controls and the option the arrow keys are on.
    <Popover
      opened={open}
      position="bottom-start"
      width={280}
      shadow="md"
      trapFocus={false}
      returnFocus={false}
      withRoles={false}
    >
      <Popover.Target>
        <Textarea
          ref={area}
          aria-label={label}
          placeholder={placeholder}
          description={t("record.mentionHint")}
          value={value}
          onChange={(e) => {
            onChange(e.currentTarget.value);
            track(e.currentTarget.value, e.currentTarget.selectionStart);
          }}
          onKeyDown={onKeyDown}
          onBlur={() => setTimeout(() => setQuery(null), 150)}
          autosize
          minRows={2}
          aria-autocomplete="list"
          aria-controls={open ? listId : undefined}
          aria-activedescendant={open ? `${listId}-${active}` : undefined}
        />
      </Popover.Target>
      <Popover.Dropdown p={4}>
        <Stack gap={2} role="listbox" id={listId} aria-label={t("record.mentionPicker")} data-testid="mention-picker">
          {matches.map((user, i) => (
            <UnstyledButton
              key={user.id}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === active}
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => choose(user)}
            >
              <Paper p={6} radius="sm" bg={i === active ? "var(--mantine-color-blue-light)" : undefined}>
                <Text size="sm">{user.full_name}</Text>
                <Text size="xs" c="dimmed">
                  {user.email}
                </Text>
              </Paper>
            </UnstyledButton>
          ))}
        </Stack>
      </Popover.Dropdown>
    </Popover>
  );
}
