/**
 * Applying change events to the client's server-state cache, exactly once each.
 *
 * Events reach us more than once by design: the relay publishes at least once, every
 * change goes out on the type channel and the record channel, and after a reconnect the
 * feed replay overlaps what arrived live. Offsets only ever grow, so they identify events:
 * we remember the offsets applied (a bounded window) and the highest one, and ignore
 * repeats. The highest offset is where the replay after a reconnect starts.
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
  private readonly listeners = new Set<ChangeListener>();

  constructor(
    private readonly cache: CacheOps,
    private readonly window = 5000,
  ) {}

  /** The highest offset applied (null before the first event). */
  get lastOffset(): number | null {
    return this.highest;
  }

  /** Start counting from a known offset (events at or below it count as applied). */
  setBaseline(offset: number): void {
    if (this.highest === null || offset > this.highest) this.highest = offset;
    this.floor = Math.max(this.floor, offset);
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
