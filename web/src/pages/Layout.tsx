/** The workspace frame: header, navigation (a drawer on phones), live status, the call popup. */
import { useEffect, useRef } from "react";
import {
  ActionIcon,
  AppShell,
  Badge,
  Burger,
  Group,
  Indicator,
  Menu,
  NavLink,
  Text,
  Tooltip,
  UnstyledButton,
} from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import {
  IconAddressBook,
  IconBriefcase,
  IconChecklist,
  IconHome,
  IconList,
  IconLogout,
  IconNotes,
  IconPhone,
  IconUserCircle,
  IconUsers,
  IconWifi,
  IconWifiOff,
} from "@tabler/icons-react";
import { Link, Outlet, useLocation, useNavigate } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { useAuth, useMe } from "../auth/AuthProvider";
import { can } from "../auth/permissions";
import { AvatarDialog } from "../components/AvatarDialog";
import { PreferencesMenuItems } from "../components/PreferencesMenuItems";
import { SearchPalette } from "../components/SearchPalette";
import { UserAvatar } from "../components/People";
import { useRealtime } from "../realtime/RealtimeProvider";
import { NotificationBell } from "../notifications/NotificationBell";
import { IncomingCall } from "../telephony/IncomingCall";
import { useMissedCalls } from "../telephony/missed";
import { useLivePreferences } from "../preferences/useLivePreferences";
import { WrapUps } from "../telephony/WrapUpDialog";

const NAV = [
  { to: "/", key: "home", icon: IconHome, type: null },
  { to: "/contacts", key: "contacts", icon: IconAddressBook, type: "contacts" },
  { to: "/deals", key: "deals", icon: IconBriefcase, type: "deals" },
  { to: "/tasks", key: "tasks", icon: IconChecklist, type: "tasks" },
  { to: "/notes", key: "notes", icon: IconNotes, type: "notes" },
  { to: "/calls", key: "calls", icon: IconPhone, type: "calls" },
  { to: "/number_lists", key: "number_lists", icon: IconList, type: "number_lists" },
  { to: "/users", key: "users", icon: IconUsers, type: "users", adminOnly: true },
] as const;

function ConnectionStatus() {
  const { t } = useTranslation();
  const { state, subscribed } = useRealtime();
  const connected = state === "connected";
  const live = connected && subscribed;
  // Connected but a channel is not subscribed (its authorisation is being retried): no
  // live updates arrive, and the employee should know.
  const label = live ? t("common.live") : connected ? t("common.paused") : t("common.offline");
  return (
    <Tooltip label={label}>
      <Group gap={4} aria-live="polite" data-testid="connection" data-state={state} data-live={live}>
        {live ? (
          <IconWifi size={18} color="var(--mantine-color-green-6)" />
        ) : (
          <IconWifiOff size={18} color="var(--mantine-color-orange-6)" />
        )}
        {/* The icon carries the colour; the words stay in the text colour (green or orange
            text on white is under AA contrast). */}
        <Text size="xs" visibleFrom="sm">
          {label}
        </Text>
      </Group>
    </Tooltip>
  );
}

export function Layout() {
  const { t } = useTranslation();
  const me = useMe();
  const { logout } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const [opened, { toggle, close }] = useDisclosure();
  const [avatarOpened, avatarDialog] = useDisclosure();
  const { unseen, markSeen } = useMissedCalls();
  useLivePreferences();

  useEffect(close, [location.pathname, close]);
  // After in-app navigation, move focus to the new page (screen readers announce it, the
  // keyboard starts from the content), but not on the first page load.
  const firstRender = useRef(true);
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    const main = document.getElementById("main");
    // A page that focused its own first field (a form) keeps it.
    if (main && !main.contains(document.activeElement)) main.focus({ preventScroll: true });
  }, [location.pathname]);
  useEffect(() => {
    if (!opened) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") close();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [opened, close]);
  useEffect(() => {
    if (location.pathname === "/calls" && new URLSearchParams(location.search).get("status") === "missed") markSeen();
  }, [location, markSeen]);

  const items = NAV.filter(
    (item) => !item.type || (can(me.role, item.type, "read") && (!("adminOnly" in item) || me.role === "admin")),
  );
  const active = (to: string) => (to === "/" ? location.pathname === "/" : location.pathname.startsWith(to));

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 230, breakpoint: "sm", collapsed: { mobile: !opened } }}
      padding="md"
    >
      <a href="#main" className="sb-skip">
        {t("app.skip")}
      </a>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={t("app.menu")} />
            <UnstyledButton component={Link} to="/" aria-label={t("app.name")}>
              <Group gap={6} wrap="nowrap">
                <img src="/favicon.svg" alt="" width={26} height={26} />
                {/* On a phone the header's buttons need the room (the link keeps its label). */}
                <Text fw={700} size="lg" visibleFrom="xs">
                  Switchboard
                </Text>
              </Group>
            </UnstyledButton>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <SearchPalette />
            <ConnectionStatus />
            <NotificationBell />
            <WrapUps />
            {unseen > 0 && (
              <Tooltip label={t("calls.missedBadge", { count: unseen })}>
                <Indicator label={unseen} size={16} color="red" offset={4}>
                  <ActionIcon
                    component={Link}
                    to="/calls?status=missed"
                    variant="light"
                    color="red"
                    size="lg"
                    aria-label={t("calls.missedBadge", { count: unseen })}
                    data-testid="missed-badge"
                  >
                    <IconPhone size={18} />
                  </ActionIcon>
                </Indicator>
              </Tooltip>
            )}
            <Menu position="bottom-end" withArrow>
              <Menu.Target>
                <UnstyledButton aria-label={t("auth.profile", { name: me.full_name })} data-testid="user-menu">
                  <Group gap={6} wrap="nowrap">
                    <UserAvatar id={me.id} name={me.full_name} />
                    <Text size="sm" visibleFrom="md">
                      {me.full_name}
                    </Text>
                  </Group>
                </UnstyledButton>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Label>{me.email}</Menu.Label>
                <Menu.Label>
                  <Badge size="xs" variant="light">
                    {t(`options.role.${me.role}`)}
                  </Badge>
                  {me.extension && ` · ${me.extension}`}
                </Menu.Label>
                <Menu.Divider />
                <Menu.Item leftSection={<IconUserCircle size={16} />} onClick={avatarDialog.open}>
                  {t("avatar.menu")}
                </Menu.Item>
                <Menu.Divider />
                <PreferencesMenuItems />
                <Menu.Divider />
                <Menu.Item
                  leftSection={<IconLogout size={16} />}
                  onClick={async () => {
                    await logout();
                    navigate("/login", { replace: true });
                  }}
                >
                  {t("auth.logout")}
                </Menu.Item>
              </Menu.Dropdown>
            </Menu>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label={t("app.menu")} component="nav">
        {items.map((item) => (
          <NavLink
            key={item.to}
            component={Link}
            to={item.to}
            label={t(`nav.${item.key}`)}
            leftSection={<item.icon size={18} />}
            active={active(item.to)}
            aria-current={active(item.to) ? "page" : undefined}
            rightSection={
              item.key === "calls" && unseen > 0 ? (
                <Badge size="xs" color="red" circle>
                  {unseen}
                </Badge>
              ) : undefined
            }
          />
        ))}
      </AppShell.Navbar>
      <AppShell.Main id="main" tabIndex={-1} style={{ outline: "none" }}>
        <Outlet />
      </AppShell.Main>
      <IncomingCall />
      <AvatarDialog opened={avatarOpened} onClose={avatarDialog.close} />
    </AppShell>
  );
}
