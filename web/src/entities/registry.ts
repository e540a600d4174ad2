/**
 * Every entity type the workspace shows, described once: the generic list, detail, form,
 * trash and history screens read these definitions, so contacts, deals, tasks, notes,
 * number lists, users and calls share one implementation.
 */
import { asText, formatPhone } from "../lib/format";
import type { Schemas } from "../api/schema";

export type EntityRecord = {
  id: string;
  version: number;
  created_at: string;
  created_by: string | null;
  updated_at: string;
  updated_by: string | null;
  deleted_at: string | null;
  deleted_by: string | null;
} & Record<string, unknown>;

export type FieldKind =
  | "text"
  | "textarea"
  | "email"
  | "select"
  | "date"
  | "datetime"
  | "money"
  | "boolean"
  | "user"
  | "contact"
  | "call"
  | "tags"
  | "emails"
  | "phones"
  | "password"
  | "phone"
  | "related"
  | "duration"
  | "disconnect"
  | "size";

export interface FieldDef {
  name: string;
  kind: FieldKind;
  required?: boolean;
  /** Values of a select (labels come from i18n `options.<name>.<value>`). */
  options?: readonly string[];
  /** Only on create (passwords are set, not shown). */
  createOnly?: boolean;
  /** Shown but never edited. */
  readOnly?: boolean;
  /** Default for a new record. */
  initial?: unknown;
  /** i18n key of the label when `fields.<name>` does not fit this type. */
  label?: string;
}

/** The i18n key of a field's label. */
export function labelKey(field: FieldDef): string {
  return field.label ?? `fields.${field.name}`;
}

export interface FilterDef {
  name: string;
  /** `day`: a calendar day in the employee's time zone, sent as the instant that `bound`
   * says: `from` is the day's first moment, `until` the next day's (the API's `*_before`
   * bounds are exclusive, so the whole chosen day is included). */
  kind: "select" | "user" | "text" | "boolean" | "me" | "day";
  options?: readonly string[];
  bound?: "from" | "until";
}

export interface EntityDef {
  type: string;
  /** The field used as the record's title. */
  titleField: string;
  /** Columns of the list view. */
  columns: readonly string[];
  fields: readonly FieldDef[];
  filters: readonly FilterDef[];
  sortable: readonly string[];
  defaultSort: string;
  searchable: boolean;
  /** Records can be created from the UI. */
  creatable: boolean;
  /** Notes and tasks can be attached to records of this type. */
  hasNotes?: boolean;
}

// Option lists in the order the UI shows them; `satisfies` keeps each value one the API knows
// (src/api/contract.test.ts checks that none is missing).
const STAGES = ["new", "qualified", "proposal", "won", "lost"] as const satisfies readonly Schemas["Deal"]["stage"][];
export const DEAL_STAGES = STAGES;
/** Where a deal may move from each stage (the API's pipeline rule: a won deal is final). */
export const STAGE_TRANSITIONS: Record<string, readonly string[]> = {
  new: ["qualified", "lost"],
  qualified: ["new", "proposal", "lost"],
  proposal: ["qualified", "won", "lost"],
  won: [],
  lost: ["new"],
};
const TASK_STATUS = [
  "open",
  "in_progress",
  "done",
  "cancelled",
] as const satisfies readonly Schemas["Task"]["status"][];
const PRIORITY = ["low", "normal", "high", "urgent"] as const satisfies readonly Schemas["Task"]["priority"][];
const ROLES = ["admin", "supervisor", "agent"] as const satisfies readonly Schemas["User"]["role"][];
const LIST_KINDS = ["blacklist", "whitelist", "custom"] as const satisfies readonly Schemas["NumberList"]["kind"][];
const CALL_STATUS = [
  "ringing",
  "in_progress",
  "completed",
  "missed",
  "failed",
] as const satisfies readonly Schemas["Call"]["status"][];
const DIRECTIONS = ["inbound", "outbound", "internal"] as const satisfies readonly Schemas["Call"]["direction"][];

