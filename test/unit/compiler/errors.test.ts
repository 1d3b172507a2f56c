import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { NbbuildError, type Problem } from "../../../src/errors.js";
import { planNotebook } from "../../../src/notebook/compile.js";

const FIX = resolve(__dirname, "../../fixtures/notebooks");

async function problems(f: string): Promise<Problem[]> {
  try {
    await planNotebook(resolve(FIX, f));
  } catch (err) {
    expect(err).toBeInstanceOf(NbbuildError);
    return (err as NbbuildError).problems;
  }
  throw new Error(`${f} compiled without error`);
}

/** Asserts exactly one problem with this location, message and fix. */
async function one(f: string, location: Problem["location"], message: RegExp, fix: RegExp) {
  const ps = await problems(f);
  expect(ps).toHaveLength(1);
  expect(ps[0]!.location).toEqual(location);
  expect(ps[0]!.message).toMatch(message);
  expect(ps[0]!.fix).toMatch(fix);
}

describe("compiler errors name the file, the cell (index and id) and the fix", () => {
  it("cycle in prev: prints the cycle", () =>
    one("err_cycle.ipynb", { file: "err_cycle.ipynb", cellIndex: 1, cellId: "c01" }, /prev: tags form a cycle: b -> a -> b$/, /remove one prev:/));

  it("prev: naming no step", async () => {
    const ps = await problems("err_prev_missing.ipynb");
    expect(ps[0]).toEqual({
      location: { file: "err_prev_missing.ipynb", cellIndex: 1, cellId: "c01" },
      message: "prev:nope: step nope does not exist",
      fix: "tag a cell above with step:nope, or fix the name (steps: a, b)",
    });
  });

  it("prev: naming a later step", async () => {
    const ps = await problems("err_prev_later.ipynb");
    expect(ps[0]!.location).toEqual({ file: "err_prev_later.ipynb", cellIndex: 0, cellId: "c00" });
    expect(ps[0]!.message).toBe("prev:b names step b, which is defined below this cell");
    expect(ps[0]!.fix).toMatch(/move step b above step a/);
  });

  it("invalid step name", () =>
    one("err_step_name.ipynb", { file: "err_step_name.ipynb", cellIndex: 0, cellId: "c00" }, /invalid step name "Load-Data"/, /\[_a-z\]\[_a-z0-9\]\*/));

  it("two step tags on one cell", () =>
    one("err_two_steps.ipynb", { file: "err_two_steps.ipynb", cellIndex: 0, cellId: "c00" }, /two step names \(a, b\)/, /one step:\/block: tag per cell/));

  it("prev: without step:", () =>
    one("err_prev_without_step.ipynb", { file: "err_prev_without_step.ipynb", cellIndex: 1, cellId: "c01" }, /prev: tag on a cell without a step:\/block: tag/, /add step:NAME/));

  it("reading a name only a non-ancestor defines", () =>
    one(
      "err_non_ancestor.ipynb",
      { file: "err_non_ancestor.ipynb", cellIndex: 1, cellId: "c01", line: 1 },
      /^step b reads x, defined in step a, which b does not depend on$/,
      /^add prev:a to step b$/,
    ));

  it("invalid JSON, with the parse position", () =>
    one("err_invalid_json.ipynb", { file: "err_invalid_json.ipynb", line: 3 }, /not valid JSON \(line 3, column \d+\)/, /re-save it in Jupyter/));

  it("nbformat 3 says how to upgrade", () =>
    one("err_nbformat3.ipynb", { file: "err_nbformat3.ipynb" }, /nbformat 3 is not supported/, /jupyter nbconvert --to notebook --nbformat 4/));

  it("a non-Python kernel", () =>
    one("err_r_kernel.ipynb", { file: "err_r_kernel.ipynb" }, /kernel language is "r".*Python notebooks only/, /Python 3 kernel/));

  it("an unknown tag", () =>
    one("err_unknown_tag.ipynb", { file: "err_unknown_tag.ipynb", cellIndex: 0, cellId: "c00" }, /unknown tag "gpu"/, /valid tags: step:NAME/));

  it("a step after pipeline-metrics", () =>
    one("err_step_after_metrics.ipynb", { file: "err_step_after_metrics.ipynb", cellIndex: 2, cellId: "c02" }, /step b comes after the pipeline-metrics cell/, /pipeline-metrics must be the last tagged cell/));

  it("a bad parameters cell names each bad line", async () => {
    const ps = await problems("err_bad_params.ipynb");
    expect(ps.map((p) => [p.location.cellIndex, p.location.cellId, p.location.line])).toEqual([
      [0, "c00", 2],
      [0, "c00", 3],
      [0, "c00", 4],
    ]);
    expect(ps.map((p) => p.message)).toEqual([
      'pipeline-parameters: "B = 1 + 2" does not assign an int, float, str or bool literal',
      'pipeline-parameters: "C = D = 3" is not a single-target assignment (NAME = literal)',
      'pipeline-parameters: "E = [1]" does not assign an int, float, str or bool literal',
    ]);
    expect(ps[0]!.fix).toMatch(/SEED = 42/);
  });

  it("unsupported magics name the magic, the cell and the line", async () => {
    const ps = await problems("err_magic.ipynb");
    expect(ps.map((p) => [p.location, p.message])).toEqual([
      [{ file: "err_magic.ipynb", cellIndex: 0, cellId: "c00", line: 1 }, "unsupported magic %run"],
      [{ file: "err_magic.ipynb", cellIndex: 1, cellId: "c01", line: 1 }, "unsupported cell magic %%perl"],
    ]);
    expect(ps[0]!.fix).toMatch(/plain Python|skip/);
  });

  it("a metric no step defines", () =>
    one("err_metric_undefined.ipynb", { file: "err_metric_undefined.ipynb", cellIndex: 1, cellId: "c01", line: 1 }, /no step defines f1/, /compute f1 in a step/));

  it("validates everything, then fails once with every problem", async () => {
    const ps = await problems("err_many.ipynb");
    expect(ps.map((p) => [p.location.cellIndex, p.message])).toEqual([
      [0, 'unknown tag "colour:red"'],
      [1, 'invalid step name "B" in tag "step:B"'],
      [2, "prev:zzz: step zzz does not exist"],
      [2, "unsupported magic %who_ls"],
    ]);
    try {
      await planNotebook(resolve(FIX, "err_many.ipynb"));
    } catch (err) {
      expect((err as Error).message).toContain("err_many.ipynb#cell 2 (id c02), line 1: unsupported magic %who_ls\n  fix:");
    }
  });

  it("a missing file", async () => {
    const ps = await problems("does-not-exist.ipynb");
    expect(ps[0]!.message).toBe("notebook not found");
    expect(ps[0]!.location.file).toBe("does-not-exist.ipynb");
  });
});

