/**
 * The live connection (pusher-js against our Pusher-compatible realtime service).
 *
 * Subscribes `private-T` for every type the employee may read and applies each
 * `entity.changed` to the query cache through the EventApplier (deduplicated by offset).
 * Every (re)subscription is followed by a replay of GET /api/v1/events from the last
 * applied offset, so nothing published while the socket was down is missed. A channel whose
 * authorisation failed is subscribed again with backoff (subscriptionRetry.ts); until every
 * channel is subscribed, `subscribed` is false and the header says live updates are paused.
 *
 * The connection signs in as the employee (pusher-js `userAuthentication`), so the realtime
 * service can close it the moment their access ends; see ./signout.ts.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import Pusher, { type Channel } from "pusher-js";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiError, api, getCsrfToken } from "../api/client";
import { useMe } from "../auth/AuthProvider";
import { readableTypes } from "../auth/permissions";
import { ENTITIES } from "../entities/registry";
import { keys } from "../entities/api";
import { EventApplier } from "./applier";
import { CHANGE_EVENT, parseChange, type EventPage } from "./events";
import { queryCacheOps } from "./queryCache";
import { replayFrom } from "./replay";
import { isSignedOutByServer } from "./signout";
import { exposeToTests } from "./testHandle";
import { keepSubscribed } from "./subscriptionRetry";

export type ConnectionState = "initialized" | "connecting" | "connected" | "unavailable" | "failed" | "disconnected";

interface Realtime {
  pusher: Pusher | null;
  applier: EventApplier;
  state: ConnectionState;
  /** Every channel the tab uses is subscribed (false: live updates are paused). */
  subscribed: boolean;
  /** Keep a channel subscribed (retried with backoff) and count it in `subscribed`. */
  track: (channel: Channel) => () => void;
}

const RealtimeContext = createContext<Realtime | null>(null);

/** The deployment's Pusher app key comes from the API, so one build fits every deployment. */
interface RealtimeConfig {
  key: string;
}

async function fetchRealtimeConfig(): Promise<RealtimeConfig> {
  return (await api.get<RealtimeConfig>("/api/v1/realtime/config")).data;
}

function makePusher(key: string): Pusher {
  const secure = window.location.protocol === "https:";
  const port = Number(window.location.port) || (secure ? 443 : 80);
  const headersProvider = () => ({ "X-CSRF-Token": getCsrfToken() ?? "" });
  return new Pusher(key, {
    cluster: "switchboard",
    wsHost: window.location.hostname,
    wsPort: port,
    wssPort: port,
    forceTLS: secure,
    enabledTransports: ["ws", "wss"],
    disableStats: true,
    channelAuthorization: { endpoint: "/api/v1/realtime/auth", transport: "ajax", headersProvider },
    userAuthentication: { endpoint: "/api/v1/realtime/user-auth", transport: "ajax", headersProvider },
  });
}

/** After a 4009: a 401 from the API signs the app out (the 401 listener); if the session
 * still stands (a refused sign-in, not a sign-out), connect again after a pause. */
async function recheckSession(instance: Pusher): Promise<void> {
  try {
    await api.get("/api/v1/auth/me");
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return;
  }
  setTimeout(() => instance.connect(), 2000);
}

async function fetchEvents(after: number): Promise<EventPage> {
  return (await api.get<EventPage>("/api/v1/events", { query: { after, limit: 500 } })).data;
}

