/**
 * The browser's own notifications (the Notification API) for a tab in the background: asked
 * for once per browser (remembered in localStorage), shown only while the tab is hidden.
 */
const ASKED_KEY = "sb.notifications.asked";

export function browserNotificationsSupported(): boolean {
  return typeof window !== "undefined" && "Notification" in window;
}

/** Ask for permission unless already asked (from a user gesture, as browsers require). */
export async function askOnce(): Promise<void> {
  if (!browserNotificationsSupported() || Notification.permission !== "default") return;
  if (localStorage.getItem(ASKED_KEY)) return;
  localStorage.setItem(ASKED_KEY, "1");
  try {
    await Notification.requestPermission();
  } catch {
    // Older browsers: callback form only; the in-app center still works.
  }
}

/** Show `title`/`body` as a system notification if the tab is hidden and it is allowed. */
export function showWhenHidden(title: string, body: string, onClick: () => void): void {
  if (!browserNotificationsSupported() || !document.hidden || Notification.permission !== "granted") return;
  const shown = new Notification(title, { body, tag: "switchboard" });
  shown.onclick = () => {
    window.focus();
    onClick();
    shown.close();
  };
}
