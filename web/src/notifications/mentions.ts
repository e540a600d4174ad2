/**
 * Mentions in a note's body, as the API reads them: `@[Full Name](user:<uuid>)`
 * (notifications/rules.py). The note form writes them; lists show them as `@Full Name`.
 */
export const MENTION = /@\[([^\]\n]{1,200})\]\(user:([0-9a-fA-F-]{36})\)/g;

export interface MentionPart {
  text: string;
  userId?: string;
}

/** The body cut into plain text and mentions, for display. */
export function splitMentions(body: string): MentionPart[] {
  const parts: MentionPart[] = [];
  let last = 0;
  for (const match of body.matchAll(MENTION)) {
    const at = match.index ?? 0;
    if (at > last) parts.push({ text: body.slice(last, at) });
    parts.push({ text: `@${match[1]}`, userId: match[2] });
    last = at + match[0].length;
  }
  if (last < body.length) parts.push({ text: body.slice(last) });
  return parts;
}

/** The mention token for an employee (brackets in a name would end it early: dropped). */
export function mentionToken(fullName: string, userId: string): string {
  return `@[${fullName.replace(/[[\]\n]/g, " ").trim()}](user:${userId})`;
}

/**
 * The `@query` being typed just before `caret`, if any: its start and the text after `@`
 * (an `@` that starts the text or follows whitespace, then no whitespace up to the caret).
 */
export function mentionQuery(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const match = /(^|\s)@([^\s@[\]()]{0,40})$/.exec(before);
  const query = match?.[2];
  if (query === undefined) return null;
  return { start: caret - query.length - 1, query };
}

/** `text` with the `@query` at `start..caret` replaced by the employee's token. */
export function insertMention(
  text: string,
  start: number,
  caret: number,
  fullName: string,
  userId: string,
): { text: string; caret: number } {
  const token = `${mentionToken(fullName, userId)} `;
  return { text: text.slice(0, start) + token + text.slice(caret), caret: start + token.length };
}
