/** Employees and contacts shown by name. */
import { Anchor, Avatar, Text, Tooltip } from "@mantine/core";
import { Link } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { useUserAvatar, useUserName } from "../entities/directory";
import { useRecord } from "../entities/api";
import { asText, formatPhone, initials } from "../lib/format";

export function UserName({ id }: { id: string | null | undefined }) {
  const { t } = useTranslation();
  const name = useUserName(id);
  if (!id) return <>{t("common.none")}</>;
  return <>{name ?? "…"}</>;
}

/** An employee's avatar, or their initials while they have none (or it cannot be loaded). */
export function UserAvatar({
  id,
  name,
  size = "sm",
}: {
  id: string | null | undefined;
  name: string;
  size?: "xs" | "sm" | "md" | "xl";
}) {
  const src = useUserAvatar(id, size === "xl" ? "large" : "small");
  return (
    <Tooltip label={name} withArrow>
      <Avatar
        size={size}
        color="initials"
        name={name}
        radius="xl"
        aria-label={name}
        src={src}
        alt={name}
        data-testid="user-avatar"
        data-avatar={src ? "image" : "initials"}
      >
        {initials(name)}
      </Avatar>
    </Tooltip>
  );
}

/** An employee's avatar beside their written name: decorative (the name is what is read
 * out), their picture, else their initials in their own colour, so two people with the same
 * initials still look apart. */
export function NamedAvatar({ id, name, size = 20 }: { id: string; name: string | null; size?: number }) {
  const src = useUserAvatar(id, "small");
  return (
    <Avatar
      size={size}
      color="initials"
      name={name ?? ""}
      radius="xl"
      src={src}
      alt=""
      aria-hidden
      data-avatar={src ? "image" : "initials"}
    >
      {name ? initials(name) : null}
    </Avatar>
  );
}

/** An employee in a list, a card or a field: a small avatar and the name. */
export function UserChip({ id }: { id: string | null | undefined }) {
  const { t } = useTranslation();
  const name = useUserName(id);
  if (!id) return <>{t("common.none")}</>;
  return (
    <span className="sb-user-chip" data-testid="user-chip">
      <NamedAvatar id={id} name={name} />
      <span>{name ?? "…"}</span>
    </span>
  );
}

export function RecordLink({ type, id }: { type: string; id: string | null | undefined }) {
  const { t } = useTranslation();
  const record = useRecord(type, id ?? undefined);
  if (!id) return <>{t("common.none")}</>;
  const data = record.data;
  if (!data && record.isError)
    return (
      <Text span c="dimmed" data-testid="record-gone">
        {t("fmt.purgedRecord")}
      </Text>
    );
  // A call is named by the other party's number: the caller, or whom an outbound call rang.
  const number = data?.direction === "outbound" ? data.to_number : data?.from_number;
  const label = (data && (data.name ?? data.title ?? data.full_name ?? number ?? data.body)) ?? "…";
  const text = typeof label === "string" && /^\+\d{7,15}$/.test(label) ? formatPhone(label) : asText(label);
  return (
    <Anchor component={Link} to={`/${type}/${id}`}>
      {text.length > 60 ? `${text.slice(0, 57)}…` : text}
    </Anchor>
  );
}
