/** Look-ups the screens share: employees by id, contacts by id. */
import { useQuery } from "@tanstack/react-query";
import { api } from "../api/client";
import type { EntityRecord } from "./registry";
import { keys, type Page } from "./api";

export interface UserSummary {
  id: string;
  full_name: string;
  email: string;
  role: string;
  extension: string | null;
  is_active: boolean;
  /** The avatar's stable address (add `?size=small|large`); null: initials. */
  avatar_url: string | null;
}

/** Every employee (a small set), for names, avatars and pickers. */
export function useUsers() {
  return useQuery({
    queryKey: [...keys.lists("users"), "directory"],
    queryFn: async () => {
      const all: UserSummary[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 10; i += 1) {
        const { data } = await api.get<Page<UserSummary>>("/api/v1/users", {
          query: { limit: 200, sort: "full_name", cursor },
        });
        all.push(...data.items);
        if (!data.next_cursor) break;
        cursor = data.next_cursor;
      }
      return all;
    },
    staleTime: 60_000,
  });
}

export function useUserName(id: string | null | undefined): string | null {
  const users = useUsers();
  if (!id) return null;
  return users.data?.find((u) => u.id === id)?.full_name ?? null;
}

/** The address of an employee's avatar square (`small`: 64 px, `large`: 256 px), if any. A
 * new avatar arrives with the employee's change (`private-users`), at a new address. */
export function useUserAvatar(id: string | null | undefined, size: "small" | "large" = "small"): string | null {
  const users = useUsers();
  const url = id ? users.data?.find((u) => u.id === id)?.avatar_url : null;
  return url ? `${url}?size=${size}` : null;
}

export function searchRecords(type: string, q: string) {
  return api
    .get<Page<EntityRecord>>(`/api/v1/${type}`, { query: { q: q || undefined, limit: 20 } })
    .then((r) => r.data.items);
}
