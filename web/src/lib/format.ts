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
