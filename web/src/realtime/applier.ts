/**
 * Applying change events to the client's server-state cache, exactly once each.
 *
 * Events reach us more than once by design: the relay publishes at least once, every
 * change goes out on the type channel and the record channel, and after a reconnect the
 * feed replay overlaps what arrived live. Offsets only ever grow, so they identify events:
 * we remember the offsets applied (a bounded window) and the highest one, and ignore
 * repeats.
 *
 * Where a replay starts is not the highest offset: after a reconnect, live events arrive
 * as soon as the channels are subscribed again, before the replay has fetched what was
 * missed while away, and starting from them would skip it. The resume point moves with
 * live events only while the tab is "live" (connected, every channel subscribed, nothing
 * missed before); a drop freezes it, and a replay moves it to where the feed ended
 * (docs/realtime-recovery.md: the feed offset and the seen set).
 */
import type { ChangeMessage } from "./events";

/** What applying an event does to the cache (TanStack Query in the app, a fake in tests). */
export interface CacheOps {
  /** The version of the record the cache holds, if it holds it. */
  cachedVersion(type: string, id: string): number | undefined;
  /** Refetch (or mark stale) the record's detail. */
  invalidateRecord(type: string, id: string): void;
  /** Drop a record that no longer exists. */
  removeRecord(type: string, id: string): void;
  /** Refetch list and trash views of the type. */
  invalidateLists(type: string): void;
  /** Refetch the record's history timeline. */
  invalidateHistory(type: string, id: string): void;
}

export type ChangeListener = (message: ChangeMessage) => void;

export class EventApplier {
  private readonly applied = new Set<number>();
  private readonly order: number[] = [];
  private highest: number | null = null;
  /** Offsets at or below this count as applied (forgotten from the window, or a baseline). */
  private floor = -1;
  /** Every offset at or below this one is applied (or covered by a refetch). */
  private resume: number | null = null;
  /** Whether every new event reaches us live (see markLive). */
  private live = false;
  private readonly listeners = new Set<ChangeListener>();

  constructor(
    private readonly cache: CacheOps,
    private readonly window = 5000,
  ) {}

  /** The highest offset applied (null before the first event). */
  get lastOffset(): number | null {
    return this.highest;
  }

  /** Where the next replay starts (null: nothing to resume from; refetch instead). */
  get resumeOffset(): number | null {
    return this.resume;
  }

  /**
   * Every channel is subscribed and nothing was missed before (a replay that started with
   * all of them subscribed has finished, or the data was refetched after subscribing): from
   * here on every event arrives live, so the resume point follows them.
   */
  markLive(): void {
    this.live = true;
    if (this.highest !== null) this.resume = Math.max(this.resume ?? this.highest, this.highest);
  }

  /** The connection dropped: what is published from now on may be missed until a replay. */
  markInterrupted(): void {
    this.live = false;
  }

  /** A replay of the feed applied every event up to `upTo` (its last `next_after`). */
  replayedUpTo(upTo: number): void {
    this.resume = Math.max(this.resume ?? upTo, upTo);
  }

  /** Start counting from a known offset (events at or below it count as applied). */
  setBaseline(offset: number): void {
    if (this.highest === null || offset > this.highest) this.highest = offset;
    this.floor = Math.max(this.floor, offset);
    this.replayedUpTo(offset);
  }

  /** Whether this offset was applied already. */
  seen(offset: number): boolean {
    if (offset <= this.floor) return true;
    return this.applied.has(offset);
  }

  /** Listen to every newly applied change (conflict notices, presence of edits...). */
  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Apply one event; false if it was a repeat and nothing happened. */
  apply(message: ChangeMessage): boolean {
    if (this.seen(message.offset)) return false;
    this.remember(message.offset);
    this.update(message);
    this.listeners.forEach((listener) => listener(message));
    return true;
  }

  /** Apply a batch in offset order (replay pages are ordered, live ones nearly so). */
  applyAll(messages: ChangeMessage[]): number {
    let count = 0;
    for (const message of [...messages].sort((a, b) => a.offset - b.offset)) {
      if (this.apply(message)) count += 1;
    }
    return count;
  }

  private remember(offset: number): void {
    this.applied.add(offset);
    this.order.push(offset);
    if (this.highest === null || offset > this.highest) this.highest = offset;
    if (this.live) this.resume = Math.max(this.resume ?? offset, offset);
    while (this.order.length > this.window) {
      const dropped = this.order.shift();
      if (dropped === undefined) break;
      this.applied.delete(dropped);
      // Anything at or below a forgotten offset counts as applied: offsets only grow.
      this.floor = Math.max(this.floor, dropped);
    }
  }

  private update(message: ChangeMessage): void {
    const { type, id } = message;
    this.cache.invalidateLists(type);
    this.cache.invalidateHistory(type, id);
    if (message.action === "purged") {
      this.cache.removeRecord(type, id);
      return;
    }
    const cached = this.cache.cachedVersion(type, id);
    // Our own write already put this version (or a newer one) in the cache.
    if (cached !== undefined && cached >= message.version) return;
    this.cache.invalidateRecord(type, id);
  }
}
