import { describe, expect, it } from "vitest";
import { asText, dayBound, formatDuration, formatPhone, initials } from "./format";

describe("format", () => {
  it("formats durations", () => {
    expect(formatDuration(0)).toBe("0:00");
    expect(formatDuration(65)).toBe("1:05");
    expect(formatDuration(3725)).toBe("1:02:05");
    expect(formatDuration(undefined)).toBe("0:00");
  });
  it("formats Russian numbers and leaves others", () => {
    expect(formatPhone("+79161234567")).toBe("+7 916 123-45-67");
    expect(formatPhone("+442071234567")).toBe("+442071234567");
  });
  it("makes initials", () => {
    expect(initials("Анна Петрова")).toBe("АП");
    expect(initials("admin")).toBe("A");
  });
  it("turns a calendar day into the instants that bound it", () => {
    const from = dayBound("2031-03-01", "from");
    const until = dayBound("2031-03-01", "until");
    expect(from).not.toBeNull();
    expect(new Date(from!).getTime()).toBe(new Date(2031, 2, 1).getTime()); // local midnight
    expect(new Date(until!).getTime()).toBe(new Date(2031, 2, 2).getTime()); // the next one
    expect(dayBound("2031-12-31", "until")).toBe(new Date(2032, 0, 1).toISOString());
    expect(dayBound("2031-02-30", "from")).toBeNull();
    expect(dayBound("next tuesday", "from")).toBeNull();
  });

  it("shows any JSON value as text, never [object Object]", () => {
    expect(asText("x")).toBe("x");
    expect(asText(42)).toBe("42");
    expect(asText(false)).toBe("false");
    expect(asText(null)).toBe("");
    expect(asText(undefined)).toBe("");
    expect(asText({ a: 1 })).toBe('{"a":1}');
    expect(asText(["a"])).toBe('["a"]');
  });
});
