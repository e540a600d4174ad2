/** CacheOps on TanStack Query: bursts of events for one type coalesce into one refetch. */
import type { QueryClient } from "@tanstack/react-query";
import { keys } from "../entities/api";
import type { EntityRecord } from "../entities/registry";
import type { CacheOps } from "./applier";

export function queryCacheOps(client: QueryClient, delayMs = 120): CacheOps {
  const pending = new Map<string, () => void>();
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const soon = (key: string, run: () => void) => {
    pending.set(key, run);
    if (timers.has(key)) return;
    timers.set(
      key,
      setTimeout(() => {
        timers.delete(key);
        const job = pending.get(key);
        pending.delete(key);
        job?.();
      }, delayMs),
    );
  };
  return {
    cachedVersion(type, id) {
      return client.getQueryData<EntityRecord>(keys.record(type, id))?.version;
    },
    invalidateRecord(type, id) {
      soon(`record:${type}:${id}`, () => void client.invalidateQueries({ queryKey: keys.record(type, id) }));
    },
    removeRecord(type, id) {
      soon(`record:${type}:${id}`, () => void client.invalidateQueries({ queryKey: keys.record(type, id) }));
    },
    invalidateLists(type) {
      soon(`lists:${type}`, () => void client.invalidateQueries({ queryKey: keys.lists(type) }));
    },
    invalidateHistory(type, id) {
      soon(`history:${type}:${id}`, () => void client.invalidateQueries({ queryKey: keys.history(type, id) }));
    },
  };
}
