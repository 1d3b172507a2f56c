/**
 * The equivalence proof: each notebook runs (1) top to bottom as one python3 program in the base
 * image and (2) as nbbuild step images through `nbbuild run`; every step's printed output and the
 * metrics must be equal. Failure cases check what a user sees when a step cannot run.
 */
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ParamValue } from "../../src/plan/types.js";
import { formatSummary } from "../../src/run/report.js";
import type { RunResult } from "../../src/run/scheduler.js";
import { writeTaggedNotebook } from "../support/tagged-notebook.js";
import { expectedStepOutput, pipelineRun as pipelineRunWith, printed, referenceRun, stage as stageUnder } from "./equivalence.helpers.js";

const BASE = process.env.NBBUILD_TEST_BASE!;
const REPO = path.resolve(import.meta.dirname, "../..");
const FIXTURES = path.join(REPO, "test/fixtures/equivalence");
let tmp: string;
const stage = (src: string, wholeFolder = false) => stageUnder(tmp, src, wholeFolder);
const pipelineRun = (nb: string, params: string[] = [], engine: "docker" | "oci" = "docker") => pipelineRunWith(nb, BASE, params, engine);

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "nbbuild-eq-"));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function proveEquivalent(nb: string, overrides: Record<string, ParamValue> = {}, finalPrints = true, engine: "docker" | "oci" = "docker"): Promise<RunResult> {
  const params = Object.entries(overrides).map(([k, v]) => `${k}=${String(v)}`);
  const { plan, run, lines } = await pipelineRun(nb, params, engine);
  const ref = await referenceRun(plan, BASE, overrides);
  expect(ref.exitCode, ref.lines.join("\n")).toBe(0);
  expect(run.status, formatSummary(run)).toBe("succeeded");
  for (const step of plan.steps) {
    expect(printed(lines.get(step.name)), `printed output of step ${step.name}`).toEqual(expectedStepOutput(plan, step.name, ref));
  }
  const final = plan.steps.at(-1)!;
  if (finalPrints) expect(printed(lines.get(final.name)).length, "the final step prints something").toBeGreaterThan(0);
  expect(Object.keys(ref.metrics).length).toBe(plan.metrics.length);
  expect(run.metrics).toEqual(ref.metrics);
  return run;
}

describe("equivalence: notebook top to bottom == nbbuild image + nbbuild run", () => {
  it("examples/wine/wine.ipynb", async () => {
    const run = await proveEquivalent(await stage(path.join(REPO, "examples/wine/wine.ipynb"), true));
    expect(Object.keys(run.metrics)).toContain("accuracy");
  });

  it("examples/wine/wine.ipynb built by the daemonless oci engine (pushed, run by digest)", async () => {
    const run = await proveEquivalent(await stage(path.join(REPO, "examples/wine/wine.ipynb"), true), {}, true, "oci");
    expect(Object.keys(run.metrics)).toContain("accuracy");
  });

  it("metrics computed by different steps, one overwritten downstream (A's metrics.ipynb)", async () => {
    const run = await proveEquivalent(await stage(path.join(REPO, "test/fixtures/notebooks/metrics.ipynb")), {}, false);
    expect(Object.keys(run.metrics).sort()).toEqual(["acc", "loss"]);
  });

  it("a diamond DAG with parameters and metrics", async () => {
    const run = await proveEquivalent(await stage(path.join(FIXTURES, "diamond.ipynb")));
    expect(run.order.length).toBe(4);
  });

  it("parameters overridden with -p (typed: SCALE=2 stays a float)", async () => {
    const nb = await stage(path.join(FIXTURES, "diamond.ipynb"));
    const run = await proveEquivalent(nb, { N: 50, SCALE: 2, LABEL: "over ride", CENTER: false });
    const log = await fs.readFile(run.steps.load.log, "utf8");
    expect(log).toContain("loaded 50 values for over ride scale 2.0 center False");
  });

  it("pandas/numpy/sklearn objects, a notebook class and function, a mutated DataFrame", async () => {
    const run = await proveEquivalent(await stage(path.join(FIXTURES, "objects.ipynb")));
    const log = await fs.readFile(run.steps.evaluate.log, "utf8");
    expect(log).toContain("rows seen 48");
  });
});

