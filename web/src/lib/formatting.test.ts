/** The formatting layer in both interface languages: no raw code, byte count or enum on screen. */
import { afterAll, describe, expect, it } from "vitest";
import i18n from "../i18n";
import {
  formatDisconnectReason,
  formatDuration,
  formatFieldValue,
  formatSize,
  historySentences,
  nameGender,
  validationMessage,
} from "./format";

/** Every code of the Mango table (shared protocol spec, section 2). */
const MANGO_CODES = [
  1000, 1100, 1110, 1111, 1120, 1121, 1122, 1123, 1124, 1131, 1132, 1133, 1134, 1151, 1152, 1160, 1161, 1162, 1163,
  1164, 1170, 1171, 1180, 1181, 1182, 1183, 1190, 1191, 1192, 2240, 3100, 3101, 3102, 3103, 3104, 3105, 3200, 3300,
  3310, 3320, 3330, 3400, 4001, 4002, 4101, 4102, 4502, 5000, 5001, 5002, 5003, 5004, 5221, 5222,
];

async function inLanguage(lng: "ru" | "en", check: () => void) {
  await i18n.changeLanguage(lng);
  check();
}

afterAll(() => i18n.changeLanguage("ru"));

describe.each(["ru", "en"] as const)("formatting in %s", (lng) => {
  it("names every disconnect code of the Mango table in words", async () => {
    await inLanguage(lng, () => {
      const unknown = i18n.t("disconnect.unknown");
      for (const code of MANGO_CODES) {
        const text = formatDisconnectReason(code);
        expect(text, String(code)).not.toBe("");
        expect(text, String(code)).not.toBe(unknown);
        expect(text, String(code)).not.toMatch(/\d{4}/);
        expect(formatDisconnectReason(String(code))).toBe(text);
      }
    });
  });

  it("reads an unlisted code as its class", async () => {
    await inLanguage(lng, () => {
      expect(formatDisconnectReason(1090)).toBe(formatDisconnectReason(1000));
      expect(formatDisconnectReason(2219)).toBe(formatDisconnectReason(2000));
      expect(formatDisconnectReason(4210)).toBe(formatDisconnectReason(4200));
      expect(formatDisconnectReason(9999)).toBe(i18n.t("disconnect.unknown"));
      expect(formatDisconnectReason(null)).toBe("");
    });
  });

  it("formats durations as m:ss and fractional seconds rounded", async () => {
    await inLanguage(lng, () => {
      expect(formatDuration(8.046)).toBe("0:08");
      expect(formatDuration(59.6)).toBe("1:00");
      expect(formatDuration(754)).toBe("12:34");
      expect(formatFieldValue("recording_duration", 8.046)).toBe("0:08");
      expect(formatFieldValue("talk_seconds", 95)).toBe("1:35");
    });
  });

  it("formats sizes in units", async () => {
    await inLanguage(lng, () => {
      const ru = lng === "ru";
      expect(formatSize(512)).toBe(ru ? "512 Б" : "512 B");
      expect(formatSize(1500)).toBe(ru ? "1,5 кБ" : "1.5 kB");
      expect(formatSize(1_460_000)).toBe(ru ? "1,5 МБ" : "1.5 MB");
      expect(formatSize(48_000_000)).toBe(ru ? "48 МБ" : "48 MB");
      expect(formatFieldValue("recording_size", 2_000_000)).toBe(ru ? "2 МБ" : "2 MB");
    });
  });

  it("shows statuses, roles and booleans in words", async () => {
    await inLanguage(lng, () => {
      const ru = lng === "ru";
      expect(formatFieldValue("recording_status", "stored")).toBe(ru ? "Сохранена" : "Stored");
      expect(formatFieldValue("status", "in_progress")).toBe(ru ? "В работе" : "In progress");
      expect(formatFieldValue("stage", "won")).toBe(ru ? "Выиграна" : "Won");
      expect(formatFieldValue("role", "supervisor")).toBe(ru ? "Руководитель" : "Supervisor");
      expect(formatFieldValue("is_final", true)).toBe(ru ? "да" : "yes");
      expect(formatFieldValue("is_final", false)).toBe(ru ? "нет" : "no");
      expect(formatFieldValue("disconnect_reason", 1110)).toBe(ru ? "Звонящий положил трубку" : "The caller hung up");
    });
  });

  it("writes history entries as sentences with named actors", async () => {
    await inLanguage(lng, () => {
      const ru = lng === "ru";
      const stage = { action: "updated", changes: { stage: { before: "new", after: "qualified" } } };
      expect(historySentences(stage, { kind: "user", name: "Антон Соколов" })).toEqual([
        ru ? "Антон Соколов изменил Этап: Новая → Квалифицирована" : "Антон Соколов changed Stage: New → Qualified",
      ]);
      expect(historySentences(stage, { kind: "user", name: "Алина Петрова" })[0]).toMatch(
        ru ? /^Алина Петрова изменила Этап/ : /^Алина Петрова changed Stage/,
      );
      const recording = {
        action: "updated",
        changes: { recording_status: { before: "pending", after: "stored" }, search_text: { before: "a", after: "b" } },
      };
      expect(historySentences(recording, { kind: "pbx" }, undefined, new Set(["search_text"]))).toEqual([
        ru ? "АТС изменила Запись: Загружается → Сохранена" : "The PBX changed Recording: Being fetched → Stored",
      ]);
      expect(historySentences({ action: "trashed" }, { kind: "system" })).toEqual([
        ru ? "Система переместила запись в корзину" : "The system moved the record to the trash",
      ]);
      const owner = { action: "updated", changes: { owner_id: { before: null, after: "u-1" } } };
      const names = (_field: string, id: string) => (id === "u-1" ? "Анна Иванова" : undefined);
      expect(historySentences(owner, { kind: "user", name: "admin" }, names)[0]).toBe(
        ru ? "admin изменил(а) Ответственный: — → Анна Иванова" : "admin changed Owner: — → Анна Иванова",
      );
      expect(historySentences({ action: "created" }, { kind: "user", name: "Антон Соколов" })).toEqual([
        ru ? "Антон Соколов создал запись" : "Антон Соколов created the record",
      ]);
    });
  });

  it("shows the API's validator messages in the interface language", async () => {
    await inLanguage(lng, () => {
      const ru = lng === "ru";
      expect(validationMessage("'12345' is not a valid phone number")).toBe(
        ru ? "Неверный номер телефона" : "Not a valid phone number",
      );
      expect(validationMessage("Expected `str` of length >= 8")).toBe(
        ru ? "Не короче 8 символов" : "At least 8 characters",
      );
      expect(validationMessage("cannot move from won to new; allowed: none (won is final)")).toBe(
        ru ? "Сделку нельзя перенести из этапа «Выиграна» в «Новая»" : "A deal cannot move from Won to New",
      );
    });
  });
});

describe("Russian gender from a full name", () => {
  it("guesses from patronymics and surnames, and admits when it cannot", () => {
    expect(nameGender("Антон Сергеевич Соколов")).toBe("m");
    expect(nameGender("Мария Ивановна")).toBe("f");
    expect(nameGender("Алина Петрова")).toBe("f");
    expect(nameGender("Олег Белый")).toBe("m");
    expect(nameGender("admin")).toBe("x");
  });
});
