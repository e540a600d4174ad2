/** The missed-calls badge: my missed calls since I last looked at them. */
import { useCallback, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { api } from "../api/client";
import { useMe } from "../auth/AuthProvider";
import { keys, type Page } from "../entities/api";
import type { EntityRecord } from "../entities/registry";
import { asText } from "../lib/format";

const seenKey = (userId: string) => `sb.missedSeen.${userId}`;

function readSeen(userId: string): number {
  try {
    return Number(localStorage.getItem(seenKey(userId)) ?? 0) || 0;
  } catch {
    return 0;
  }
}

export function useMissedCalls() {
  const me = useMe();
  const [seen, setSeen] = useState(() => readSeen(me.id));
  const missed = useQuery({
    queryKey: [...keys.lists("calls"), "missed-badge", me.id],
    queryFn: async () =>
      (
        await api.get<Page<EntityRecord>>("/api/v1/calls", {
          query: { status: "missed", employee_id: me.id, limit: 50 },
        })
      ).data.items,
    retry: false,
    refetchInterval: 60_000,
  });
  const unseen = (missed.data ?? []).filter((call) => {
    const when = Date.parse(asText(call.started_at ?? call.created_at));
    return Number.isFinite(when) && when > seen;
  }).length;
  const markSeen = useCallback(() => {
    const now = Date.now();
    try {
      localStorage.setItem(seenKey(me.id), String(now));
    } catch {
      // ignore
    }
    setSeen(now);
  }, [me.id]);
  return { unseen, markSeen };
}
