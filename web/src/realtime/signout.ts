/**
 * The realtime service closes a connection with 4009 when the employee's access ended (an
 * admin disabled the account, changed its role or password) or its sign-in was refused.
 * pusher-js does not reconnect after 4009, so the client asks the API whether the session
 * still stands: a 401 there signs the app out (to the login page, with a message).
 */

/** Pusher close/error code of a connection the server refuses to keep (section 11). */
export const UNAUTHORIZED = 4009;

/** The Pusher code carried by a pusher-js connection `error` event, if any: either a
 * `pusher:error` frame (`{type: "PusherError", data: {code}}`) or a refusing close
 * (`{type: "WebSocketError", error: {type: "PusherError", data: {code}}}`). */
export function pusherErrorCode(event: unknown): number | null {
  const asRecord = (value: unknown): Record<string, unknown> | null =>
    value !== null && typeof value === "object" ? (value as Record<string, unknown>) : null;
  const outer = asRecord(event);
  const inner = asRecord(outer?.error) ?? outer;
  const code = asRecord(inner?.data)?.code;
  return typeof code === "number" ? code : null;
}

export function isSignedOutByServer(event: unknown): boolean {
  return pusherErrorCode(event) === UNAUTHORIZED;
}
