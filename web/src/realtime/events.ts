/** The shapes of change events: live (realtime `entity.changed`) and replayed (GET /events). */

import type { Schemas } from "../api/schema";
export type ChangeAction = "created" | "updated" | "trashed" | "restored" | "purged";

/** What the relay publishes on `private-T` and `private-T.{id}` as `entity.changed`. */
export interface ChangeMessage {
  offset: number;
  type: string;
  id: string;
  version: number;
  /** A `ChangeAction`; typed as any string because unknown actions pass through. */
  action: string;
  actor: string | null;
  fields: string[];
}

export type FieldChange = Schemas["FieldChange"];

/** One event of GET /api/v1/events. */
export type FeedEvent = Schemas["Event"];

export type EventPage = Schemas["EventPage"];

export const CHANGE_EVENT = "entity.changed";

/** A feed event as the same message the live channel carries. */
export function fromFeed(event: FeedEvent): ChangeMessage {
  return {
    offset: event.offset,
    type: event.entity_type,
    id: event.entity_id,
    version: event.version,
    action: event.action,
    actor: event.actor_id,
    fields: Object.keys(event.changes ?? {}).sort(),
  };
}

/** Parse a live payload defensively (pusher-js hands us parsed JSON or a string). */
export function parseChange(raw: unknown): ChangeMessage | null {
  let value = raw;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return null;
    }
  }
  if (!value || typeof value !== "object") return null;
  const v = value as Record<string, unknown>;
  if (typeof v.offset !== "number" || typeof v.type !== "string" || typeof v.id !== "string") {
    return null;
  }
  return {
    offset: v.offset,
    type: v.type,
    id: v.id,
    version: typeof v.version === "number" ? v.version : 0,
    action: typeof v.action === "string" ? v.action : "updated",
    actor: typeof v.actor === "string" ? v.actor : null,
    fields: Array.isArray(v.fields) ? v.fields.filter((f): f is string => typeof f === "string") : [],
  };
}
