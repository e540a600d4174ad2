import { describe, expect, it } from "vitest";
import { countdown } from "./countdown";

describe("countdown", () => {
  const now = Date.parse("2026-12-03T10:00:00Z");
  it("counts down minutes and seconds", () => {
    expect(countdown("2026-12-03T10:14:05Z", now)).toEqual({ overdue: false, text: "14:05" });
  });
  it("shows hours past an hour and says when it is overdue", () => {
    expect(countdown("2026-12-03T11:02:03Z", now)).toEqual({ overdue: false, text: "1:02:03" });
    expect(countdown("2026-12-03T09:59:30Z", now)).toEqual({ overdue: true, text: "0:30" });
  });
  it("ignores a value that is not a time", () => {
    expect(countdown("soon", now)).toBeNull();
  });
});
