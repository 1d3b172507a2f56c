/** Tag shapes Kale itself accepts (issue 14.1, 14.2): nbbuild must read them as Kale does. */
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { planNotebook } from "../../../src/notebook/compile.js";

const FIX = resolve(__dirname, "../../fixtures/notebooks");

describe("an empty block: tag (written by Kale's JupyterLab extension) means no tag", () => {
  it("each block: cell continues the step above it, and the steps connect as their prev: tags say", async () => {
    const p = await planNotebook(resolve(FIX, "kale_block_empty.ipynb"));
    expect(p.steps.map((s) => [s.name, s.cells, s.after])).toEqual([
      ["gather", ["c03", "c04"], []],
      ["prepare", ["c05", "c06"], ["gather"]],
      ["fit", ["c07", "c08"], ["prepare"]],
    ]);
    // `lengths` comes from the block: cell of gather, `cutoff` from the one of prepare.
    expect(p.steps[1]!.inputs.map((i) => `${i.name}<-${i.from}`).sort()).toEqual(["lengths<-gather", "widths<-gather"]);
    expect(p.steps[2]!.inputs.map((i) => `${i.name}<-${i.from}`).sort()).toEqual(["cutoff<-prepare", "ratio<-prepare"]);
    expect(p.metrics).toEqual([{ name: "accuracy", step: "fit" }]);
    expect(p.diagnostics.filter((d) => d.level !== "info")).toEqual([]);
  });
});

describe("skip wins over every other tag of the cell, as in Kale", () => {
  it("a skipped cell with prev:/step: tags is left out, and the next untagged code is unaffected", async () => {
    const p = await planNotebook(resolve(FIX, "skip_with_prev.ipynb"));
    expect(p.steps.map((s) => [s.name, s.cells, s.after])).toEqual([
      ["collect", ["c00"], []],
      ["peak", ["c02"], ["collect"]],
    ]);
    expect(p.steps[1]!.code.map((b) => b.source).join("\n")).not.toContain("sort");
  });
});
