/** Server state of the lifecycle routes (DESIGN.md §3), for any entity type, in TanStack Query. */
import { useInfiniteQuery, useMutation, useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { api } from "../api/client";
import type { EntityRecord } from "./registry";
import type { Values } from "./conflict";

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface HistoryEntry {
  id: number;
  action: string;
  version: number;
  actor_id: string | null;
  occurred_at: string;
  changes: Record<string, { before?: unknown; after?: unknown }>;
}

export type ListParams = Record<string, string | number | boolean | undefined | null>;

export const keys = {
  all: (type: string) => ["entity", type] as const,
  lists: (type: string) => ["entity", type, "list"] as const,
  list: (type: string, trashed: boolean, params: ListParams) =>
    ["entity", type, "list", trashed ? "trash" : "live", params] as const,
  record: (type: string, id: string) => ["entity", type, "record", id] as const,
  history: (type: string, id: string) => ["entity", type, "history", id] as const,
};

const base = (type: string) => `/api/v1/${type}`;
const PAGE_SIZE = 25;

export function useEntityList(
  type: string,
  params: ListParams,
  options: { trashed?: boolean; pageSize?: number; enabled?: boolean } = {},
) {
  const trashed = options.trashed ?? false;
  return useInfiniteQuery({
    queryKey: keys.list(type, trashed, params),
    queryFn: async ({ pageParam, signal }) => {
      const { data } = await api.get<Page<EntityRecord>>(`${base(type)}${trashed ? "/trash" : ""}`, {
        query: { ...params, limit: options.pageSize ?? PAGE_SIZE, cursor: pageParam },
        signal,
      });
      return data;
    },
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    enabled: options.enabled ?? true,
  });
}

export function useRecord(type: string, id: string | undefined) {
  return useQuery({
    queryKey: keys.record(type, id ?? "-"),
    queryFn: async ({ signal }) => (await api.get<EntityRecord>(`${base(type)}/${id}`, { signal })).data,
    enabled: Boolean(id),
  });
}

export async function fetchRecord(type: string, id: string): Promise<EntityRecord> {
  return (await api.get<EntityRecord>(`${base(type)}/${id}`)).data;
}

export function useHistory(type: string, id: string) {
  return useInfiniteQuery({
    queryKey: keys.history(type, id),
    queryFn: async ({ pageParam, signal }) =>
      (
        await api.get<Page<HistoryEntry>>(`${base(type)}/${id}/history`, {
          query: { cursor: pageParam, limit: 50 },
          signal,
        })
      ).data,
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
}

/** Put a record the API just returned into the cache and refresh the lists showing it. */
export function storeRecord(client: QueryClient, type: string, record: EntityRecord): void {
  client.setQueryData(keys.record(type, record.id), record);
  void client.invalidateQueries({ queryKey: keys.lists(type) });
  void client.invalidateQueries({ queryKey: keys.history(type, record.id) });
}

export function useCreate(type: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (body: Values) => (await api.post<EntityRecord>(`${base(type)}`, body)).data,
    onSuccess: (record) => storeRecord(client, type, record),
  });
}

export function useUpdate(type: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, body, ifMatch }: { id: string; body: Values; ifMatch: number }) =>
      (await api.patch<EntityRecord>(`${base(type)}/${id}`, body, { ifMatch })).data,
    onSuccess: (record) => storeRecord(client, type, record),
  });
}

type LifecycleAction = "trash" | "restore" | "purge";

export function useLifecycle(type: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, action, version }: { id: string; action: LifecycleAction; version?: number }) => {
      const ifMatch = version;
      if (action === "trash") return (await api.delete<EntityRecord>(`${base(type)}/${id}`, { ifMatch })).data;
      if (action === "restore")
        return (await api.post<EntityRecord>(`${base(type)}/${id}/restore`, undefined, { ifMatch })).data;
      await api.delete<null>(`${base(type)}/${id}/permanent`, { ifMatch });
      return null;
    },
    onSuccess: (record, { id }) => {
      if (record) storeRecord(client, type, record);
      else {
        client.removeQueries({ queryKey: keys.record(type, id) });
        void client.invalidateQueries({ queryKey: keys.lists(type) });
      }
    },
  });
}
