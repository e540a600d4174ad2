/** Display formats that follow the interface language. */
import i18n from "../i18n";

/** A JSON value as text: objects as JSON, nothing as "" (never "[object Object]"). */
export function asText(value: unknown): string {
  switch (typeof value) {
    case "string":
      return value;
    case "number":
    case "boolean":
    case "bigint":
      return String(value);
    case "object":
      return value === null ? "" : JSON.stringify(value);
    default:
      return ""; // undefined (functions and symbols never come from JSON)
  }
}

const locale = () => (i18n.language === "en" ? "en-GB" : "ru-RU");

export function formatDateTime(value: unknown): string {
  if (typeof value !== "string" || !value) return "";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return date.toLocaleString(locale(), { dateStyle: "medium", timeStyle: "short" });
}

export function formatDate(value: unknown): string {
  if (typeof value !== "string" || !value) return "";
  const date = new Date(value.length === 10 ? `${value}T00:00:00` : value);
  if (Number.isNaN(date.getTime())) return value;
  return date.toLocaleDateString(locale(), { dateStyle: "medium" });
}

export function formatRelative(value: string): string {
  const diff = (new Date(value).getTime() - Date.now()) / 1000;
  const rtf = new Intl.RelativeTimeFormat(locale(), { numeric: "auto" });
  const abs = Math.abs(diff);
  if (abs < 60) return rtf.format(Math.round(diff), "second");
  if (abs < 3600) return rtf.format(Math.round(diff / 60), "minute");
  if (abs < 86400) return rtf.format(Math.round(diff / 3600), "hour");
  return rtf.format(Math.round(diff / 86400), "day");
}

export function formatDuration(seconds: unknown): string {
  const total = typeof seconds === "number" && Number.isFinite(seconds) ? Math.max(0, Math.round(seconds)) : 0;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = h ? String(m).padStart(2, "0") : String(m);
  return `${h ? `${h}:` : ""}${mm}:${String(s).padStart(2, "0")}`;
}

/** +79161234567 -> +7 916 123-45-67; other numbers as they are. */
export function formatPhone(value: unknown): string {
  if (typeof value !== "string") return "";
  const ru = /^\+7(\d{3})(\d{3})(\d{2})(\d{2})$/.exec(value);
  if (ru) return `+7 ${ru[1]} ${ru[2]}-${ru[3]}-${ru[4]}`;
  return value;
}

export function formatMoney(amount: unknown, currency: unknown): string {
  const n = Number(amount);
  if (!Number.isFinite(n)) return asText(amount);
  const code = typeof currency === "string" && /^[A-Z]{3}$/.test(currency) ? currency : "RUB";
  return new Intl.NumberFormat(locale(), { style: "currency", currency: code, maximumFractionDigits: 2 }).format(n);
}

export function initials(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part[0]?.toUpperCase() ?? "")
    .join("");
}

/**
 * The instant a calendar day (`YYYY-MM-DD`, in this browser's time zone) starts, or with
 * `until` the instant the next day starts, as ISO 8601 with the offset; null for anything
 * that is not a real day.
 */
export function dayBound(day: string, bound: "from" | "until"): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return null;
  const [year, month, date] = [Number(match[1]), Number(match[2]) - 1, Number(match[3])];
  const start = new Date(year, month, date);
  if (start.getFullYear() !== year || start.getMonth() !== month || start.getDate() !== date) return null;
  return new Date(year, month, date + (bound === "until" ? 1 : 0)).toISOString();
}

/**
 * A Mango disconnect reason in words. Codes are hierarchical: one the table does not name is
 * read as its class (2219 -> 2210 -> 2200 -> 2000), so a new code still says something true.
 */
export function formatDisconnectReason(code: unknown): string {
  const n = typeof code === "string" && /^\d+$/.test(code) ? Number(code) : code;
  if (typeof n !== "number" || !Number.isInteger(n) || n <= 0) return "";
  for (const step of [1, 10, 100, 1000]) {
    const key = String(Math.floor(n / step) * step);
    if (i18n.exists(`disconnect.${key}`)) return i18n.t(`disconnect.${key}`);
  }
  return i18n.t("disconnect.unknown");
}

