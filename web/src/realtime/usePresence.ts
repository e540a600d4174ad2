/** Who else is looking at a record: the members of `presence-T.{id}` other than me. */
import { useState } from "react";
import type { Channel, PresenceChannel } from "pusher-js";
import { useMe } from "../auth/AuthProvider";
import { useChannel } from "./RealtimeProvider";

export interface Viewer {
  id: string;
  name: string;
  role: string;
}

interface Member {
  id: string;
  info?: { name?: string; role?: string };
}

export function usePresence(type: string, id: string | undefined): Viewer[] {
  const me = useMe();
  const [viewers, setViewers] = useState<Viewer[]>([]);
  useChannel(id ? `presence-${type}.${id}` : null, (channel: Channel) => {
    const presence = channel as PresenceChannel;
    const refresh = () => {
      const list: Viewer[] = [];
      presence.members.each((member: Member) => {
        if (String(member.id) === me.id) return;
        list.push({ id: String(member.id), name: member.info?.name ?? "?", role: member.info?.role ?? "" });
      });
      setViewers(list.sort((a, b) => a.name.localeCompare(b.name)));
    };
    presence.bind("pusher:subscription_succeeded", refresh);
    presence.bind("pusher:member_added", refresh);
    presence.bind("pusher:member_removed", refresh);
    if (presence.subscribed) refresh();
    return () => {
      presence.unbind("pusher:subscription_succeeded", refresh);
      presence.unbind("pusher:member_added", refresh);
      presence.unbind("pusher:member_removed", refresh);
      setViewers([]);
    };
  });
  return viewers;
}
