/** What a call's detail view shows of its recording: the player, the notice that retention
 * removed it, or nothing. */
export type RecordingView = "player" | "expired" | null;

export function recordingView(record: Record<string, unknown>): RecordingView {
  if (record.recording_status === "stored") return "player";
  if (record.recording_status === "expired") return "expired";
  return null;
}
