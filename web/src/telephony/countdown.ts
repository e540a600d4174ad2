/** The time left until a call-back is due, as the task shows it (pure, for the tests). */
export interface Countdown {
  overdue: boolean;
  /** "m:ss", or "h:mm:ss" past an hour. */
  text: string;
}

export function countdown(dueAt: string, now: number): Countdown | null {
  const due = Date.parse(dueAt);
  if (Number.isNaN(due)) return null;
  const left = Math.round((due - now) / 1000);
  const total = Math.abs(left);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, "0");
  const text = hours > 0 ? `${hours}:${String(minutes).padStart(2, "0")}:${seconds}` : `${minutes}:${seconds}`;
  return { overdue: left < 0, text };
}
