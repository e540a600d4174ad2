/**
 * Preferences changed in another tab or browser arrive on the employee's own channel
 * (`preferences.changed`). That channel is not replayed, so after a lost connection the
 * page asks for them once it is connected again.
 */
import { useEffect, useRef } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { api } from "../api/client";
import { useMe } from "../auth/AuthProvider";
import { useChannel, useRealtime } from "../realtime/RealtimeProvider";
import { PREFERENCES_CHANGED, PREFERENCES_URL, parsePreferences, type Preferences } from "./preferences";
import { storePreferences } from "./usePreferences";

export function useLivePreferences(): void {
  const me = useMe();
  const client = useQueryClient();
  const { state } = useRealtime();
  const connected = state === "connected";

  useChannel(`private-user.${me.id}`, (channel) => {
    const changed = (raw: unknown) => {
      const preferences = parsePreferences(raw);
      if (preferences) storePreferences(client, preferences);
    };
    channel.bind(PREFERENCES_CHANGED, changed);
    return () => channel.unbind(PREFERENCES_CHANGED, changed);
  });

  // Connected again after losing the connection: ask. The first connection needs nothing
  // (sign-in brought them).
  const lost = useRef(false);
  const everConnected = useRef(false);
  useEffect(() => {
    if (!connected) {
      lost.current = everConnected.current;
      return;
    }
    everConnected.current = true;
    if (lost.current) {
      lost.current = false;
      api
        .get<Preferences>(PREFERENCES_URL)
        .then(({ data }) => storePreferences(client, data))
        .catch(() => undefined);
    }
  }, [connected, client]);
}
