/**
 * A notification in words: what happened (its kind) and whom or what it is about. A call's
 * notification names the contact when the call had one; otherwise the API gives the other
 * party's number (or an extension, or nothing for a hidden number), shown here the way the
 * rest of the client shows numbers, never raw.
 */
import i18n from "../i18n";
import { formatPhone } from "../lib/format";
import type { AppNotification } from "./api";

type Wordable = Pick<AppNotification, "kind" | "title" | "body">;

const CALL_KINDS: ReadonlySet<string> = new Set<AppNotification["kind"]>(["missed_call", "recording_ready"]);

/** Whom or what the notification is about (its title), in words. */
export function notificationSubject(n: Pick<AppNotification, "kind" | "title">): string {
  const title = n.title.trim();
  if (!CALL_KINDS.has(n.kind)) return title;
  if (!title) return i18n.t("notifications.hiddenNumber");
  if (/^\d{2,6}$/.test(title)) return i18n.t("notifications.extension", { number: title });
  if (/^\+\d{7,15}$/.test(title)) return formatPhone(title);
  return title; // the contact's name
}

/** What happened: the kind's name in the interface language. */
export function notificationKind(n: Pick<AppNotification, "kind">): string {
  return i18n.t(`notifications.kinds.${n.kind}`);
}

/** The one-line text of a notification, as the browser shows it while the tab is hidden. */
export function notificationText(n: Wordable): string {
  return [notificationSubject(n), n.body].filter(Boolean).join(" · ");
}
