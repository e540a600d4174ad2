import { describe, expect, it } from "vitest";
import { insertMention, mentionQuery, mentionToken, splitMentions } from "./mentions";

const ID = "0b6c6a57-6c9b-4f43-9d3f-2f9b8f0a1c11";

describe("mentions", () => {
  it("finds the @query being typed, only after a space or at the start", () => {
    expect(mentionQuery("call @ali", 9)).toEqual({ start: 5, query: "ali" });
    expect(mentionQuery("@", 1)).toEqual({ start: 0, query: "" });
    expect(mentionQuery("mail me at a@b", 14)).toBeNull();
    expect(mentionQuery("@ali done", 9)).toBeNull();
  });

  it("inserts the token the API reads and puts the caret after it", () => {
    const done = insertMention("ask @al now", 4, 7, "Alina Agent", ID);
    expect(done.text).toBe(`ask @[Alina Agent](user:${ID})  now`);
    expect(done.caret).toBe(4 + mentionToken("Alina Agent", ID).length + 1);
  });

  it("shows mentions as @Name", () => {
    expect(splitMentions(`hi @[Alina Agent](user:${ID}), see`)).toEqual([
      { text: "hi " },
      { text: "@Alina Agent", userId: ID },
      { text: ", see" },
    ]);
  });

  it("never lets a name end the token early", () => {
    expect(mentionToken("A [b] c", ID)).toBe(`@[A  b  c](user:${ID})`);
  });
});
