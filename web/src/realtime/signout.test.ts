import { describe, expect, it } from "vitest";
import { isSignedOutByServer, pusherErrorCode } from "./signout";

describe("pusherErrorCode", () => {
  it("reads a pusher:error frame and a refusing close", () => {
    expect(pusherErrorCode({ type: "PusherError", data: { code: 4009, message: "x" } })).toBe(4009);
    const close = { type: "WebSocketError", error: { type: "PusherError", data: { code: 4009, message: "x" } } };
    expect(isSignedOutByServer(close)).toBe(true);
  });

  it("ignores other errors", () => {
    expect(isSignedOutByServer({ type: "PusherError", data: { code: 4301, message: "x" } })).toBe(false);
    expect(pusherErrorCode({ type: "WebSocketError", error: { type: "TransportError" } })).toBeNull();
    expect(pusherErrorCode(null)).toBeNull();
    expect(pusherErrorCode("boom")).toBeNull();
  });
});
