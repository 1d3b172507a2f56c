/**
 * Every example and fixture (errors/ folders excluded) must plan and give a KFP file and an Argo
 * Workflow that validate, or be listed in REFUSED with the message the planner refuses it with:
 * a fixture that stops planning fails here instead of silently dropping out.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { toArgoWorkflow } from "../../../src/pipeline/argo.js";
import { toKfpIr } from "../../../src/pipeline/kfp.js";
import { argoIssues } from "../../../src/pipeline/validate-argo.js";
import { kfpIssues } from "../../../src/pipeline/validate-kfp.js";
import { parseYamlDocuments, stringifyArgo, stringifyKfp } from "../../../src/pipeline/yaml.js";
import { NbbuildError } from "../../../src/errors.js";
import { loadPlan } from "../../../src/readers.js";
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

/** Fixtures the planner must refuse, with (part of) the message it refuses them with. */
const REFUSED: Record<string, string> = {
  "test/fixtures/notebooks/compose/err_cycle_a.ipynb": "notebook:a creates a reference cycle",
  "test/fixtures/notebooks/compose/err_cycle_b.ipynb": "notebook:b creates a reference cycle",
  "test/fixtures/notebooks/compose/err_nested_root.ipynb": "notebook:leaf is nested",
  "test/fixtures/notebooks/compose/err_ref_code.ipynb": "the notebook:stats reference cell contains code",
  "test/fixtures/notebooks/compose/err_self.ipynb": "notebook:me creates a reference cycle",
  "test/fixtures/notebooks/err_all_skipped.ipynb": "the notebook has nothing to run",
  "test/fixtures/notebooks/err_bad_params.ipynb": "does not assign an int, float, str or bool literal",
  "test/fixtures/notebooks/err_cycle.ipynb": "the steps' prev: tags form a cycle: b -> a -> b",
  "test/fixtures/notebooks/err_cell_not_object.ipynb": "cell 1 is a string",
  "test/fixtures/notebooks/err_cells_object.ipynb": '"cells" is an object',
  "test/fixtures/notebooks/err_empty.ipynb": "the notebook has nothing to run",
  "test/fixtures/notebooks/err_invalid_json.ipynb": "not valid JSON",
  "test/fixtures/notebooks/err_k8s_names.ipynb": 'invalid image reference "$(touch pwned)"',
  "test/fixtures/notebooks/err_magic.ipynb": "unsupported magic %run",
  "test/fixtures/notebooks/err_many.ipynb": 'unknown tag "colour:red"',
  "test/fixtures/notebooks/err_metric_undefined.ipynb": "pipeline-metrics: no step defines f1",
  "test/fixtures/notebooks/err_nbformat3.ipynb": "nbformat 3 is not supported",
  "test/fixtures/notebooks/err_nbformat_string.ipynb": '"nbformat" is a string',
  "test/fixtures/notebooks/err_non_ancestor.ipynb": "step b reads x, defined in step a, which b does not depend on",
  "test/fixtures/notebooks/err_param_metric.ipynb": "title is a string pipeline parameter",
  "test/fixtures/notebooks/err_prev_later.ipynb": "prev:b names step b, which is defined below this cell",
  "test/fixtures/notebooks/err_prev_missing.ipynb": "prev:nope: step nope does not exist",
  "test/fixtures/notebooks/err_prev_without_step.ipynb": "prev: tag on a cell without a step:/block: tag",
  "test/fixtures/notebooks/err_r_kernel.ipynb": "nbbuild compiles Python notebooks only",
  "test/fixtures/notebooks/err_source_types.ipynb": "the cell's source is a number, not text",
  "test/fixtures/notebooks/err_step_after_metrics.ipynb": "step b comes after the pipeline-metrics cell",
  "test/fixtures/notebooks/err_step_name.ipynb": 'invalid step name "Load-Data"',
  "test/fixtures/notebooks/err_syntax.ipynb": "step count: Python syntax error",
  "test/fixtures/notebooks/err_tags_string.ipynb": "the cell's metadata.tags is a string",
  "test/fixtures/notebooks/err_task_collision.ipynb": 'both become the task "a-b"',
  "test/fixtures/notebooks/err_two_steps.ipynb": "the cell has two step names (a, b)",
  "test/fixtures/notebooks/err_unknown_tag.ipynb": 'unknown tag "gpu"',
};

const plans: [string, Plan][] = [];
const refusals: [string, string][] = [];
for (const f of files) {
  const rel = path.relative(REPO, f);
  if (rel in REFUSED) refusals.push([rel, REFUSED[rel]!]);
  else plans.push([rel, await loadPlan(f)]);
}

describe("pipeline files for every example and fixture", () => {
  test("the wine example plans and every listed refusal exists", () => {
    expect(plans.map(([f]) => f)).toContain("examples/wine/wine.ipynb");
    expect(Object.keys(REFUSED).filter((f) => !files.includes(path.join(REPO, f)))).toEqual([]);
  });
  test.each(refusals)("%s is refused", async (f, message) => {
    const err = await loadPlan(path.join(REPO, f)).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(NbbuildError);
    expect((err as Error).message).toContain(message);
  });
  test.each(plans)("%s", (_f, plan) => {
    // The newest backend we know accepts everything a plan can ask for; 2.0.5 may refuse some of it.
    const ir = toKfpIr(plan, fakeRecord(plan), { kfpVersion: "2.5.0" });
    expect(kfpIssues(parseYamlDocuments(stringifyKfp(ir)), { kfpVersion: "2.5.0" })).toEqual([]);
    const wf = toArgoWorkflow(plan, fakeRecord(plan)).workflow;
    expect(argoIssues(parseYamlDocuments(stringifyArgo(wf))[0])).toEqual([]);
  });
});
