/** Form inputs for each field kind; values are kept in the API's shape. */
import { useState } from "react";
import {
  ActionIcon,
  Button,
  Group,
  PasswordInput,
  Select,
  Stack,
  Switch,
  TagsInput,
  Text,
  TextInput,
  Textarea,
} from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { IconPlus, IconTrash } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { searchRecords, useUsers } from "../entities/directory";
import { useRecord } from "../entities/api";
import { labelKey, type FieldDef } from "../entities/registry";
import { asText, formatPhone } from "../lib/format";

export type Errors = Record<string, string>;

interface InputProps {
  field: FieldDef;
  values: Record<string, unknown>;
  errors: Errors;
  isNew: boolean;
  onChange: (name: string, value: unknown) => void;
}

const PHONE_TYPES = ["mobile", "work", "home", "fax", "other"];

/** An instant as the local day and time the inputs show ("" when there is none). */
function toLocalParts(value: unknown): { day: string; time: string } {
  if (typeof value !== "string" || !value) return { day: "", time: "" };
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return { day: "", time: "" };
  const pad = (n: number) => String(n).padStart(2, "0");
  return {
    day: `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`,
    time: `${pad(d.getHours())}:${pad(d.getMinutes())}`,
  };
}

/** The local day alone means the end of that day: a task "due on the 5th" is due by its close. */
export const END_OF_DAY = "23:59";

