import { describe, expect, it } from "vitest";
import { formatDuration, formatPhone, initials } from "./format";

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
});
