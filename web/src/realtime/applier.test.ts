import { describe, expect, it } from "vitest";
import { EventApplier, type CacheOps } from "./applier";
import { fromFeed, parseChange, type ChangeMessage, type EventPage, type FeedEvent } from "./events";
import { replayFrom } from "./replay";

class FakeCache implements CacheOps {
  versions = new Map<string, number>();
  calls: string[] = [];
  cachedVersion(type: string, id: string) {
    return this.versions.get(`${type}/${id}`);
  }
  invalidateRecord(type: string, id: string) {
    this.calls.push(`record ${type}/${id}`);
  }
  removeRecord(type: string, id: string) {
    this.calls.push(`remove ${type}/${id}`);
  }
  invalidateLists(type: string) {
    this.calls.push(`lists ${type}`);
  }
  invalidateHistory(type: string, id: string) {
    this.calls.push(`history ${type}/${id}`);
  }
}

function msg(offset: number, extra: Partial<ChangeMessage> = {}): ChangeMessage {
  return {
    offset,
    type: "contacts",
    id: "c1",
    version: offset,
    action: "updated",
    actor: "u2",
    fields: ["name"],
    ...extra,
  };
}

function feed(offset: number, extra: Partial<FeedEvent> = {}): FeedEvent {
  return {
    offset,
    entity_type: "contacts",
    entity_id: "c1",
    action: "updated",
    actor_id: "u2",
    version: offset,
    changes: { name: { before: "a", after: "b" } },
    occurred_at: "2025-01-01T00:00:00Z",
    ...extra,
  };
}

describe("EventApplier", () => {
  it("refreshes lists, history and the record for an update", () => {
    const cache = new FakeCache();
    const applier = new EventApplier(cache);
    expect(applier.apply(msg(1))).toBe(true);
    expect(cache.calls).toEqual(["lists contacts", "history contacts/c1", "record contacts/c1"]);
    expect(applier.lastOffset).toBe(1);
  });

  it("applies an offset once, whichever channel or the replay delivers it", () => {
    const cache = new FakeCache();
    const applier = new EventApplier(cache);
    expect(applier.apply(msg(5))).toBe(true);
    expect(applier.apply(msg(5))).toBe(false); // same event on private-contacts.c1
    expect(applier.apply(fromFeed(feed(5)))).toBe(false); // and again from the feed
    expect(cache.calls.filter((c) => c.startsWith("record"))).toHaveLength(1);
  });

  it("still applies an older offset it has not seen (replay after a live event)", () => {
    const applier = new EventApplier(new FakeCache());
    applier.apply(msg(10));
    expect(applier.apply(msg(8))).toBe(true);
    expect(applier.lastOffset).toBe(10);
  });

  it("does not refetch a record whose cached version is already as new", () => {
    const cache = new FakeCache();
    cache.versions.set("contacts/c1", 7);
    const applier = new EventApplier(cache);
    applier.apply(msg(3, { version: 7 })); // our own write, already in the cache
    expect(cache.calls).not.toContain("record contacts/c1");
    applier.apply(msg(4, { version: 8 })); // someone else's newer write
    expect(cache.calls).toContain("record contacts/c1");
  });

  it("drops a purged record instead of refetching it", () => {
    const cache = new FakeCache();
    new EventApplier(cache).apply(msg(2, { action: "purged" }));
    expect(cache.calls).toContain("remove contacts/c1");
    expect(cache.calls).not.toContain("record contacts/c1");
  });

  it("treats offsets below a forgotten window as applied", () => {
    const applier = new EventApplier(new FakeCache(), 3);
    [1, 2, 3, 4, 5].forEach((o) => applier.apply(msg(o)));
    expect(applier.seen(1)).toBe(true);
    expect(applier.apply(msg(2))).toBe(false);
    expect(applier.apply(msg(6))).toBe(true);
  });

  it("counts everything up to a baseline as applied", () => {
    const applier = new EventApplier(new FakeCache());
    applier.setBaseline(100);
    expect(applier.apply(msg(99))).toBe(false);
    expect(applier.apply(msg(101))).toBe(true);
    expect(applier.lastOffset).toBe(101);
  });

  it("tells listeners about new changes only", () => {
    const applier = new EventApplier(new FakeCache());
    const heard: number[] = [];
    const stop = applier.subscribe((m) => heard.push(m.offset));
    applier.apply(msg(1));
    applier.apply(msg(1));
    stop();
    applier.apply(msg(2));
    expect(heard).toEqual([1]);
  });
});

