import { describe, expect, it } from "vitest";
import { recordingView } from "./recording";

describe("recordingView", () => {
  it("plays a stored recording", () => {
    expect(recordingView({ recording_status: "stored" })).toBe("player");
  });
  it("says a recording was removed by retention", () => {
    expect(recordingView({ recording_status: "expired" })).toBe("expired");
  });
  it("shows nothing for a call without a recording", () => {
    for (const status of ["none", "pending", "failed", undefined]) {
      expect(recordingView({ recording_status: status })).toBeNull();
    }
  });
});
