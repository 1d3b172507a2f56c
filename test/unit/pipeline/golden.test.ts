/**
 * Golden pipeline files (test/golden/*.yaml): the writers' output must stay byte-identical.
 * Fixed fake build records keep digests stable. Regenerate deliberately with UPDATE_GOLDEN=1.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { toArgoWorkflow } from "../../../src/pipeline/argo.js";
import { toKfpIr } from "../../../src/pipeline/kfp.js";
import { argoIssues } from "../../../src/pipeline/validate-argo.js";
import { kfpIssues } from "../../../src/pipeline/validate-kfp.js";
import { parseYamlDocuments, stringifyArgo, stringifyKfp } from "../../../src/pipeline/yaml.js";
import { loadPlan } from "../../../src/readers.js";
import type { Plan } from "../../../src/plan/types.js";
import { fakeRecord, winePlan } from "./plans.js";

const GOLDEN = path.resolve(import.meta.dirname, "../../golden");
const REPO = path.resolve(import.meta.dirname, "../../..");

function golden(name: string, text: string): void {
  const file = path.join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN === "1" || !fs.existsSync(file)) {
    if (process.env.UPDATE_GOLDEN !== "1") throw new Error(`missing golden ${name}; run with UPDATE_GOLDEN=1 to create it`);
    fs.writeFileSync(file, text);
  }
  expect(text, `${name} differs from test/golden/${name}; if the change is intended: UPDATE_GOLDEN=1 npx vitest run test/unit/pipeline/golden.test.ts`).toBe(fs.readFileSync(file, "utf8"));
}

/** The real compiler's plan of examples/wine/wine.ipynb (a planner error fails the file). */
const realWine: Plan = await loadPlan(path.join(REPO, "examples/wine/wine.ipynb"));

const cases: [string, () => Plan][] = [
  ["wine.hand", winePlan],
  ["wine", () => realWine],
];

describe.each(cases)("golden %s", (name, makePlan) => {
  test("KFP YAML is byte-identical to the golden file, parses and validates", () => {
    const plan = makePlan();
    const text = stringifyKfp(toKfpIr(plan, fakeRecord(plan)));
    expect(stringifyKfp(toKfpIr(makePlan(), fakeRecord(plan)))).toBe(text);
    golden(`${name}.kfp.yaml`, text);
    expect(kfpIssues(parseYamlDocuments(text), { kfpVersion: "2.0.5" })).toEqual([]);
  });
  test("KFP YAML for a newer backend (--kfp-version 2.4.0: resource strings, pod metadata) is byte-identical too", () => {
    const plan = makePlan();
    const text = stringifyKfp(toKfpIr(plan, fakeRecord(plan), { kfpVersion: "2.4.0" }));
    golden(`${name}.kfp-2.4.yaml`, text);
    expect(kfpIssues(parseYamlDocuments(text), { kfpVersion: "2.4.0" })).toEqual([]);
  });
  test("Argo YAML is byte-identical to the golden file and validates against Argo's schema", () => {
    const plan = makePlan();
    const text = stringifyArgo(toArgoWorkflow(plan, fakeRecord(plan)).workflow);
    golden(`${name}.argo.yaml`, text);
    expect(argoIssues(parseYamlDocuments(text)[0])).toEqual([]);
  });
});
