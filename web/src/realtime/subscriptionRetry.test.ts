import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MAX_DELAY_MS, isRefusal, keepSubscribed, retryDelay, type RetriedChannel } from "./subscriptionRetry";

/** A channel whose subscription outcome the test decides, as pusher-js reports it. */
class ScriptedChannel implements RetriedChannel {
  subscribed = false;
  private readonly handlers = new Map<string, Set<(data: unknown) => void>>();
  constructor(readonly name: string) {}
  bind(event: string, callback: (data: unknown) => void) {
    const set = this.handlers.get(event) ?? new Set();
    set.add(callback);
    this.handlers.set(event, set);
  }
  unbind(event: string, callback: (data: unknown) => void) {
    this.handlers.get(event)?.delete(callback);
  }
  emit(event: string, data: unknown = {}) {
    if (event === "pusher:subscription_succeeded") this.subscribed = true;
    this.handlers.get(event)?.forEach((callback) => callback(data));
  }
}

describe("retryDelay", () => {
  it("doubles from about half a second and stays under the maximum", () => {
    expect(retryDelay(0, () => 1)).toBe(500);
    expect(retryDelay(0, () => 0)).toBe(250);
    expect(retryDelay(3, () => 1)).toBe(4000);
    expect(retryDelay(30, () => 1)).toBe(MAX_DELAY_MS);
  });
});

describe("keepSubscribed", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.spyOn(Math, "random").mockReturnValue(1); // no jitter: the full delay each time
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it("subscribes again after an authorisation that failed, with a growing delay", () => {
    const channel = new ScriptedChannel("private-contacts");
    const subscribe = vi.fn();
    const changes = vi.fn();
    keepSubscribed({ subscribe }, channel, changes);

    channel.emit("pusher:subscription_error", { status: 503 });
    expect(changes).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(499);
    expect(subscribe).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(subscribe).toHaveBeenCalledTimes(1);
    expect(subscribe).toHaveBeenCalledWith("private-contacts");

    channel.emit("pusher:subscription_error", { status: 0 });
    vi.advanceTimersByTime(999);
    expect(subscribe).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1);
    expect(subscribe).toHaveBeenCalledTimes(2);

    channel.emit("pusher:subscription_succeeded");
    expect(changes).toHaveBeenCalledTimes(3);
    vi.advanceTimersByTime(MAX_DELAY_MS);
    expect(subscribe).toHaveBeenCalledTimes(2);
  });

  it("leaves a refused channel alone and stops retrying when released", () => {
    const channel = new ScriptedChannel("private-user.someone-else");
    const subscribe = vi.fn();
    const release = keepSubscribed({ subscribe }, channel, () => undefined);
    channel.emit("pusher:subscription_error", { status: 403 });
    vi.advanceTimersByTime(MAX_DELAY_MS);
    expect(subscribe).not.toHaveBeenCalled();

    channel.emit("pusher:subscription_error", { status: 503 });
    release();
    vi.advanceTimersByTime(MAX_DELAY_MS);
    expect(subscribe).not.toHaveBeenCalled();
    expect(isRefusal({ status: 401 })).toBe(true);
    expect(isRefusal({ status: 502 })).toBe(false);
  });
});
