/**
 * The Elyra front end with the real notebook compiler (src/notebook/compile.ts): the same Plan
 * as with the stand-in, plus what only the real compiler knows (variables between Kale sub-steps),
 * and every Plan valid against the `plan --json` schema.
 */
import path from "node:path";
import { Ajv } from "ajv";
import { describe, expect, test } from "vitest";
import { NbbuildError } from "../../../src/errors.js";
import { planElyraPipeline, planElyraPipelineWith } from "../../../src/elyra/plan-pipeline.js";
import { PLAN_JSON_SCHEMA } from "../../../src/plan/schema.js";
import type { Plan } from "../../../src/plan/types.js";
import { fakeCompile } from "./fake-compiler.js";

const FIX = path.resolve(import.meta.dirname, "../../fixtures/elyra");
const validate = new Ajv({ allErrors: true, strict: false }).compile(PLAN_JSON_SCHEMA);
const mine = (p: Plan) => p.steps.map(({ code: _c, fileHints: _h, cells: _cells, ...rest }) => rest);

describe("with the real notebook compiler", () => {
  test.each(["four-node/four.pipeline", "pip-node/pip.pipeline", "params/params.pipeline", "props/props.pipeline", "v7-strings/v7.pipeline", "metrics/metrics.pipeline", "kale-node/kale.pipeline"])(
    "%s validates against the Plan JSON schema",
    async (rel) => {
      const p = await planElyraPipeline(path.join(FIX, rel));
      const ok = validate(JSON.parse(JSON.stringify(p)));
      expect(validate.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
    },
  );

  test("four-node: the Elyra fields equal the stand-in's; code points at each notebook's cells", async () => {
    const real = await planElyraPipeline(path.join(FIX, "four-node/four.pipeline"));
    const fake = await planElyraPipelineWith(path.join(FIX, "four-node/four.pipeline"), {}, fakeCompile);
    expect(mine(real)).toEqual(mine(fake));
    const report = real.steps.find((s) => s.name === "report")!;
    expect(report.code.map((b) => [b.file, b.cell.index])).toEqual([0, 1, 2, 3].map((i) => ["report.ipynb", i]));
    expect(report.fileHints).toContain("out/report.txt");
    expect(real.diagnostics.every((d) => d.location.nodeId === "c2e8f471-report" || d.location.nodeId === undefined)).toBe(true);
  });

  test("kale-node: sub-steps pass variables under their renamed producers", async () => {
    const p = await planElyraPipeline(path.join(FIX, "kale-node/kale.pipeline"));
    expect(p.steps.map((s) => [s.name, s.after, s.inputs, s.outputs])).toEqual([
      ["prepare", [], [], []],
      ["train_load", ["prepare"], [], ["rows"]],
      ["train_total_1", ["train_load"], [{ name: "rows", from: "train_load" }], ["total"]],
      ["train_save", ["train_total_1"], [{ name: "total", from: "train_total_1" }], []],
      ["train_total", ["train_save"], [], []],
    ]);
  });

  test("%pip / !pip lines of a node notebook and a script's requirements.txt become baked requirements", async () => {
    const p = await planElyraPipeline(path.join(FIX, "pip-node/pip.pipeline"));
    expect(p.steps.map((s) => [s.name, s.requirements, s.context, s.script ?? null])).toEqual([
      ["explore", ["tabulate==0.9.0", "rich>=13"], { dir: ".", include: ["explore.ipynb"] }, null],
      ["score", ["scikit-learn"], { dir: "tasks", include: ["requirements.txt", "score.py"] }, "tasks/score.py"],
    ]);
    expect(p.steps[0].code.map((b) => b.source).join("\n")).not.toMatch(/^\s*[%!]pip/m);
  });

  test("a notebook with a bad Kale tag: the compiler's problem, naming node and pipeline", async () => {
    const err = await planElyraPipeline(path.join(FIX, "errors/bad-tag.pipeline")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NbbuildError);
    const [problem] = (err as NbbuildError).problems;
    expect(problem.location).toEqual({ file: "bad-tag.ipynb", cellIndex: 1, cellId: "c01", nodeId: "nb" });
    expect(problem.message).toBe('node "tagged badly" of bad-tag.pipeline: unknown tag "stepp:two"');
  });
});
