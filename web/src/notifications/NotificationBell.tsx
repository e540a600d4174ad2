/**
 * The bell in the header: the unread count, and the notification center in a popover (newest
 * first, mark one or all read, each links to its record). New notifications arrive on the
 * employee's own channel `private-user.{id}` as `notification.created` (notifications/
 * service.py); while the tab is hidden they are also shown by the browser.
 */
import { useState } from "react";
import {
  ActionIcon,
  Anchor,
  Button,
  Group,
  Indicator,
  Popover,
  ScrollArea,
  Stack,
  Text,
  Title,
  Tooltip,
  UnstyledButton,
} from "@mantine/core";
import { IconBell } from "@tabler/icons-react";
import { useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { useMe } from "../auth/AuthProvider";
import { formatDateTime } from "../lib/format";
import { useChannel } from "../realtime/RealtimeProvider";
import {
  notificationKeys,
  notificationLink,
  useMarkRead,
  useNotificationList,
  useUnreadCount,
  type AppNotification,
} from "./api";
import { askOnce, showWhenHidden } from "./browser";
import { notificationKind, notificationSubject, notificationText } from "./wording";

export const NOTIFICATION_EVENT = "notification.created";

function parse(raw: unknown): AppNotification | null {
  let value: unknown = raw;
  if (typeof raw === "string") {
    try {
      value = JSON.parse(raw);
    } catch {
      return null;
    }
  }
  const data = value as Partial<AppNotification> | null;
  return data && typeof data.id === "string" && typeof data.kind === "string" ? (data as AppNotification) : null;
}

/** Keep the counts live and show background-tab notifications through the browser. */
function useLiveNotifications() {
  const me = useMe();
  const client = useQueryClient();
  const navigate = useNavigate();
  useChannel(`private-user.${me.id}`, (channel) => {
    const arrived = (raw: unknown) => {
      const n = parse(raw);
      if (!n) return;
      client.setQueryData<number>(notificationKeys.unread, (count) => (count ?? 0) + 1);
      void client.invalidateQueries({ queryKey: notificationKeys.all });
      const link = notificationLink(n);
      showWhenHidden(notificationKind(n), notificationText(n), () => {
        if (link) navigate(link);
      });
    };
    channel.bind(NOTIFICATION_EVENT, arrived);
    return () => channel.unbind(NOTIFICATION_EVENT, arrived);
  });
}

function Item({ n, onOpen }: { n: AppNotification; onOpen: (n: AppNotification) => void }) {
  useTranslation(); // re-render when the language changes
  const subject = notificationSubject(n);
  const unread = !n.read_at;
  return (
    <UnstyledButton
      onClick={() => onOpen(n)}
      p="xs"
      style={{
        borderRadius: 6,
        background: unread ? "var(--mantine-color-blue-light)" : undefined,
      }}
      data-testid="notification"
      data-kind={n.kind}
      data-unread={unread}
    >
      <Text size="sm" fw={unread ? 700 : 500}>
        {notificationKind(n)}
        {subject && (
          <Text span fw={400}>
            {" "}
            · {subject}
          </Text>
        )}
      </Text>
      {n.body && (
        <Text size="xs" lineClamp={2}>
          {n.body}
        </Text>
      )}
      <Text size="xs" c="dimmed">
        {formatDateTime(n.created_at)}
      </Text>
    </UnstyledButton>
  );
}

export function NotificationBell() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [opened, setOpened] = useState(false);
  const unread = useUnreadCount().data ?? 0;
  const list = useNotificationList(opened);
  const mark = useMarkRead();
  useLiveNotifications();
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const label = t("notifications.bell", { count: unread });
  const open = (n: AppNotification) => {
    if (!n.read_at) mark.mutate(n.id);
    const link = notificationLink(n);
    setOpened(false);
    if (link) navigate(link);
  };
  return (
    <Popover opened={opened} onChange={setOpened} position="bottom-end" width={360} withArrow shadow="md">
      <Popover.Target>
        <Tooltip label={label}>
          <Indicator label={unread} size={16} color="red" offset={4} disabled={unread === 0}>
            <ActionIcon
              variant="subtle"
              size="lg"
              aria-label={label}
              data-testid="notification-bell"
              data-unread={unread}
              onClick={() => {
                void askOnce();
                setOpened((o) => !o);
              }}
            >
              <IconBell size={20} />
            </ActionIcon>
          </Indicator>
        </Tooltip>
      </Popover.Target>
      <Popover.Dropdown p="xs" role="dialog" aria-label={t("notifications.title")}>
        <Group justify="space-between" mb="xs">
          <Title order={2} size="h5">
            {t("notifications.title")}
          </Title>
          <Button size="compact-xs" variant="subtle" disabled={unread === 0} onClick={() => mark.mutate(null)}>
            {t("notifications.markAll")}
          </Button>
        </Group>
        <ScrollArea.Autosize mah={420}>
          <Stack gap={4}>
            {items.length === 0 && !list.isPending && (
              <Text size="sm" c="dimmed">
                {t("notifications.empty")}
              </Text>
            )}
            {items.map((n) => (
              <Item key={n.id} n={n} onOpen={open} />
            ))}
            {list.hasNextPage && (
              <Anchor component="button" size="xs" onClick={() => void list.fetchNextPage()}>
                {t("notifications.more")}
              </Anchor>
            )}
          </Stack>
        </ScrollArea.Autosize>
      </Popover.Dropdown>
    </Popover>
  );
}
