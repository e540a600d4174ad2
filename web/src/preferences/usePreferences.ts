/**
 * Reading and changing the signed-in employee's preferences. They live in the `auth/me`
 * answer (so sign-in on any browser brings them); a change shows at once, is saved with
 * If-Match, and the server's answer or the live event of another tab replaces it by version.
 */
import { useCallback } from "react";
import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { notifications } from "@mantine/notifications";
import { useTranslation } from "react-i18next";
import { ApiError, api } from "../api/client";
import { ME_KEY, useAuth, type Me } from "../auth/AuthProvider";
import type { Language } from "../i18n/languages";
import { PREFERENCES_URL, isNewer, type Preferences, type Theme } from "./preferences";

export type PreferencesChange = Partial<Pick<Preferences, "language" | "theme">>;

// Changes of this tab not saved yet, oldest first: whatever the server says meanwhile (an
// earlier change's answer, another tab's event) is shown with them on top, so a quick second
// click never flickers back to the first one.
let pending: PreferencesChange[] = [];

/** Keep `incoming` (with this tab's unsaved changes on top) if it is a later version than
 * the page has; `force`: whatever version it is (the server's, after a failed change). */
export function storePreferences(client: QueryClient, incoming: Preferences, force = false): void {
  const shown = pending.reduce<Preferences>((prefs, change) => ({ ...prefs, ...change }), incoming);
  client.setQueryData<Me | null>(ME_KEY, (me) =>
    me && (force || isNewer(me.preferences, incoming)) ? { ...me, preferences: shown } : me,
  );
}

function currentVersion(client: QueryClient): number {
  return client.getQueryData<Me | null>(ME_KEY)?.preferences.version ?? 1;
}

async function save(client: QueryClient, change: PreferencesChange): Promise<void> {
  try {
    const { data } = await api.patch<Preferences>(PREFERENCES_URL, change, { ifMatch: currentVersion(client) });
    storePreferences(client, data);
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 412)) throw err;
    // Another tab changed them first: take its version and apply this choice on top (a
    // personal setting: the latest click wins, the other field stays as that tab left it).
    const { data: fresh } = await api.get<Preferences>(PREFERENCES_URL);
    storePreferences(client, fresh, true);
    const { data } = await api.patch<Preferences>(PREFERENCES_URL, change, { ifMatch: fresh.version });
    storePreferences(client, data);
  }
}

// One change at a time, so each names the version the previous one produced.
let saving: Promise<void> = Promise.resolve();

export interface PreferencesControl {
  language: Language;
  theme: Theme;
  setLanguage: (language: Language) => void;
  setTheme: (theme: Theme) => void;
}

export function usePreferences(): PreferencesControl {
  const { me } = useAuth();
  const client = useQueryClient();
  const { t, i18n } = useTranslation();
  const signedIn = me !== null;

  const change = useCallback(
    (wanted: PreferencesChange) => {
      if (wanted.language) void i18n.changeLanguage(wanted.language);
      // Before sign-in a choice is only this page's.
      if (!signedIn) return;
      pending = [...pending, wanted];
      client.setQueryData<Me | null>(ME_KEY, (current) =>
        current ? { ...current, preferences: { ...current.preferences, ...wanted } } : current,
      );
      saving = saving
        .then(() => save(client, wanted))
        .finally(() => {
          pending = pending.filter((change) => change !== wanted);
        })
        .catch(async () => {
          notifications.show({ color: "red", message: t("app.preferencesFailed") });
          try {
            storePreferences(client, (await api.get<Preferences>(PREFERENCES_URL)).data, true);
          } catch {
            // signed out or offline: the page keeps what it shows
          }
        });
    },
    [client, i18n, signedIn, t],
  );

  return {
    language: i18n.language.startsWith("en") ? "en" : "ru",
    theme: me?.preferences.theme ?? "system",
    setLanguage: useCallback((language: Language) => change({ language }), [change]),
    setTheme: useCallback((theme: Theme) => change({ theme }), [change]),
  };
}
