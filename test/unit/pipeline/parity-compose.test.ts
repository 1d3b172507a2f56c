/**
 * Kale composition parity: `nbbuild plan` of a root notebook whose `notebook:` cells reference
 * features.ipynb (a parallel pair) and parts/model.ipynb (consuming a variable features produces)
 * shows the composed DAG; the root's parameters override the referenced notebooks' own.
 * The same fixtures run end to end in test/e2e/equivalence-compose.test.ts.
 */
import path from "node:path";
import { Command } from "commander";
import { describe, expect, it, vi } from "vitest";
import { register as registerPlan } from "../../../src/cli/plan.js";
import { formatPlan } from "../../../src/plan/format.js";
import { loadPlan } from "../../../src/readers.js";

const ROOT_NB = path.resolve(import.meta.dirname, "../../fixtures/equivalence/compose/root.ipynb");

describe("nbbuild plan of a composed notebook", () => {
  it("shows the composed DAG: exact steps, edges, data flow and where each step comes from", async () => {
    const text = formatPlan(await loadPlan(ROOT_NB));
    const steps = text.slice(text.indexOf("Steps ("), text.indexOf("Metrics ("));
    expect(steps).toBe(
      [
        "Steps (6, in run order)",
        "  1. load  (cell 3)",
        "       after:       -",
        "       inputs:      -",
        "       outputs:     data",
        "       parameters:  SEED, ROWS, LABEL",
        "  2. center  (cell 3 in features.ipynb)",
        "       after:       load",
        "       inputs:      data <- load",
        "       outputs:     centered",
        "       parameters:  ROWS",
        "  3. smooth  (cell 4 in features.ipynb)",
        "       after:       load",
        "       inputs:      data <- load",
        "       outputs:     smooth",
        "       parameters:  WINDOW",
        "  4. combine  (cell 5 in features.ipynb)",
        "       after:       center, smooth",
        "       inputs:      centered <- center, smooth <- smooth",
        "       outputs:     frame, spread",
        "       parameters:  -",
        "       metrics:     spread",
        "  5. fit  (cell 2 in parts/model.ipynb)",
        "       after:       combine, load",
        "       inputs:      frame <- combine",
        "       outputs:     coef, r2",
        "       parameters:  SEED, LABEL",
        "       metrics:     r2",
        "  6. report  (cell 6)",
        "       after:       combine, fit, load",
        "       inputs:      r2 <- fit, spread <- combine, coef <- fit",
        "       outputs:     -",
        "       parameters:  LABEL, WINDOW, THRESHOLD",
        "",
        "",
      ].join("\n"),
    );
    // root values override the referenced notebooks' own (features ROWS = 5, model SEED = 1, LABEL = 'model')
    expect(text).toContain(
      [
        "Parameters (5)",
        "  SEED = 11  (NUMBER_INTEGER)",
        "  ROWS = 40  (NUMBER_INTEGER)",
        '  LABEL = "root"  (STRING)',
        "  WINDOW = 3  (NUMBER_INTEGER)",
        "  THRESHOLD = 0.25  (NUMBER_DOUBLE)",
      ].join("\n"),
    );
    expect(text).toContain(["Metrics (2)", "  spread  (reported by combine)", "  r2  (reported by fit)"].join("\n"));
    // a root step below a reference reads that notebook's parameters: no NameError warning
    expect(text).not.toContain("Warnings");
  });

  it("plans each referenced notebook's steps in that notebook's folder, with its cells", async () => {
    const plan = await loadPlan(ROOT_NB);
    expect(plan.steps.map((s) => [s.name, s.context.dir, s.source.file, s.code.map((b) => `${b.role}:${b.file}#${b.cell.index}`)])).toEqual([
      ["load", ".", "root.ipynb", ["imports:root.ipynb#1", "step:root.ipynb#3"]],
      ["center", ".", "features.ipynb", ["imports:features.ipynb#0", "step:features.ipynb#3"]],
      ["smooth", ".", "features.ipynb", ["imports:features.ipynb#0", "step:features.ipynb#4"]],
      ["combine", ".", "features.ipynb", ["imports:features.ipynb#0", "step:features.ipynb#5"]],
      ["fit", "parts", "parts/model.ipynb", ["imports:parts/model.ipynb#0", "step:parts/model.ipynb#2"]],
      ["report", ".", "root.ipynb", ["imports:root.ipynb#1", "step:root.ipynb#6"]],
    ]);
    expect(plan.parameters.map((p) => [p.name, p.default, p.source.file])).toEqual([
      ["SEED", 11, "root.ipynb"],
      ["ROWS", 40, "root.ipynb"],
      ["LABEL", "root", "root.ipynb"],
      ["WINDOW", 3, "features.ipynb"],
      ["THRESHOLD", 0.25, "parts/model.ipynb"],
    ]);
  });

  it("the `nbbuild plan` command prints exactly that text, and --json the same DAG", async () => {
    const cli = async (...args: string[]) => {
      const program = new Command().exitOverride();
      registerPlan(program);
      let out = "";
      const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
      try {
        await program.parseAsync(["plan", ...args], { from: "user" });
      } finally {
        spy.mockRestore();
      }
      return out;
    };
    expect(await cli(ROOT_NB)).toBe(formatPlan(await loadPlan(ROOT_NB)));
    const json = JSON.parse(await cli(ROOT_NB, "--json")) as { steps: { name: string; after: string[] }[] };
    expect(json.steps.map((s) => `${s.name} <- ${s.after.join(",")}`)).toEqual([
      "load <- ",
      "center <- load",
      "smooth <- load",
      "combine <- center,smooth",
      "fit <- combine,load",
      "report <- combine,fit,load",
    ]);
  });
});
