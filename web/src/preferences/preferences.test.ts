/** What preferences mean for the page: browser language, colour scheme, language to show,
 * which of two versions wins, parsing the live event, and the cache they live in. */
import { describe, expect, it } from "vitest";
import { QueryClient } from "@tanstack/react-query";
import { ME_KEY, type Me } from "../auth/AuthProvider";
import { browserLanguage } from "../i18n/languages";
import {
  colorSchemeOf,
  isNewer,
  languageToShow,
  parsePreferences,
  serverColorSchemeManager,
  type Preferences,
} from "./preferences";
import { storePreferences } from "./usePreferences";

const v = (version: number, rest: Partial<Preferences> = {}): Preferences => ({
  language: null,
  theme: "system",
  version,
  ...rest,
});

describe("preferences", () => {
  it("takes the first browser language the interface speaks, else Russian", () => {
    expect(browserLanguage(["en-GB", "ru-RU"])).toBe("en");
    expect(browserLanguage(["de-DE", "RU"])).toBe("ru");
    expect(browserLanguage(["de-DE", "fr"])).toBe("ru");
    expect(browserLanguage(["EN"])).toBe("en");
    expect(browserLanguage([])).toBe("ru");
    expect(browserLanguage(undefined)).toBe("ru");
  });

  it("maps themes to Mantine's colour schemes: system follows the device", () => {
    expect(colorSchemeOf("dark")).toBe("dark");
    expect(colorSchemeOf("light")).toBe("light");
    expect(colorSchemeOf("system")).toBe("auto");
    expect(colorSchemeOf(undefined)).toBe("auto");
  });

  it("shows the chosen language; signed out the browser's; never chosen, what is shown", () => {
    expect(languageToShow("en", true, "ru", "ru")).toBe("en");
    expect(languageToShow(null, true, "en", "ru")).toBe("en");
    expect(languageToShow(undefined, false, "en", "ru")).toBe("ru");
    // A signed-out page follows the browser, whatever the last employee chose.
    expect(languageToShow("en", false, "en", "ru")).toBe("ru");
  });

  it("lets only a later version replace the one the page has", () => {
    expect(isNewer(null, v(1))).toBe(true);
    expect(isNewer(v(2), v(3))).toBe(true);
    expect(isNewer(v(3), v(3, { theme: "dark" }))).toBe(false);
    expect(isNewer(v(4), v(3))).toBe(false);
  });

  it("parses the live event and refuses anything else", () => {
    const event = { language: "en", theme: "dark", version: 5 };
    expect(parsePreferences(JSON.stringify(event))).toEqual(event);
    expect(parsePreferences(event)).toEqual(event);
    expect(parsePreferences({ ...event, language: null })).toEqual({ ...event, language: null });
    expect(parsePreferences("{not json")).toBeNull();
    expect(parsePreferences({ ...event, theme: "purple" })).toBeNull();
    expect(parsePreferences({ ...event, language: "fr" })).toBeNull();
    expect(parsePreferences({ theme: "dark", language: "en" })).toBeNull();
    expect(parsePreferences(null)).toBeNull();
  });

  it("remembers no colour scheme in the browser", () => {
    const manager = serverColorSchemeManager();
    manager.set("dark");
    expect(manager.get("auto")).toBe("auto");
  });

  it("keeps the later version in the signed-in employee's cache, in either order", () => {
    const client = new QueryClient();
    const me = { id: "u", preferences: v(2) } as unknown as Me;
    client.setQueryData(ME_KEY, me);
    const prefs = () => client.getQueryData<Me>(ME_KEY)?.preferences;
    storePreferences(client, v(3, { theme: "dark" }));
    expect(prefs()).toEqual(v(3, { theme: "dark" }));
    storePreferences(client, v(2, { theme: "light" })); // a late, older answer
    expect(prefs()?.theme).toBe("dark");
    storePreferences(client, v(2, { theme: "light" }), true); // the server's, after a failure
    expect(prefs()?.theme).toBe("light");
    client.setQueryData(ME_KEY, null);
    storePreferences(client, v(9));
    expect(client.getQueryData(ME_KEY)).toBeNull();
  });
});
