import { readdirSync } from "node:fs";
import { resolve } from "node:path";
import AjvModule from "ajv";
import { describe, expect, it } from "vitest";
import { planNotebook } from "../../../src/notebook/compile.js";
import { PLAN_JSON_SCHEMA } from "../../../src/plan/schema.js";

const FIX = resolve(__dirname, "../../fixtures/notebooks");
const Ajv = ((AjvModule as unknown as { default?: typeof AjvModule }).default ?? AjvModule) as unknown as new (o: object) => {
  compile(s: object): ((d: unknown) => boolean) & { errors?: unknown };
};
const validate = new Ajv({ allErrors: true, strict: false }).compile(PLAN_JSON_SCHEMA);

const valid = [
  ...readdirSync(FIX).filter((f) => f.endsWith(".ipynb") && !f.startsWith("err_")),
  ...readdirSync(resolve(FIX, "compose")).filter((f) => f.endsWith(".ipynb") && !f.startsWith("err_")).map((f) => `compose/${f}`),
];

describe("plan JSON schema", () => {
  it("covers at least 15 valid fixtures", () => expect(valid.length).toBeGreaterThanOrEqual(15));

  it.each([...valid, "../../../examples/wine/wine.ipynb"])("%s validates", async (f) => {
    const plan = JSON.parse(JSON.stringify(await planNotebook(resolve(FIX, f))));
    const ok = validate(plan);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it("rejects a plan with a missing or wrong field", async () => {
    const plan = JSON.parse(JSON.stringify(await planNotebook(resolve(FIX, "diamond.ipynb"))));
    delete plan.steps[0].inputs;
    expect(validate(plan)).toBe(false);
    const other = JSON.parse(JSON.stringify(await planNotebook(resolve(FIX, "diamond.ipynb"))));
    other.schemaVersion = 2;
    expect(validate(other)).toBe(false);
  });
});
