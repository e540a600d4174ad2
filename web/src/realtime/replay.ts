/**
 * Catching up after being away: the realtime protocol has no replay (a dropped socket
 * loses what was published meanwhile), so after a reconnect we read the events feed from
 * the last offset we applied, page by page, and apply what we missed (repeats ignored).
 */
import { EventApplier } from "./applier";
import { fromFeed, type EventPage } from "./events";

export type FetchPage = (after: number) => Promise<EventPage>;

export interface Replayed {
  /** How many events were new. */
  applied: number;
  /** Every event up to this offset has been read from the feed. */
  upTo: number;
}

/**
 * Apply every event after `after`, then tell the applier how far the feed was read (its
 * resume point moves there). `maxPages` bounds one pass; the next replay goes on from there.
 */
export async function replayFrom(
  applier: EventApplier,
  fetchPage: FetchPage,
  after: number,
  maxPages = 100,
): Promise<Replayed> {
  let cursor = after;
  let applied = 0;
  for (let page = 0; page < maxPages; page += 1) {
    const result = await fetchPage(cursor);
    applied += applier.applyAll(result.events.map(fromFeed));
    const advanced = result.next_after > cursor;
    if (advanced) cursor = result.next_after;
    if (!result.has_more || !advanced) break;
  }
  applier.replayedUpTo(cursor);
  return { applied, upTo: cursor };
}
