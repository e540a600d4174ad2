/**
 * Edit conflicts. A PATCH carries If-Match with the version the form was loaded at; when
 * someone else saved meanwhile the API answers 412. We then load the current record and
 * show what the other person changed (base -> theirs) next to what this person changed,
 * and let them reload (drop their edits) or overwrite (send their edits again, based on
 * the current version, which keeps the other person's changes to other fields).
 */
import { jsonEqual } from "../lib/equal";

export type Values = Record<string, unknown>;

/** Bookkeeping every write touches: never a user's change. */
export const BOOKKEEPING = new Set([
  "id",
  "version",
  "created_at",
  "created_by",
  "updated_at",
  "updated_by",
  "deleted_at",
  "deleted_by",
]);

/** The PATCH body: the editable fields whose value differs from the loaded record. */
export function changedFields(base: Values, values: Values, editable: readonly string[]): Values {
  const patch: Values = {};
  for (const field of editable) {
    if (!(field in values)) continue;
    if (!jsonEqual(base[field], values[field])) patch[field] = values[field];
  }
  return patch;
}

export interface FieldConflict {
  field: string;
  /** Value when this person started editing. */
  base: unknown;
  /** Value the other person saved. */
  theirs: unknown;
  /** Value this person wants (undefined if they did not touch the field). */
  mine: unknown;
  /** Both changed the field to different values. */
  clash: boolean;
}

export interface Conflict {
  /** Every field the other person changed, with this person's value if they changed it too. */
  theirChanges: FieldConflict[];
  /** Fields only this person changed (survive an overwrite untouched by the other change). */
  mineOnly: string[];
  /** The version an overwrite must name in If-Match. */
  currentVersion: number;
  /** Who saved the current version. */
  changedBy: string | null;
}

/** Compare the version the form was based on, the server's current record and the patch. */
export function analyzeConflict(base: Values, current: Values, patch: Values): Conflict {
  const theirChanges: FieldConflict[] = [];
  const fields = new Set([...Object.keys(base), ...Object.keys(current)]);
  for (const field of [...fields].sort()) {
    if (BOOKKEEPING.has(field)) continue;
    if (jsonEqual(base[field], current[field])) continue;
    const touched = field in patch;
    theirChanges.push({
      field,
      base: base[field],
      theirs: current[field],
      mine: touched ? patch[field] : undefined,
      clash: touched && !jsonEqual(patch[field], current[field]),
    });
  }
  const theirFields = new Set(theirChanges.map((c) => c.field));
  return {
    theirChanges,
    mineOnly: Object.keys(patch)
      .filter((f) => !theirFields.has(f))
      .sort(),
    currentVersion: Number(current.version),
    changedBy: typeof current.updated_by === "string" ? current.updated_by : null,
  };
}

/** The retry that overwrites: this person's fields against the current version. Fields
 * where this person's value already equals the current one are left out. */
export function overwriteRequest(patch: Values, current: Values): { body: Values; ifMatch: number } {
  const body: Values = {};
  for (const [field, value] of Object.entries(patch)) {
    if (!jsonEqual(value, current[field])) body[field] = value;
  }
  return { body, ifMatch: Number(current.version) };
}