describe("equivalence with files between steps", () => {
  it("a step writes data/out.csv and notes.txt, a later step reads them: run equals notebook", async () => {
    const dir = path.join(tmp, "files");
    await fs.mkdir(dir);
    const nb = writeTaggedNotebook(dir, "files.ipynb", [
      { tags: ["imports"], source: "import os\nimport pandas as pd" },
      { tags: ["step:write_data"], source: "os.makedirs('data', exist_ok=True)\npd.DataFrame({'a': [1, 2, 3], 'b': [4, 5, 6]}).to_csv('data/out.csv', index=False)\nwith open('notes.txt', 'w') as f:\n    f.write('hello from write_data')\nprint('wrote files')" },
      { tags: ["step:read_data", "prev:write_data"], source: "df = pd.read_csv('data/out.csv')\nprint('sum', int(df['a'].sum() + df['b'].sum()))\nprint(open('notes.txt').read())" },
    ], { pipeline_name: "files-flow" });
    const run = await proveEquivalent(nb);
    expect(await fs.readFile(run.steps.read_data.log, "utf8")).toContain("sum 21\nhello from write_data");
  });
});

describe("the proof can fail", () => {
  it("tells apart a pipeline run with different parameters", async () => {
    const { plan, run, lines } = await pipelineRun(await stage(path.join(FIXTURES, "diamond.ipynb")), ["N=50"]);
    const ref = await referenceRun(plan, BASE, {});
    expect(run.status).toBe("succeeded");
    expect(printed(lines.get("load"))).not.toEqual(expectedStepOutput(plan, "load", ref));
    expect(run.metrics).not.toEqual(ref.metrics);
  });
});

describe("failures a user sees", () => {
  it("a step that raises: non-zero, dependants skipped, cell named", async () => {
    const { run } = await pipelineRun(await stage(path.join(FIXTURES, "raises.ipynb")));
    expect(run.status).toBe("failed");
    expect(run.steps.second.status).toBe("failed");
    expect(run.steps.third.status).toBe("skipped");
    expect(run.steps.first.status).toBe("succeeded");
    expect(run.steps.second.cellLine).toMatch(/raises\.ipynb cell 2\b/);
    const summary = formatSummary(run);
    expect(summary).toMatch(/raises\.ipynb cell 2/);
    expect(summary).toContain("ValueError: value too large: 4.0");
  });

  it("an unpicklable variable crossing steps: message names the variable and its type", async () => {
    const { run } = await pipelineRun(await stage(path.join(FIXTURES, "unpicklable.ipynb")));
    expect(run.status).toBe("failed");
    expect(run.steps.make.status).toBe("failed");
    expect(run.steps.use.status).toBe("skipped");
    // The headline a user sees (the runner's last "nbbuild:" line) names the variable and type.
    expect(run.steps.make.cellLine).toMatch(/\bguard\b/);
    expect(run.steps.make.cellLine).toMatch(/_thread\.lock/);
    expect(formatSummary(run)).toContain(run.steps.make.cellLine!);
  });

  it("a step killed by its memory limit (limit:memory tag) is reported as out of memory", async () => {
    const { run } = await pipelineRun(await stage(path.join(FIXTURES, "oom.ipynb")));
    expect(run.status).toBe("failed");
    expect(run.steps.small.status).toBe("succeeded");
    expect(run.steps.hog).toMatchObject({ status: "failed", oomKilled: true });
    expect(formatSummary(run)).toMatch(/step hog failed: killed: out of memory \(limit 96Mi\)/);
  });
});
