/**
 * Interface preferences (language, colour theme) kept per employee on the server: what they
 * mean for the page, with no React in it. Before sign-in the page follows the browser.
 */
import type { MantineColorScheme, MantineColorSchemeManager } from "@mantine/core";
import type { Schemas } from "../api/schema";
import { LANGUAGES, type Language } from "../i18n/languages";

export type Preferences = Schemas["Preferences"];
export type Theme = Preferences["theme"];
export const THEMES: readonly Theme[] = ["system", "light", "dark"];
export const PREFERENCES_CHANGED = "preferences.changed";
export const PREFERENCES_URL = "/api/v1/auth/me/preferences";

/** Mantine's colour scheme for a theme: `system` follows prefers-color-scheme. */
export function colorSchemeOf(theme: Theme | undefined): MantineColorScheme {
  return theme === "light" || theme === "dark" ? theme : "auto";
}

/**
 * The language to show: the employee's choice; signed out, the browser's; signed in with no
 * choice made, what the page already shows (the language picked on the login page).
 */
export function languageToShow(
  chosen: Language | null | undefined,
  signedIn: boolean,
  current: Language,
  browser: Language,
): Language {
  if (signedIn) return chosen ?? current;
  return browser;
}

/**
 * Whether `incoming` should replace `current`: a later version only. A tab's own answer and
 * the live event about the same change arrive in either order; an older one never wins.
 */
export function isNewer(current: Preferences | null | undefined, incoming: Preferences): boolean {
  return !current || incoming.version > current.version;
}

/** Parse a `preferences.changed` event's data (a JSON string or an object). */
export function parsePreferences(raw: unknown): Preferences | null {
  let value: unknown = raw;
  if (typeof raw === "string") {
    try {
      value = JSON.parse(raw);
    } catch {
      return null;
    }
  }
  const data = value as Partial<Preferences> | null;
  if (!data || typeof data.version !== "number" || !THEMES.includes(data.theme as Theme)) return null;
  if (data.language !== null && !LANGUAGES.includes(data.language as Language)) return null;
  return data as Preferences;
}

/**
 * A colour-scheme store that remembers nothing in the browser (Mantine's default keeps it in
 * localStorage): the theme belongs to the employee and comes from the server, and the
 * login page follows the system.
 */
export function serverColorSchemeManager(): MantineColorSchemeManager {
  return {
    get: (defaultValue) => defaultValue,
    set: () => undefined,
    subscribe: () => undefined,
    unsubscribe: () => undefined,
    clear: () => undefined,
  };
}
