/**
 * A stand-in for the notebook compiler (src/notebook/compile.ts) with the same signature, so the
 * Elyra front end's expansion logic is tested on its own: untagged notebooks become one step named
 * after the file; `step:NAME` / `prev:NAME` / `imports` tags split cells the way Kale does.
 */
import fs from "node:fs";
import path from "node:path";
import { NbbuildError } from "../../../src/errors.js";
import type { CodeBlock, Plan, PlanOptions, Step } from "../../../src/plan/types.js";
import { neutralStep } from "../../support/plan-builders.js";

interface Cell {
  cell_type: string;
  id?: string;
  source: string | string[];
  metadata?: { tags?: string[] };
}

/** Fake compiler: same contract as planNotebook, minimal grammar. */
export async function fakeCompile(file: string, options: PlanOptions = {}): Promise<Plan> {
  const root = path.dirname(file);
  const rel = path.basename(file);
  const nb = JSON.parse(fs.readFileSync(file, "utf8")) as { cells: Cell[] };
  const src = (c: Cell) => (Array.isArray(c.source) ? c.source.join("") : c.source);
  const imports: CodeBlock[] = [];
  const steps: Step[] = [];
  const blank = (name: string, after: string[]): Step =>
    neutralStep(name, { after, report: true, source: { file: rel, cells: [] } });
  nb.cells.forEach((c, index) => {
    if (c.cell_type !== "code") return;
    const tags = c.metadata?.tags ?? [];
    const bad = tags.find((t) => !/^(imports|step:|prev:)/.test(t));
    if (bad) throw NbbuildError.at({ file: rel, cellIndex: index, cellId: c.id ?? "" }, `unknown tag "${bad}"`, "use a Kale tag");
    const cell = { index, id: c.id ?? "" };
    if (tags.includes("imports")) return void imports.push({ role: "imports", file: rel, cell, source: src(c) });
    const stepTag = tags.find((t) => t.startsWith("step:"));
    if (stepTag || steps.length === 0) {
      const name = stepTag ? stepTag.slice(5) : rel.replace(/\.ipynb$/, "");
      steps.push(blank(name, tags.filter((t) => t.startsWith("prev:")).map((t) => t.slice(5))));
    }
    const step = steps[steps.length - 1];
    step.cells.push(cell.id);
    step.source.cells!.push(cell);
    step.code.push({ role: "step", file: rel, cell, source: src(c) });
  });
  for (const s of steps) s.code = [...imports, ...s.code];
  return {
    schemaVersion: 1, name: options.name ?? rel.replace(/\.ipynb$/, ""), root, source: { file: rel, kind: "notebook" },
    parameters: [], metrics: [], steps, volumes: [], unassigned: [], diagnostics: [],
  };
}
