/**
 * Every example and fixture the compilers can plan (errors/ fixtures excluded) must give a KFP
 * file and an Argo Workflow that validate. Plans come from the real compilers, built in parallel:
 * inputs they cannot plan yet are skipped, not failed, here (their own tests cover that).
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { toArgoWorkflow } from "../../../src/pipeline/argo.js";
import { toKfpIr } from "../../../src/pipeline/kfp.js";
import { argoIssues } from "../../../src/pipeline/validate-argo.js";
import { kfpIssues } from "../../../src/pipeline/validate-kfp.js";
import { parseYamlDocuments, stringifyArgo, stringifyKfp } from "../../../src/pipeline/yaml.js";
import { loadPlan } from "../../../src/plan/load.js";
import type { Plan } from "../../../src/plan/types.js";
import { fakeRecord } from "./plans.js";

const REPO = path.resolve(import.meta.dirname, "../../..");
function inputs(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === "errors" || e.name.startsWith(".") ? [] : inputs(p);
    return /\.(ipynb|pipeline)$/.test(e.name) ? [p] : [];
  });
}
const files = [...inputs(path.join(REPO, "examples")), ...inputs(path.join(REPO, "test/fixtures"))].sort();
const plans: [string, Plan][] = [];
for (const f of files) {
  const plan = await loadPlan(f).catch(() => undefined);
  if (plan) plans.push([path.relative(REPO, f), plan]);
}

describe("pipeline files for every plannable example and fixture", () => {
  test("at least the wine example plans", () => {
    expect(plans.map(([f]) => f)).toContain("examples/wine/wine.ipynb");
  });
  test.each(plans)("%s", (_f, plan) => {
    // The newest backend we know accepts everything a plan can ask for; 2.0.5 may refuse some of it.
    const ir = toKfpIr(plan, fakeRecord(plan), { kfpVersion: "2.5.0" });
    expect(kfpIssues(parseYamlDocuments(stringifyKfp(ir)), { kfpVersion: "2.5.0" })).toEqual([]);
    const wf = toArgoWorkflow(plan, fakeRecord(plan)).workflow;
    expect(argoIssues(parseYamlDocuments(stringifyArgo(wf))[0])).toEqual([]);
  });
});
