/**
 * Catching up after being away: the realtime protocol has no replay (a dropped socket
 * loses what was published meanwhile), so after a reconnect we read the events feed from
 * the last offset we applied, page by page, and apply what we missed (repeats ignored).
 */
import { EventApplier } from "./applier";
import { fromFeed, type EventPage } from "./events";

export type FetchPage = (after: number) => Promise<EventPage>;

/** Apply every event after `after`; returns how many were new. */
export async function replayFrom(
  applier: EventApplier,
  fetchPage: FetchPage,
  after: number,
  maxPages = 100,
): Promise<number> {
  let cursor = after;
  let applied = 0;
  for (let page = 0; page < maxPages; page += 1) {
    const result = await fetchPage(cursor);
    applied += applier.applyAll(result.events.map(fromFeed));
    if (!result.has_more || result.next_after <= cursor) break;
    cursor = result.next_after;
  }
  return applied;
}