describe("composition errors", () => {
  it("code in a reference cell", () =>
    one("compose/err_ref_code.ipynb", { file: "err_ref_code.ipynb", cellIndex: 0, cellId: "c00" }, /notebook:stats reference cell contains code/, /move the code to its own step: cell/));

  it("a nested reference names the chain", () =>
    one(
      "compose/err_nested_root.ipynb",
      { file: "err_nested_mid.ipynb", cellIndex: 1, cellId: "c01" },
      /notebook:leaf is nested: .*chain err_nested_root.ipynb -> err_nested_mid.ipynb -> model.ipynb/,
      /reference every notebook from the root notebook/,
    ));

  it("a reference cycle names the chain", () =>
    one(
      "compose/err_cycle_a.ipynb",
      { file: "err_cycle_b.ipynb", cellIndex: 0, cellId: "c00" },
      /reference cycle \(err_cycle_a.ipynb -> err_cycle_b.ipynb -> err_cycle_a.ipynb\)/,
      /cannot reference itself/,
    ));

  it("a notebook referencing itself", () =>
    one("compose/err_self.ipynb", { file: "err_self.ipynb", cellIndex: 0, cellId: "c00" }, /reference cycle \(err_self.ipynb -> err_self.ipynb\)/, /cannot reference itself/));
});
