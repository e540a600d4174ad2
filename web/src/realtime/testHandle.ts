/**
 * A handle on the live connection for the end-to-end tests (drop the socket, read the replay
 * offset). It is filled in only when the page asked for it before the app started: the tests
 * set `window.__switchboardTestHandle = {}` in an init script. An ordinary page has no global
 * holding the realtime client.
 */
import type Pusher from "pusher-js";
import type { EventApplier } from "./applier";

export interface RealtimeTestHandle {
  pusher?: Pusher;
  applier?: EventApplier;
}

declare global {
  interface Window {
    __switchboardTestHandle?: RealtimeTestHandle;
  }
}

/** Hand the connection to the tests when (and only when) they opted in. */
export function exposeToTests(pusher: Pusher, applier: EventApplier): void {
  const handle = window.__switchboardTestHandle;
  if (!handle || typeof handle !== "object") return;
  handle.pusher = pusher;
  handle.applier = applier;
}
