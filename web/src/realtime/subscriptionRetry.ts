/**
 * Keeping channels subscribed when their authorisation fails.
 *
 * pusher-js asks the API to sign every private and presence channel. When that request
 * fails (the API is restarting and nginx answers 503) pusher-js reports
 * `pusher:subscription_error` and never asks again, so a tab would stay "connected" with
 * no live updates. We subscribe again after a growing delay, with jitter so that the tabs
 * of a restart do not all come back in step; a refusal (401, 403) is final.
 */

/** The first retry waits about this long; each failure doubles it, up to the maximum. */
export const BASE_DELAY_MS = 500;
export const MAX_DELAY_MS = 15_000;

/** What we need of a pusher-js channel. */
export interface RetriedChannel {
  readonly name: string;
  readonly subscribed: boolean;
  bind(event: string, callback: (data: unknown) => void): unknown;
  unbind(event: string, callback: (data: unknown) => void): unknown;
}

/** What we need of the pusher-js client: subscribing again by name. */
export interface Resubscriber {
  subscribe(name: string): unknown;
}

/** The delay before retry number `failures + 1`: between half and all of the ceiling. */
export function retryDelay(failures: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** failures);
  return ceiling / 2 + (random() * ceiling) / 2;
}

/** Whether the API refused the channel (retrying cannot help) rather than failed. */
export function isRefusal(error: unknown): boolean {
  const status = (error as { status?: unknown } | null)?.status;
  return status === 401 || status === 403;
}

/**
 * Retry `channel`'s subscription with backoff whenever it fails; `onChange` runs after every
 * success or failure (to recompute "every channel subscribed"). Returns a function that
 * stops retrying.
 */
export function keepSubscribed(pusher: Resubscriber, channel: RetriedChannel, onChange: () => void): () => void {
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const succeeded = () => {
    failures = 0;
    clearTimeout(timer);
    onChange();
  };
  const failed = (error: unknown) => {
    onChange();
    if (isRefusal(error)) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (!channel.subscribed) pusher.subscribe(channel.name);
    }, retryDelay(failures));
    failures += 1;
  };
  channel.bind("pusher:subscription_succeeded", succeeded);
  channel.bind("pusher:subscription_error", failed);
  return () => {
    clearTimeout(timer);
    channel.unbind("pusher:subscription_succeeded", succeeded);
    channel.unbind("pusher:subscription_error", failed);
  };
}
