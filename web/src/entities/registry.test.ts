import { describe, expect, it } from "vitest";
import { en } from "../i18n/en";
import { ru } from "../i18n/ru";
import { ENTITIES, apiFieldNames, editableFields, labelKey } from "./registry";

function lookup(messages: unknown, key: string): unknown {
  return key
    .split(".")
    .reduce<unknown>(
      (node, part) => (node && typeof node === "object" ? (node as Record<string, unknown>)[part] : undefined),
      messages,
    );
}

describe("entity registry", () => {
  for (const def of Object.values(ENTITIES)) {
    it(`${def.type}: every label and option is translated in both languages`, () => {
      const keys = new Set<string>();
      for (const field of def.fields) {
        keys.add(labelKey(field));
        if (field.kind === "select" && field.name !== "currency") {
          for (const option of field.options ?? []) keys.add(`options.${field.name}.${option}`);
        }
      }
      for (const name of [...def.columns, ...def.sortable])
        keys.add(def.fields.find((f) => f.name === name)?.label ?? `fields.${name}`);
      for (const filter of def.filters) {
        keys.add(`fields.${filter.name}`);
        for (const option of filter.options ?? []) keys.add(`options.${filter.name}.${option}`);
      }
      keys.add(`nav.${def.type}`);
      keys.add(`types.${def.type}`);
      for (const key of keys) {
        expect(lookup(en, key), `en ${key}`).toBeTypeOf("string");
        expect(lookup(ru, key), `ru ${key}`).toBeTypeOf("string");
      }
    });
  }

  it("a related picker writes both related_type and related_id", () => {
    const tasks = ENTITIES.tasks!;
    const related = tasks.fields.find((f) => f.kind === "related")!;
    expect(apiFieldNames(related)).toEqual(["related_type", "related_id"]);
  });

  it("read-only fields are never edited, passwords only written", () => {
    expect(editableFields(ENTITIES.calls!, false).map((f) => f.name)).toEqual(["contact_id"]);
    expect(editableFields(ENTITIES.users!, true).map((f) => f.name)).toContain("password");
  });
});
