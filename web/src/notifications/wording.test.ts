/** Notifications in words, in both interface languages: no raw number, no English in Russian. */
import { afterAll, describe, expect, it } from "vitest";
import i18n from "../i18n";
import type { AppNotification } from "./api";
import { notificationKind, notificationSubject, notificationText } from "./wording";

afterAll(() => i18n.changeLanguage("ru"));

const KINDS: AppNotification["kind"][] = [
  "task_assigned",
  "task_due_soon",
  "task_overdue",
  "missed_call",
  "mention",
  "recording_ready",
];

describe.each([
  ["ru", "Номер скрыт", "внутр. 102", /[a-z]/i],
  ["en", "Hidden number", "ext. 102", /[а-яё]/i],
] as const)("notifications in %s", (lng, hidden, extension, otherScript) => {
  it("shows a call's number as the client formats numbers, a contact by name", async () => {
    await i18n.changeLanguage(lng);
    for (const kind of ["missed_call", "recording_ready"] as const) {
      expect(notificationSubject({ kind, title: "+79161234567" })).toBe("+7 916 123-45-67");
      expect(notificationSubject({ kind, title: "Анна Петрова" })).toBe("Анна Петрова");
      expect(notificationSubject({ kind, title: "" })).toBe(hidden);
      expect(notificationSubject({ kind, title: "102" })).toBe(extension);
      expect(notificationSubject({ kind, title: "+442071234567" })).toBe("+442071234567");
    }
  });

  it("leaves a task's title and a mention's author as they were written", async () => {
    await i18n.changeLanguage(lng);
    expect(notificationSubject({ kind: "task_assigned", title: "8 800 звонок" })).toBe("8 800 звонок");
    expect(notificationSubject({ kind: "mention", title: "" })).toBe("");
  });

  it("names every kind in the interface language", async () => {
    await i18n.changeLanguage(lng);
    for (const kind of KINDS) {
      const name = notificationKind({ kind });
      expect(name).not.toMatch(/_|notifications\./); // never the raw kind or key
      expect(name).not.toMatch(otherScript);
    }
  });

  it("words the browser's notification the same way", async () => {
    await i18n.changeLanguage(lng);
    expect(notificationText({ kind: "recording_ready", title: "+79161234567", body: null })).toBe("+7 916 123-45-67");
    expect(notificationText({ kind: "mention", title: "Sofia", body: "Проверь счёт" })).toBe("Sofia · Проверь счёт");
  });
});