export const ENTITIES: Record<string, EntityDef> = {
  contacts: {
    type: "contacts",
    titleField: "name",
    columns: ["name", "company", "phones", "emails", "owner_id", "updated_at"],
    fields: [
      { name: "name", kind: "text", required: true },
      { name: "company", kind: "text" },
      { name: "job_title", kind: "text" },
      { name: "phones", kind: "phones", initial: [] },
      { name: "emails", kind: "emails", initial: [] },
      { name: "owner_id", kind: "user" },
      { name: "tags", kind: "tags", initial: [] },
    ],
    filters: [
      { name: "owner_id", kind: "user" },
      { name: "tag", kind: "text" },
      { name: "company", kind: "text" },
    ],
    sortable: ["created_at", "updated_at", "name"],
    defaultSort: "-created_at",
    searchable: true,
    creatable: true,
    hasNotes: true,
  },
  deals: {
    type: "deals",
    titleField: "title",
    columns: ["title", "stage", "amount", "contact_id", "owner_id", "expected_close_date"],
    fields: [
      { name: "title", kind: "text", required: true },
      { name: "stage", kind: "select", options: STAGES, initial: "new" },
      { name: "amount", kind: "money" },
      { name: "currency", kind: "select", options: ["RUB", "USD", "EUR"], initial: "RUB" },
      { name: "contact_id", kind: "contact" },
      { name: "owner_id", kind: "user" },
      { name: "expected_close_date", kind: "date" },
    ],
    filters: [
      { name: "stage", kind: "select", options: STAGES },
      { name: "owner_id", kind: "user" },
    ],
    sortable: ["created_at", "updated_at", "title", "amount", "stage"],
    defaultSort: "-created_at",
    searchable: true,
    creatable: true,
    hasNotes: true,
  },
  tasks: {
    type: "tasks",
    titleField: "title",
    columns: ["title", "status", "priority", "due_at", "assignee_id"],
    fields: [
      { name: "title", kind: "text", required: true },
      { name: "description", kind: "textarea" },
      { name: "due_at", kind: "datetime" },
      { name: "assignee_id", kind: "user" },
      { name: "status", kind: "select", options: TASK_STATUS, initial: "open" },
      { name: "priority", kind: "select", options: PRIORITY, initial: "normal" },
      { name: "related", kind: "related" },
      { name: "callback_number", kind: "phone", readOnly: true },
      { name: "closed_by_call_id", kind: "call", readOnly: true },
      { name: "closed_reason", kind: "textarea", readOnly: true },
    ],
    filters: [
      { name: "status", kind: "select", options: TASK_STATUS },
      { name: "priority", kind: "select", options: PRIORITY },
      { name: "assignee_id", kind: "user" },
      { name: "due_after", kind: "day", bound: "from" },
      { name: "due_before", kind: "day", bound: "until" },
    ],
    sortable: ["created_at", "updated_at", "title", "status", "priority", "due_at"],
    defaultSort: "-created_at",
    searchable: true,
    creatable: true,
  },
  notes: {
    type: "notes",
    titleField: "body",
    columns: ["body", "author_id", "related", "updated_at"],
    fields: [
      { name: "body", kind: "textarea", required: true },
      { name: "related", kind: "related" },
    ],
    filters: [{ name: "author_id", kind: "user" }],
    sortable: ["created_at", "updated_at"],
    defaultSort: "-created_at",
    searchable: true,
    creatable: true,
  },
  number_lists: {
    type: "number_lists",
    titleField: "name",
    columns: ["name", "kind", "description", "updated_at"],
    fields: [
      { name: "name", kind: "text", required: true, label: "fields.list_name" },
      { name: "kind", kind: "select", options: LIST_KINDS, initial: "custom" },
      { name: "description", kind: "textarea" },
    ],
    filters: [],
    sortable: ["created_at", "updated_at"],
    defaultSort: "-created_at",
    searchable: true,
    creatable: true,
  },
  users: {
    type: "users",
    titleField: "full_name",
    columns: ["full_name", "email", "role", "extension", "is_active"],
    fields: [
      { name: "full_name", kind: "text", required: true },
      { name: "email", kind: "email", required: true },
      { name: "role", kind: "select", options: ROLES, initial: "agent" },
      { name: "extension", kind: "text" },
      { name: "is_active", kind: "boolean", initial: true },
      { name: "password", kind: "password" },
    ],
    filters: [
      { name: "role", kind: "select", options: ROLES },
      { name: "is_active", kind: "boolean" },
    ],
    sortable: ["created_at", "updated_at", "full_name", "email"],
    defaultSort: "full_name",
    searchable: true,
    creatable: true,
  },
  calls: {
    type: "calls",
    titleField: "from_number",
    columns: [
      "from_number",
      "to_number",
      "direction",
      "status",
      "started_at",
      "talk_seconds",
      "contact_id",
      "employee_id",
    ],
    fields: [
      { name: "direction", kind: "select", options: DIRECTIONS, readOnly: true },
      { name: "status", kind: "select", options: CALL_STATUS, readOnly: true },
      { name: "from_number", kind: "phone", readOnly: true },
      { name: "to_number", kind: "phone", readOnly: true },
      { name: "line_number", kind: "phone", readOnly: true },
      { name: "contact_id", kind: "contact" },
      { name: "employee_id", kind: "user", readOnly: true },
      { name: "started_at", kind: "datetime", readOnly: true },
      { name: "answered_at", kind: "datetime", readOnly: true },
      { name: "ended_at", kind: "datetime", readOnly: true },
      { name: "talk_seconds", kind: "duration", readOnly: true },
      { name: "disconnect_reason", kind: "disconnect", readOnly: true },
    ],
    filters: [
      { name: "direction", kind: "select", options: DIRECTIONS },
      { name: "status", kind: "select", options: CALL_STATUS },
      { name: "employee_id", kind: "user" },
    ],
    sortable: ["created_at", "updated_at", "started_at"],
    defaultSort: "-created_at",
    searchable: true,
    creatable: false,
    hasNotes: true,
  },
};

export const NAV_TYPES = ["contacts", "deals", "tasks", "notes", "calls", "number_lists", "users"] as const;

export function entityDef(type: string): EntityDef {
  const def = ENTITIES[type];
  if (!def) throw new Error(`unknown entity type ${type}`);
  return def;
}

/** The fields a form edits (for a new or an existing record). */
export function editableFields(def: EntityDef, isNew: boolean): FieldDef[] {
  return def.fields.filter((f) => !f.readOnly && (isNew || !f.createOnly));
}

/** The API fields a form field writes (a "related" picker writes two). */
export function apiFieldNames(field: FieldDef): string[] {
  return field.kind === "related" ? ["related_type", "related_id"] : [field.name];
}

export function recordTitle(def: EntityDef, record: EntityRecord | undefined): string {
  if (!record) return "";
  const value = record[def.titleField];
  let text = asText(value);
  if (def.titleField.endsWith("_number")) text = formatPhone(text);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}