export function fromLocalParts(day: string, time: string): string | null {
  if (!day) return null;
  const d = new Date(`${day}T${time || END_OF_DAY}`);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** Day and optional time as two inputs: a day without a time is kept, never dropped. */
function DateTimeInput({
  label,
  value,
  error,
  onChange,
}: {
  label: string;
  value: unknown;
  error?: string;
  onChange: (value: string | null) => void;
}) {
  const { t } = useTranslation();
  const initial = toLocalParts(value);
  const [day, setDay] = useState(initial.day);
  const [time, setTime] = useState(initial.time);
  const update = (nextDay: string, nextTime: string) => {
    setDay(nextDay);
    setTime(nextTime);
    onChange(fromLocalParts(nextDay, nextTime));
  };
  return (
    <Group gap="xs" align="flex-start" wrap="nowrap">
      <TextInput
        type="date"
        label={label}
        value={day}
        onChange={(e) => update(e.currentTarget.value, time)}
        error={error}
        style={{ flex: 1 }}
      />
      <TextInput
        type="time"
        label={t("form.time")}
        description={day && !time ? t("form.endOfDay") : undefined}
        value={time}
        onChange={(e) => update(day, e.currentTarget.value)}
        w={140}
      />
    </Group>
  );
}

/** Errors of nested paths ("phones[0].number") for one field. */
function nestedError(errors: Errors, name: string): string | undefined {
  const own = errors[name];
  if (own) return own;
  const key = Object.keys(errors).find((k) => k.startsWith(`${name}[`) || k.startsWith(`${name}.`));
  return key ? errors[key] : undefined;
}

export function UserSelect(props: {
  label: string;
  value: string | null;
  onChange: (v: string | null) => void;
  error?: string;
  clearable?: boolean;
  placeholder?: string;
}) {
  const { t } = useTranslation();
  const users = useUsers();
  const data = (users.data ?? [])
    .filter((u) => u.is_active || u.id === props.value)
    .map((u) => ({ value: u.id, label: u.full_name }));
  return (
    <Select
      label={props.label}
      placeholder={props.placeholder ?? t("form.pickUser")}
      data={data}
      value={props.value}
      onChange={props.onChange}
      error={props.error}
      searchable
      clearable={props.clearable ?? true}
      nothingFoundMessage={t("common.noResults")}
    />
  );
}

/** A record in a picker: its name plus what tells two of the same name apart. */
export function pickerLabel(r: Record<string, unknown>): string {
  const name = asText(r.name ?? r.title ?? r.full_name ?? (r.from_number ? formatPhone(r.from_number) : r.id));
  const phones = Array.isArray(r.phones) ? (r.phones as { number?: string }[]) : [];
  const extra = [typeof r.company === "string" ? r.company : "", phones[0]?.number ? formatPhone(phones[0].number) : ""]
    .filter(Boolean)
    .join(", ");
  return extra ? `${name} · ${extra}` : name;
}

export function RecordSelect(props: {
  type: string;
  label: string;
  value: string | null;
  onChange: (v: string | null) => void;
  error?: string;
}) {
  const { t } = useTranslation();
  const [search, setSearch] = useState("");
  const [debounced] = useDebouncedValue(search, 250);
  const found = useQuery({
    queryKey: ["entity", props.type, "list", "pick", debounced],
    queryFn: () => searchRecords(props.type, debounced),
  });
  const current = useRecord(props.type, props.value ?? undefined);
  const label = (r: Record<string, unknown>) => pickerLabel(r);
  const options = new Map<string, string>();
  if (current.data && props.value) options.set(props.value, label(current.data));
  for (const r of found.data ?? []) options.set(r.id, label(r));
  return (
    <Select
      label={props.label}
      placeholder={t("form.pickContact")}
      data={[...options].map(([value, text]) => ({ value, label: text }))}
      value={props.value}
      onChange={props.onChange}
      onSearchChange={setSearch}
      searchable
      clearable
      filter={({ options: opts }) => opts}
      error={props.error}
      nothingFoundMessage={t("common.noResults")}
    />
  );
}

function PhonesInput({ values, errors, onChange }: InputProps) {
  const { t } = useTranslation();
  const phones = (values.phones as { type: string; number: string }[] | undefined) ?? [];
  const set = (next: { type: string; number: string }[]) => onChange("phones", next);
  return (
    <Stack gap={6}>
      <Text size="sm" fw={500}>
        {t("fields.phones")}
      </Text>
      {phones.map((phone, i) => (
        <Group key={i} gap="xs" align="flex-start" wrap="nowrap">
          <Select
            aria-label={`${t("form.phoneType")} ${i + 1}`}
            data={PHONE_TYPES.map((v) => ({ value: v, label: t(`options.phoneType.${v}`) }))}
            value={phone.type}
            onChange={(v) => set(phones.map((p, j) => (j === i ? { ...p, type: v ?? "mobile" } : p)))}
            allowDeselect={false}
            w={140}
          />
          <TextInput
            aria-label={`${t("form.number")} ${i + 1}`}
            placeholder="+7 912 345-67-89"
            type="tel"
            value={phone.number}
            onChange={(e) => set(phones.map((p, j) => (j === i ? { ...p, number: e.currentTarget.value } : p)))}
            error={errors[`phones[${i}].number`] ?? errors[`phones[${i}]`]}
            style={{ flex: 1 }}
          />
          <ActionIcon
            variant="subtle"
            color="red"
            mt={6}
            aria-label={`${t("common.remove")} ${i + 1}`}
            onClick={() => set(phones.filter((_, j) => j !== i))}
          >
            <IconTrash size={16} />
          </ActionIcon>
        </Group>
      ))}
      {errors.phones && (
        <Text size="xs" c="red">
          {errors.phones}
        </Text>
      )}
      <Button
        variant="light"
        size="xs"
        leftSection={<IconPlus size={14} />}
        onClick={() => set([...phones, { type: "mobile", number: "" }])}
        w="fit-content"
      >
        {t("form.addPhone")}
      </Button>
    </Stack>
  );
}

function RelatedInput({ values, errors, onChange }: InputProps) {
  const { t } = useTranslation();
  const type = (values.related_type as string | null) ?? null;
  const options = ["contacts", "deals", "calls"];
  return (
    <Group grow align="flex-start">
      <Select
        label={t("form.relatedType")}
        data={options.map((v) => ({ value: v, label: t(`options.related_type.${v}`) }))}
        value={type}
        onChange={(v) => {
          onChange("related_type", v);
          onChange("related_id", null);
        }}
        clearable
        error={errors.related_type}
      />
      {type && (
        <RecordSelect
          type={type}
          label={t("form.relatedRecord")}
          value={(values.related_id as string | null) ?? null}
          onChange={(v) => onChange("related_id", v)}
          error={errors.related_id}
        />
      )}
    </Group>
  );
}

export function FieldInput(props: InputProps) {
  const { t } = useTranslation();
  const { field, values, errors, onChange, isNew } = props;
  const label = t(labelKey(field));
  const value = values[field.name];
  const error = nestedError(errors, field.name);
  const text = (v: string) => onChange(field.name, v === "" && !field.required ? null : v);
  switch (field.kind) {
    case "textarea":
      return (
        <Textarea
          label={label}
          value={(value as string) ?? ""}
          onChange={(e) => text(e.currentTarget.value)}
          error={error}
          withAsterisk={field.required}
          autosize
          minRows={3}
          maxRows={12}
        />
      );
    case "select":
      return (
        <Select
          label={label}
          data={(field.options ?? []).map((v) => ({
            value: v,
            label: t(`options.${field.name}.${v}`, { defaultValue: v }),
          }))}
          value={(value as string) ?? null}
          onChange={(v) => onChange(field.name, v)}
          allowDeselect={false}
          error={error}
        />
      );
    case "boolean":
      return (
        <Switch
          label={label}
          checked={Boolean(value)}
          onChange={(e) => onChange(field.name, e.currentTarget.checked)}
        />
      );
    case "date":
      return (
        <TextInput
          type="date"
          label={label}
          value={(value as string) ?? ""}
          onChange={(e) => text(e.currentTarget.value)}
          error={error}
        />
      );
    case "datetime":
      return <DateTimeInput label={label} value={value} error={error} onChange={(v) => onChange(field.name, v)} />;
    case "money":
      return (
        <TextInput
          label={label}
          inputMode="decimal"
          placeholder="0"
          value={(value as string) ?? ""}
          onChange={(e) => {
            const typed = e.currentTarget.value.replace(",", ".").replace(/\s/g, "");
            onChange(field.name, typed === "" ? null : typed);
          }}
          error={error}
        />
      );
    case "user":
      return (
        <UserSelect
          label={label}
          value={(value as string) ?? null}
          onChange={(v) => onChange(field.name, v)}
          error={error}
        />
      );
    case "contact":
      return (
        <RecordSelect
          type="contacts"
          label={label}
          value={(value as string) ?? null}
          onChange={(v) => onChange(field.name, v)}
          error={error}
        />
      );
    case "tags":
    case "emails":
      return (
        <TagsInput
          label={label}
          value={(value as string[]) ?? []}
          onChange={(v) => onChange(field.name, v)}
          error={error}
          splitChars={[",", " ", ";"]}
          acceptValueOnBlur
          clearable
        />
      );
    case "phones":
      return <PhonesInput {...props} />;
    case "related":
      return <RelatedInput {...props} />;
    case "password":
      return (
        <PasswordInput
          label={label}
          description={isNew ? undefined : t("form.passwordHint")}
          value={(value as string) ?? ""}
          onChange={(e) => onChange(field.name, e.currentTarget.value || undefined)}
          error={error}
          autoComplete="new-password"
        />
      );
    default:
      return (
        <TextInput
          label={label}
          type={field.kind === "email" ? "email" : "text"}
          value={(value as string) ?? ""}
          onChange={(e) => text(e.currentTarget.value)}
          error={error}
          withAsterisk={field.required}
        />
      );
  }
}
