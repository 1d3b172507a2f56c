/**
 * The equivalence proof for Kale composition: a root notebook whose `notebook:` cells reference
 * features.ipynb and parts/model.ipynb runs (1) as the three notebooks' code top to bottom in
 * reading order in one python3 process (the root's parameters winning over the referenced
 * notebooks' own) and (2) through `nbbuild image` + `nbbuild run`; every step's printed output,
 * the final step's especially, and the metrics must be equal.
 */
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ParamValue } from "../../src/plan/types.js";
import { formatSummary } from "../../src/run/report.js";
import { cellKey, composedReferenceScript, expectedStepOutput, pipelineRun, printed, readingOrder, referenceRun, stage } from "./equivalence.helpers.js";

const BASE = process.env.NBBUILD_TEST_BASE!;
const ROOT_NB = path.resolve(import.meta.dirname, "../fixtures/equivalence/compose/root.ipynb");
let tmp: string;
let nb: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "nbbuild-eqc-"));
  nb = await stage(tmp, ROOT_NB, true);
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/** Runs both sides and checks every step's output and the metrics; returns the final step's printed lines. */
async function proveComposedEquivalent(overrides: Record<string, ParamValue> = {}) {
  const params = Object.entries(overrides).map(([k, v]) => `${k}=${String(v)}`);
  const { plan, run, lines } = await pipelineRun(nb, BASE, params);
  expect(plan.steps.map((s) => [s.name, s.after])).toEqual([
    ["load", []],
    ["center", ["load"]],
    ["smooth", ["load"]],
    ["combine", ["center", "smooth"]],
    ["fit", ["combine", "load"]],
    ["report", ["combine", "fit", "load"]],
  ]);
  const { script, dropped } = await composedReferenceScript(plan, overrides);
  expect(dropped, "cells of the three notebooks that the pipeline does not run").toEqual([]);
  const ref = await referenceRun(plan, BASE, overrides, script);
  expect(ref.exitCode, ref.lines.join("\n")).toBe(0);
  expect(run.status, formatSummary(run)).toBe("succeeded");
  // every step cell of the three notebooks printed in the reference, so the comparison covers them all
  for (const step of plan.steps) {
    const own = step.code.filter((b) => b.role === "step").map((b) => cellKey(b.file, b.cell.index));
    for (const k of own) expect(ref.cells.get(k)?.length, `reference output of ${k}`).toBeGreaterThan(0);
    expect(printed(lines.get(step.name)), `printed output of step ${step.name}`).toEqual(expectedStepOutput(plan, step.name, ref));
  }
  const final = printed(lines.get("report"));
  expect(final.length).toBeGreaterThan(0);
  expect(Object.keys(ref.metrics).sort()).toEqual(["r2", "spread"]);
  expect(run.metrics).toEqual(ref.metrics);
  return { final, ref, run, plan };
}

describe("equivalence: a root notebook + two referenced notebooks == nbbuild image + nbbuild run", () => {
  it("reads the three notebooks in reading order (the reference cells expanded in place)", async () => {
    const plan = { root: path.dirname(nb), source: { file: "root.ipynb" } } as Parameters<typeof readingOrder>[0];
    const order = (await readingOrder(plan)).map((c) => cellKey(c.file, c.index));
    expect(order).toEqual([
      "root.ipynb#1", "root.ipynb#2", "root.ipynb#3",
      "features.ipynb#0", "features.ipynb#1", "features.ipynb#2", "features.ipynb#3", "features.ipynb#4", "features.ipynb#5",
      "parts/model.ipynb#0", "parts/model.ipynb#1", "parts/model.ipynb#2",
      "root.ipynb#6", "root.ipynb#7",
    ]);
  });

  it("default parameters: the root's SEED, ROWS, LABEL win over the referenced notebooks' own", async () => {
    const { final, ref, run } = await proveComposedEquivalent();
    // root values reached the referenced steps (features' ROWS = 5, model's SEED = 1, LABEL = 'model' lost)
    expect(ref.cells.get("features.ipynb#3")![0]).toMatch(/^centered std [\d.]+ rows 40$/);
    expect(ref.cells.get("parts/model.ipynb#2")![0]).toMatch(/^root seed 11 r2 [\d.]+$/);
    // a referenced notebook's own parameters (WINDOW, THRESHOLD) reach the root's step below the reference
    expect(final[0]).toMatch(/^root: r2=[\d.]+ spread=[\d.]+ window=3 -> (good|poor)$/);
    expect(typeof run.metrics.r2).toBe("number");
  });

  it("-p overrides a root parameter and a referenced notebook's own parameter", async () => {
    const { final, ref } = await proveComposedEquivalent({ LABEL: "over ride", WINDOW: 7, ROWS: 25 });
    expect(ref.cells.get("features.ipynb#3")![0]).toMatch(/ rows 25$/);
    expect(ref.cells.get("parts/model.ipynb#2")![0]).toMatch(/^over ride seed 11 r2 /);
    expect(final[0]).toMatch(/^over ride: r2=[\d.]+ spread=[\d.]+ window=7 -> /);
  });
});