/** A size in bytes in the units people read: 512 Б, 1,5 кБ, 3,2 МБ. */
export function formatSize(bytes: unknown): string {
  const n = Number(bytes);
  if (bytes === null || bytes === undefined || bytes === "" || !Number.isFinite(n) || n < 0) return "";
  if (n < 1000) return i18n.t("fmt.sizeBytes", { value: Math.round(n) });
  const units = ["kilobyte", "megabyte", "gigabyte"] as const;
  let value = n / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return new Intl.NumberFormat(locale(), {
    style: "unit",
    unit: units[unit],
    unitDisplay: "short",
    maximumFractionDigits: value < 10 ? 1 : 0,
  }).format(value);
}

/** Grammatical gender for Russian verbs, guessed from a full name ("x" when unsure). */
export function nameGender(fullName: string): "m" | "f" | "x" {
  const parts = fullName.trim().toLowerCase().split(/\s+/);
  if (parts.some((p) => /(вна|чна|кызы)$/.test(p))) return "f";
  if (parts.some((p) => /(вич|ич|оглы)$/.test(p))) return "m";
  const surname = parts.length > 1 ? (parts[parts.length - 1] ?? "") : "";
  if (/(ова|ева|ёва|ина|ына|ая|ская)$/.test(surname)) return "f";
  if (/(ов|ев|ёв|ин|ын|ий|ый|ский|ой)$/.test(surname)) return "m";
  return "x";
}

/** Who wrote a history entry: an employee by name, the PBX for calls, else the system. */
export interface Actor {
  kind: "user" | "pbx" | "system";
  name?: string;
}

export function actorName(actor: Actor): string {
  if (actor.kind === "user") return actor.name || i18n.t("fmt.someone");
  return i18n.t(actor.kind === "pbx" ? "fmt.pbx" : "fmt.system");
}

function actorGender(actor: Actor): "m" | "f" | "x" {
  // «Система», «АТС» are feminine in Russian.
  if (actor.kind !== "user") return "f";
  return actor.name ? nameGender(actor.name) : "x";
}

/** Resolves what a history value refers to (an employee's name by id). */
export type NameOf = (field: string, value: string) => string | undefined;

const SIZE_FIELDS = new Set(["recording_size"]);
const SECOND_FIELDS = new Set(["talk_seconds", "recording_duration", "recording_duration_seconds"]);
const PEOPLE_FIELDS = new Set(["owner_id", "assignee_id", "author_id", "employee_id", "created_by", "updated_by"]);

/** One field's value the way a person reads it, for history and lists. */
export function formatFieldValue(field: string, value: unknown, nameOf?: NameOf): string {
  const none = i18n.t("common.none");
  if (value === null || value === undefined || value === "") return none;
  if (typeof value === "boolean") return i18n.t(value ? "fmt.yes" : "fmt.no");
  if (field === "disconnect_reason") return formatDisconnectReason(value) || none;
  if (field === "avatar_url") return i18n.t("fmt.avatarImage");
  if (SIZE_FIELDS.has(field)) return formatSize(value);
  if (SECOND_FIELDS.has(field)) return formatDuration(Number(value));
  if (field === "amount") return formatMoney(value, "RUB").replace(/\s?₽$/, "");
  if (typeof value === "string" && PEOPLE_FIELDS.has(field)) return nameOf?.(field, value) ?? none;
  if (typeof value === "string" && field.endsWith("_id") && /^[0-9a-f-]{36}$/i.test(value))
    return nameOf?.(field, value) ?? "…";
  if (typeof value === "string" && i18n.exists(`options.${field}.${value}`)) return i18n.t(`options.${field}.${value}`);
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) return formatDateTime(value);
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value)) return formatDate(value);
  if (typeof value === "string" && /^\+\d{7,15}$/.test(value)) return formatPhone(value);
  if (Array.isArray(value)) {
    const parts = value.map((v) =>
      v && typeof v === "object" && "number" in v ? formatPhone((v as { number: string }).number) : asText(v),
    );
    return parts.join(", ") || none;
  }
  const text = asText(value);
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}

