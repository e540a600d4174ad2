/**
 * The API's permission matrix (services/api auth/permissions.py, generated into
 * src/api/generated/permissions.json by `make web-contract`), used only to hide buttons a role
 * cannot use. The API remains the judge: it answers 403 regardless.
 */
import matrix from "../api/generated/permissions.json";

export type Role = keyof typeof matrix;

export type Action = "read" | "create" | "update" | "trash" | "restore" | "purge";

const MATRIX: Record<Role, Record<string, readonly string[]>> = matrix;

export function can(role: Role | undefined, type: string, action: Action): boolean {
  if (!role) return false;
  return MATRIX[role]?.[type]?.includes(action) ?? false;
}

export function readableTypes(role: Role): string[] {
  return Object.entries(MATRIX[role] ?? {})
    .filter(([, actions]) => actions.includes("read"))
    .map(([type]) => type);
}