describe("parseChange", () => {
  it("accepts the relay's JSON string and object forms", () => {
    const raw = {
      offset: 3,
      type: "deals",
      id: "d",
      version: 2,
      action: "trashed",
      actor: null,
      fields: ["deleted_at"],
    };
    expect(parseChange(JSON.stringify(raw))).toEqual(raw);
    expect(parseChange(raw)).toEqual(raw);
  });
  it("rejects what is not a change", () => {
    expect(parseChange("nope")).toBeNull();
    expect(parseChange({ type: "x" })).toBeNull();
    expect(parseChange(null)).toBeNull();
  });
});

describe("replayFrom", () => {
  it("pages through the feed from the last offset and skips what arrived live", async () => {
    const cache = new FakeCache();
    const applier = new EventApplier(cache);
    applier.apply(msg(10));
    applier.apply(msg(12)); // arrived live while 11 was lost with the socket
    const pages: Record<number, EventPage> = {
      10: { events: [feed(11, { entity_id: "c2" }), feed(12)], next_after: 12, has_more: true, head: 13 },
      12: { events: [feed(13, { action: "trashed" })], next_after: 13, has_more: false, head: 13 },
    };
    const asked: number[] = [];
    const { applied, upTo } = await replayFrom(
      applier,
      async (after) => {
        asked.push(after);
        const page = pages[after];
        if (!page) throw new Error(`unexpected after=${after}`);
        return page;
      },
      10,
    );
    expect(asked).toEqual([10, 12]);
    expect(applied).toBe(2); // 11 and 13; 12 was a repeat
    expect(upTo).toBe(13);
    expect(applier.resumeOffset).toBe(13);
    expect(cache.calls).toContain("record contacts/c2");
    expect(applier.lastOffset).toBe(13);
  });

  it("stops when the feed does not advance", async () => {
    const applier = new EventApplier(new FakeCache());
    let calls = 0;
    await replayFrom(
      applier,
      async (after) => {
        calls += 1;
        return { events: [], next_after: after, has_more: true, head: after };
      },
      0,
    );
    expect(calls).toBe(1);
  });
});

describe("where a replay resumes", () => {
  function feedOf(events: number[]) {
    return async (after: number): Promise<EventPage> => {
      const page = events.filter((offset) => offset > after).map((offset) => feed(offset));
      const last = page.at(-1)?.offset ?? after;
      return { events: page, next_after: last, has_more: false, head: Math.max(after, ...events) };
    };
  }

  it("follows live events only while the tab is live", () => {
    const applier = new EventApplier(new FakeCache());
    applier.apply(msg(3)); // before every channel was subscribed: covered by a refetch
    expect(applier.resumeOffset).toBeNull();
    applier.markLive();
    expect(applier.resumeOffset).toBe(3);
    applier.apply(msg(4));
    expect(applier.resumeOffset).toBe(4);
    applier.markInterrupted();
    applier.apply(msg(9)); // live again after a reconnect, before the replay
    expect(applier.resumeOffset).toBe(4);
    expect(applier.lastOffset).toBe(9);
  });

  it("replays what was missed while away even when later events arrived live first", async () => {
    const cache = new FakeCache();
    const applier = new EventApplier(cache);
    applier.markLive();
    applier.apply(msg(1));
    applier.apply(msg(2));
    applier.markInterrupted(); // 3, 4 and 5 are published while the socket is down
    applier.apply(msg(6, { id: "c6" })); // the first live event after subscribing again
    const { applied, upTo } = await replayFrom(applier, feedOf([1, 2, 3, 4, 5, 6]), applier.resumeOffset ?? 0);
    expect(applied).toBe(3); // 3, 4, 5; 6 was a repeat
    expect(upTo).toBe(6);
    applier.markLive();
    applier.apply(msg(7));
    expect(applier.resumeOffset).toBe(7);
  });

  it("a replay that ends before the last channel is subscribed leaves the tab not live", async () => {
    const applier = new EventApplier(new FakeCache());
    applier.markLive();
    applier.apply(msg(1));
    applier.markInterrupted();
    await replayFrom(applier, feedOf([1, 2]), 1); // one channel back: the feed read to 2
    expect(applier.resumeOffset).toBe(2);
    applier.apply(msg(5)); // live on that channel; 3 and 4 (another type) still to come
    expect(applier.resumeOffset).toBe(2); // the next replay starts at 2, not 5
  });
});