export interface HistoryLike {
  action: string;
  changes?: Record<string, { before?: unknown; after?: unknown }> | null;
}

/**
 * A history entry as sentences, one per changed field: «Антон изменил Этап: Новая →
 * Квалифицирована». `hidden` fields (bookkeeping) are left out.
 */
export function historySentences(
  entry: HistoryLike,
  actor: Actor,
  nameOf?: NameOf,
  hidden: ReadonlySet<string> = new Set(),
): string[] {
  const who = actorName(actor);
  const g = actorGender(actor);
  const verb = (name: string) => i18n.t(`fmt.verbs.${name}.${g}`);
  const forms = {
    created: verb("created"),
    changed: verb("changed"),
    moved: verb("moved"),
    restored: verb("restored"),
    deleted: verb("deleted"),
  };
  const base = { actor: who, ...forms };
  switch (entry.action) {
    case "created":
      return [i18n.t("fmt.sentenceCreated", base)];
    case "trashed":
      return [i18n.t("fmt.sentenceTrashed", base)];
    case "restored":
      return [i18n.t("fmt.sentenceRestored", base)];
    case "purged":
      return [i18n.t("fmt.sentencePurged", base)];
    case "updated": {
      const changes = Object.entries(entry.changes ?? {}).filter(([f]) => !hidden.has(f));
      if (!changes.length) return [i18n.t("fmt.sentenceUpdatedMany", base)];
      return changes.map(([field, change]) =>
        i18n.t("fmt.sentenceUpdated", {
          ...base,
          field: i18n.t(`fields.${field}`, { defaultValue: field }),
          before: formatFieldValue(field, change?.before, nameOf),
          after: formatFieldValue(field, change?.after, nameOf),
        }),
      );
    }
    default:
      return [`${who}: ${entry.action}`];
  }
}

/** The API's validator messages (English) in the interface language. */
export function validationMessage(message: string): string {
  const rules: [RegExp, (m: RegExpExecArray) => string][] = [
    [/not a valid phone number|phone number|too (short|long) for a phone/i, () => i18n.t("validation.phone")],
    [/email|@-sign|domain name/i, () => i18n.t("validation.email")],
    [/length >= (\d+)/i, (m) => i18n.t("validation.minLength", { count: Number(m[1]) })],
    [/length <= (\d+)/i, (m) => i18n.t("validation.maxLength", { count: Number(m[1]) })],
    [/^required$|missing required|field required/i, () => i18n.t("validation.required")],
    [/already taken/i, () => i18n.t("validation.taken")],
    [/no such record/i, () => i18n.t("validation.noSuchRecord")],
    [/already in the list/i, () => i18n.t("validation.inList")],
    [/must be in the future/i, () => i18n.t("validation.future")],
    [
      /cannot move from (\w+) to (\w+)/i,
      (m) =>
        i18n.t("validation.stage", {
          from: i18n.t(`options.stage.${m[1]}`, { defaultValue: m[1] }),
          to: i18n.t(`options.stage.${m[2]}`, { defaultValue: m[2] }),
        }),
    ],
    [/ask another admin/i, () => i18n.t("validation.askAdmin")],
    [/has no extension/i, () => i18n.t("validation.noExtension")],
    [/not your current password/i, () => i18n.t("validation.currentPassword")],
    [/^not allowed$/i, () => i18n.t("validation.notAllowed")],
    [/^expected `/i, () => i18n.t("validation.wrongType")],
  ];
  for (const [pattern, render] of rules) {
    const match = pattern.exec(message);
    if (match) return render(match);
  }
  return message;
}
