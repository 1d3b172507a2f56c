/**
 * A pipeline-metrics cell may name pipeline parameters (issue 14.3): reported, as Kale does, by
 * the latest step that reads the parameter; seen in the plan, the KFP IR and the runner's
 * ExecutorOutput (what `run --json` reports).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path, { resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { NbbuildError, type Problem } from "../../../src/errors.js";
import { planNotebook } from "../../../src/notebook/compile.js";
import { toKfpIr } from "../../../src/pipeline/kfp.js";
import { formatPlan } from "../../../src/plan/format.js";
import { renderStepModule } from "../../../src/render/step-module.js";
import { cleanTemps, tempDir } from "../../support/temp.js";
import { fakeRecord } from "../pipeline/plans.js";
import { copyRunner } from "../runner/fixture.js";

afterAll(cleanTemps);

const FIX = resolve(__dirname, "../../fixtures/notebooks");

describe("parameters as metrics", async () => {
  const plan = await planNotebook(resolve(FIX, "param_metrics.ipynb"));

  it("are reported by the step that reads them, the computed metric by the step that defines it", () => {
    expect(plan.metrics).toEqual([
      { name: "cols", step: "build_grid" },
      { name: "rows", step: "build_grid" },
      { name: "grand_total", step: "add_up" },
    ]);
    expect(plan.steps.map((s) => [s.name, s.parameters, s.metrics])).toEqual([
      ["build_grid", ["rows", "cols"], ["rows", "cols"]],
      ["add_up", [], ["grand_total"]],
    ]);
    expect(formatPlan(plan)).toContain("  rows  (pipeline parameter, reported by build_grid)\n");
  });

  it("the KFP IR gives that step a metrics output", () => {
    const ir = toKfpIr(plan, fakeRecord(plan));
    const outputs = (ir.pipelineSpec.components["comp-build-grid"] as { outputDefinitions?: { artifacts?: Record<string, { artifactType: { schemaTitle: string } }> } }).outputDefinitions?.artifacts ?? {};
    expect(outputs["nbbuild_metrics"]?.artifactType.schemaTitle).toBe("system.Metrics");
  });

  it("the runner reports the parameter's run value in the ExecutorOutput", () => {
    const dir = tempDir("nbb-parammetric-");
    const step = plan.steps[0]!;
    const stepDir = path.join(dir, "step");
    mkdirSync(stepDir);
    copyRunner(stepDir);
    writeFileSync(path.join(stepDir, "step.py"), renderStepModule(plan, step));
    mkdirSync(path.join(dir, "tmp"));
    mkdirSync(path.join(dir, "app"));
    const execOut = path.join(dir, "kfp", "out.json");
    const r = spawnSync("python3", ["-S", "-u", path.join(stepDir, "runner.py"),
      "--executor-input", JSON.stringify({ outputs: { outputFile: execOut } }),
      "--param", "rows=5", "--param", "cols=2",
      "--output", `grid=${path.join(dir, "art", "grid")}`,
      "--metrics", path.join(dir, "metrics.json"),
    ], { encoding: "utf8", timeout: 60_000, env: { PATH: process.env.PATH, HOME: "/nonexistent", TMPDIR: path.join(dir, "tmp"), NBBUILD_APP_SRC: path.join(dir, "app") } });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(JSON.parse(readFileSync(execOut, "utf8"))).toEqual({ artifacts: { nbbuild_metrics: { artifacts: [{ metadata: { rows: 5, cols: 2 } }] } } });
  });
});

describe("parameters that cannot be metrics are refused clearly", () => {
  it("a string parameter, and one no step reads", async () => {
    const ps = await planNotebook(resolve(FIX, "err_param_metric.ipynb")).then(() => [] as Problem[], (e: unknown) => (e as NbbuildError).problems);
    expect(ps.map((p) => [p.location.line, p.message, p.fix])).toEqual([
      [1, "pipeline-metrics: title is a string pipeline parameter; metrics are numbers", "remove title from the metrics (KFP records only numbers)"],
      [2, "pipeline-metrics: the pipeline parameter unused is read by no step, so no step can report it", "use unused in a step, or remove it from the metrics"],
    ]);
  });
});
