/** The notification center's server state: the caller's notifications and unread count. */
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../api/client";
import type { Schemas } from "../api/schema";

export type AppNotification = Schemas["Notification"];
export type NotificationKind = AppNotification["kind"];

export const notificationKeys = {
  all: ["notifications"] as const,
  unread: ["notifications", "unread"] as const,
  list: ["notifications", "list"] as const,
};

/** Where a notification leads: the record it is about. */
export function notificationLink(n: AppNotification): string | null {
  return n.record_type && n.record_id ? `/${n.record_type}/${n.record_id}` : null;
}

export function useUnreadCount() {
  return useQuery({
    queryKey: notificationKeys.unread,
    queryFn: async ({ signal }) =>
      (await api.get<Schemas["UnreadCount"]>("/api/v1/notifications/unread-count", { signal })).data.unread,
  });
}

export function useNotificationList(enabled: boolean) {
  return useInfiniteQuery({
    queryKey: notificationKeys.list,
    queryFn: async ({ pageParam, signal }) =>
      (
        await api.get<Schemas["NotificationPage"]>("/api/v1/notifications", {
          query: { limit: 20, cursor: pageParam },
          signal,
        })
      ).data,
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    enabled,
  });
}

/** Mark one notification (an id) or all of them (null) read. */
export function useMarkRead() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (id: string | null) =>
      (
        await api.post<Schemas["MarkedRead"]>(
          id ? `/api/v1/notifications/${id}/read` : "/api/v1/notifications/read-all",
        )
      ).data,
    onSuccess: (marked) => {
      client.setQueryData(notificationKeys.unread, marked.unread);
      void client.invalidateQueries({ queryKey: notificationKeys.list });
    },
  });
}
