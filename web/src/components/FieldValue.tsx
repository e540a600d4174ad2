/** One field of a record, displayed according to its kind. */
import { Fragment } from "react";
import { Badge, Group, Stack, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { EntityRecord, FieldDef } from "../entities/registry";
import {
  asText,
  formatDate,
  formatDateTime,
  formatDisconnectReason,
  formatDuration,
  formatMoney,
  formatSize,
} from "../lib/format";
import { DueCountdown } from "../telephony/DueCountdown";
import { PhoneLink } from "../telephony/PhoneLink";
import { RecordLink, UserChip } from "./People";

const STAGE_COLORS: Record<string, string> = {
  new: "gray",
  qualified: "blue",
  proposal: "violet",
  won: "green",
  lost: "red",
};
const STATUS_COLORS: Record<string, string> = {
  open: "blue",
  in_progress: "yellow",
  done: "green",
  cancelled: "gray",
  ringing: "yellow",
  completed: "green",
  missed: "red",
  failed: "red",
};
const OPEN_STATUSES = new Set(["open", "in_progress"]);
const PRIORITY_COLORS: Record<string, string> = { low: "gray", normal: "blue", high: "orange", urgent: "red" };

/**
 * Whether a call's number is the other party's (the one to call back): the caller of an
 * inbound call, the called number of an outbound one. The company's line is never dialled.
 */
export function isOtherParty(field: string, record: EntityRecord): boolean {
  if (field === "line_number") return false;
  if (record.direction === "inbound") return field === "from_number";
  if (record.direction === "outbound") return field === "to_number";
  return true;
}

export function OptionBadge({ name, value }: { name: string; value: unknown }) {
  const { t } = useTranslation();
  if (value === null || value === undefined || value === "") return <>{t("common.none")}</>;
  const text = asText(value);
  const color =
    (name === "stage" ? STAGE_COLORS : name === "priority" ? PRIORITY_COLORS : STATUS_COLORS)[text] ?? "gray";
  return (
    <Badge variant="light" color={color}>
      {t(`options.${name}.${text}`, { defaultValue: text })}
    </Badge>
  );
}

/** A date and time that may fold between the two, never inside either: "4 дек. 2026 г.," / "11:32". */
function DateTime({ value }: { value: unknown }) {
  const text = formatDateTime(value);
  const comma = text.lastIndexOf(", ");
  if (comma < 0) return <>{text}</>;
  return (
    <>
      <span className="sb-nowrap">{text.slice(0, comma + 1)}</span>{" "}
      <span className="sb-nowrap">{text.slice(comma + 2)}</span>
    </>
  );
}

/** An e-mail address that may fold before its dots and "@", never inside a word. */
function EmailText({ address }: { address: string }) {
  return (
    <>
      {address.split(/(?=[.@])/).map((part, i) => (
        <Fragment key={i}>
          {i > 0 && <wbr />}
          {part}
        </Fragment>
      ))}
    </>
  );
}

export function FieldValue({ field, record }: { field: FieldDef; record: EntityRecord }) {
  const { t } = useTranslation();
  const value = record[field.name];
  const none = (
    <Text span c="dimmed">
      {t("common.none")}
    </Text>
  );
  switch (field.kind) {
    case "select":
      if (field.name === "currency") return <>{asText(value)}</>;
      return <OptionBadge name={field.name} value={value} />;
    case "boolean":
      return <>{value ? t("common.yes") : t("common.no")}</>;
    case "date":
      return value ? <>{formatDate(value)}</> : none;
    case "datetime":
      if (!value) return none;
      // An open call-back task counts down to its due time (the missed-call loop's promise).
      if (field.name === "due_at" && record.callback_number && OPEN_STATUSES.has(asText(record.status)))
        return (
          <>
            {formatDateTime(value)}
            <DueCountdown dueAt={asText(value)} />
          </>
        );
      return <DateTime value={value} />;
    case "money":
      return <>{formatMoney(value, record.currency)}</>;
    case "duration":
      return <>{formatDuration(value)}</>;
    case "disconnect":
      return value === null || value === undefined ? none : <>{formatDisconnectReason(value)}</>;
    case "size":
      return value === null || value === undefined ? none : <>{formatSize(value)}</>;
    case "user":
      return <UserChip id={value as string | null} />;
    case "contact":
      return <RecordLink type="contacts" id={value as string | null} />;
    case "call":
      return value ? <RecordLink type="calls" id={value as string} /> : none;
    case "phone":
      if (typeof value !== "string" || !value) return none;
      return <PhoneLink number={value} dialable={isOtherParty(field.name, record)} />;
    case "related": {
      const type = record.related_type as string | null;
      const id = record.related_id as string | null;
      if (!type || !id) return none;
      return (
        <Group gap={6} wrap="nowrap">
          <Text span size="sm" c="dimmed">
            {t(`types.${type}`, { defaultValue: type })}:
          </Text>
          <RecordLink type={type} id={id} />
        </Group>
      );
    }
    case "phones": {
      const phones = Array.isArray(value) ? (value as { type: string; number: string }[]) : [];
      if (!phones.length) return none;
      return (
        <Stack gap={2}>
          {phones.map((p, i) => (
            <Group key={i} gap={6} wrap="nowrap">
              <PhoneLink number={p.number} />
              <Text span size="xs" c="dimmed">
                {t(`options.phoneType.${p.type}`, { defaultValue: p.type })}
              </Text>
            </Group>
          ))}
        </Stack>
      );
    }
    case "emails": {
      const emails = Array.isArray(value) ? (value as string[]) : [];
      if (!emails.length) return none;
      return (
        <Stack gap={2}>
          {emails.map((e) => (
            <a key={e} href={`mailto:${e}`}>
              <EmailText address={e} />
            </a>
          ))}
        </Stack>
      );
    }
    case "tags": {
      const tags = Array.isArray(value) ? (value as string[]) : [];
      if (!tags.length) return none;
      return (
        <Group gap={4}>
          {tags.map((tag) => (
            <Badge key={tag} variant="outline" size="sm">
              {tag}
            </Badge>
          ))}
        </Group>
      );
    }
    case "password":
      return null;
    default:
      if (value === null || value === undefined || value === "") return none;
      return (
        // Words stay whole (a column is as wide as its longest word); only a word longer than
        // the whole line folds.
        <Text span style={{ whiteSpace: "pre-wrap", overflowWrap: "break-word" }}>
          {asText(value)}
        </Text>
      );
  }
}
