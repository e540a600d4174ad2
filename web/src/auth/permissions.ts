/**
 * The API's permission matrix (services/api auth/permissions.py), mirrored only to hide
 * buttons a role cannot use. The API remains the judge: it answers 403 regardless.
 */
import type { Role } from "./AuthProvider";

export type Action = "read" | "create" | "update" | "trash" | "restore" | "purge";

const ALL: Action[] = ["read", "create", "update", "trash", "restore", "purge"];
const WORK: Action[] = ["read", "create", "update", "trash", "restore"];
const READ: Action[] = ["read"];

const MATRIX: Record<Role, Record<string, Action[]>> = {
  admin: {
    users: ALL,
    contacts: ALL,
    deals: ALL,
    tasks: ALL,
    notes: ALL,
    number_lists: ALL,
    calls: ALL,
    phone_lines: ALL,
  },
  supervisor: {
    users: READ,
    contacts: ALL,
    deals: ALL,
    tasks: ALL,
    notes: ALL,
    number_lists: ALL,
    calls: ALL,
    phone_lines: READ,
  },
  agent: {
    users: READ,
    contacts: WORK,
    deals: WORK,
    tasks: WORK,
    notes: WORK,
    number_lists: READ,
    calls: WORK,
    phone_lines: READ,
  },
};

export function can(role: Role | undefined, type: string, action: Action): boolean {
  if (!role) return false;
  return MATRIX[role]?.[type]?.includes(action) ?? false;
}

export function readableTypes(role: Role): string[] {
  return Object.entries(MATRIX[role] ?? {})
    .filter(([, actions]) => actions.includes("read"))
    .map(([type]) => type);
}