export function RealtimeProvider({ children }: { children: ReactNode }) {
  const me = useMe();
  const client = useQueryClient();
  const applier = useMemo(() => new EventApplier(queryCacheOps(client)), [client]);
  const [pusher, setPusher] = useState<Pusher | null>(null);
  const [state, setState] = useState<ConnectionState>("initialized");
  const [subscribed, setSubscribed] = useState(false);
  // Channels the tab uses, with how many users each has and how to stop retrying it.
  const tracked = useRef(new Map<Channel, { users: number; release: () => void }>());
  const recount = useRef(() => undefined as void);
  const replaying = useRef<Promise<void> | null>(null);
  const config = useQuery({
    queryKey: ["realtime-config"],
    queryFn: fetchRealtimeConfig,
    staleTime: Infinity,
    gcTime: Infinity,
    retry: true, // with backoff: without the key there is no live connection at all
  });
  const key = config.data?.key ?? null;

  useEffect(() => {
    if (key === null) return;
    const instance = makePusher(key);
    let replayTimer: ReturnType<typeof setTimeout> | undefined;
    let again = false;

    const channels: Channel[] = [];
    const trackedChannels = tracked.current; // one map for the component's life
    const allSubscribed = () => channels.every((channel) => channel.subscribed);
    recount.current = () =>
      setSubscribed(
        instance.connection.state === "connected" && [...tracked.current.keys()].every((channel) => channel.subscribed),
      );

    const replay = () => {
      const after = applier.resumeOffset;
      if (after === null) return;
      if (replaying.current) {
        again = true;
        return;
      }
      // Only a replay that starts with every channel subscribed leaves nothing behind: what
      // is published after its last page arrives live.
      const complete = allSubscribed();
      replaying.current = replayFrom(applier, fetchEvents, after)
        .then(() => {
          if (complete) applier.markLive();
        })
        .catch(() => undefined)
        .finally(() => {
          replaying.current = null;
          if (again) {
            again = false;
            replay();
          }
        });
    };

    const onSubscribed = (type: string) => {
      if (applier.resumeOffset === null) {
        // No offset to resume from yet: refetch what this type shows instead.
        void client.invalidateQueries({ queryKey: keys.all(type) });
        if (allSubscribed()) applier.markLive();
        return;
      }
      clearTimeout(replayTimer);
      replayTimer = setTimeout(replay, 150);
    };

    const types = readableTypes(me.role).filter((type) => type in ENTITIES);
    for (const type of types) {
      const channel = instance.subscribe(`private-${type}`);
      channel.bind(CHANGE_EVENT, (data: unknown) => {
        const message = parseChange(data);
        if (message) applier.apply(message);
      });
      channel.bind("pusher:subscription_succeeded", () => onSubscribed(type));
      channels.push(channel);
      tracked.current.set(channel, { users: 1, release: keepSubscribed(instance, channel, () => recount.current()) });
    }
    instance.connection.bind("state_change", ({ current }: { current: ConnectionState }) => {
      if (current !== "connected") applier.markInterrupted();
      setState(current);
      recount.current();
    });
    // The frame and the close both report 4009: check the session once per connection.
    let rechecking = false;
    instance.connection.bind("error", (event: unknown) => {
      if (!isSignedOutByServer(event) || rechecking) return;
      rechecking = true;
      void recheckSession(instance).finally(() => {
        rechecking = false;
      });
    });
    instance.signin();
    // eslint-disable-next-line react-hooks/set-state-in-effect -- the client exists only once this effect made it
    setPusher(instance);
    exposeToTests(instance, applier);
    return () => {
      clearTimeout(replayTimer);
      trackedChannels.forEach(({ release }) => release());
      trackedChannels.clear();
      setPusher(null);
      instance.disconnect();
    };
  }, [applier, client, me.id, me.role, key]);

  const track = useCallback(
    (channel: Channel) => {
      if (!pusher) return () => undefined;
      const entry = tracked.current.get(channel);
      if (entry) entry.users += 1;
      else
        tracked.current.set(channel, { users: 1, release: keepSubscribed(pusher, channel, () => recount.current()) });
      recount.current();
      return () => {
        const current = tracked.current.get(channel);
        if (!current) return;
        current.users -= 1;
        if (current.users <= 0) {
          current.release();
          tracked.current.delete(channel);
        }
        recount.current();
      };
    },
    [pusher],
  );
  const value = useMemo(
    () => ({ pusher, applier, state, subscribed, track }),
    [pusher, applier, state, subscribed, track],
  );
  return <RealtimeContext.Provider value={value}>{children}</RealtimeContext.Provider>;
}

export function useRealtime(): Realtime {
  const ctx = useContext(RealtimeContext);
  if (!ctx) throw new Error("useRealtime outside RealtimeProvider");
  return ctx;
}

/**
 * Subscribe to a channel while the component is mounted and bind events on it. Channels are
 * shared: the last user of a channel unsubscribes it.
 */
const users = new WeakMap<Pusher, Map<string, number>>();

export function useChannel(name: string | null, bind: (channel: Channel) => () => void): void {
  const { pusher, track } = useRealtime();
  const bindRef = useRef(bind);
  // eslint-disable-next-line react-hooks/refs -- the latest handler, read only by the effect below
  bindRef.current = bind;
  useEffect(() => {
    if (!pusher || !name) return;
    const counts = users.get(pusher) ?? new Map<string, number>();
    users.set(pusher, counts);
    counts.set(name, (counts.get(name) ?? 0) + 1);
    const channel = pusher.subscribe(name);
    const unbind = bindRef.current(channel);
    const untrack = track(channel);
    return () => {
      unbind();
      untrack();
      const left = (counts.get(name) ?? 1) - 1;
      if (left <= 0) {
        counts.delete(name);
        pusher.unsubscribe(name);
      } else counts.set(name, left);
    };
  }, [pusher, name, track]);
}
