import { describe, expect, it } from "vitest";
import { analyzeConflict, changedFields, overwriteRequest } from "./conflict";

const base = {
  id: "c1",
  version: 3,
  updated_by: "me",
  updated_at: "t3",
  name: "Анна",
  company: "Ромашка",
  phones: [{ type: "mobile", number: "+79161234567" }],
  tags: ["vip"],
};

describe("changedFields", () => {
  it("sends only edited, editable fields", () => {
    const values = {
      ...base,
      name: "Анна Петрова",
      tags: ["vip"],
      phones: [{ type: "mobile", number: "+79161234567" }],
    };
    expect(changedFields(base, values, ["name", "company", "phones", "tags"])).toEqual({ name: "Анна Петрова" });
  });
  it("treats null and empty the same only when equal", () => {
    expect(changedFields({ company: null }, { company: undefined }, ["company"])).toEqual({});
    expect(changedFields({ company: null }, { company: "X" }, ["company"])).toEqual({ company: "X" });
  });
});

describe("analyzeConflict", () => {
  const current = {
    ...base,
    version: 4,
    updated_by: "other",
    updated_at: "t4",
    company: "Лютик",
    tags: ["vip", "new"],
  };

  it("lists the other person's changes and spots the clashes", () => {
    const patch = { company: "Василёк", name: "Анна П." };
    const conflict = analyzeConflict(base, current, patch);
    expect(conflict.theirChanges.map((c) => c.field)).toEqual(["company", "tags"]);
    const company = conflict.theirChanges[0]!;
    expect(company).toMatchObject({ base: "Ромашка", theirs: "Лютик", mine: "Василёк", clash: true });
    expect(conflict.theirChanges[1]).toMatchObject({ field: "tags", clash: false, mine: undefined });
    expect(conflict.mineOnly).toEqual(["name"]);
    expect(conflict.currentVersion).toBe(4);
    expect(conflict.changedBy).toBe("other");
  });

  it("is no clash when both made the same change", () => {
    const conflict = analyzeConflict(base, current, { company: "Лютик" });
    expect(conflict.theirChanges[0]).toMatchObject({ field: "company", clash: false });
  });

  it("ignores bookkeeping fields", () => {
    const conflict = analyzeConflict(base, { ...base, version: 9, updated_at: "x" }, {});
    expect(conflict.theirChanges).toEqual([]);
  });
});

describe("overwriteRequest", () => {
  it("re-sends this person's edits against the current version", () => {
    const current = { ...base, version: 4, company: "Лютик" };
    expect(overwriteRequest({ company: "Василёк", name: "Анна" }, current)).toEqual({
      body: { company: "Василёк" },
      ifMatch: 4,
    });
  });
});
