/**
 * Kale's placement rules: which block (imports, functions, parameters, metrics, a step, a
 * notebook reference, or nothing) each code cell belongs to. Cells that end up in code have
 * their magics rewritten here.
 */
import { dirname } from "node:path";
import type { Location, Problem } from "../errors.js";
import type { CellRef } from "../plan/types.js";
import { rewriteMagics } from "./magics.js";
import type { NbCell, Notebook } from "./read.js";
import { emptyConfig, mergeConfig, parseCellTags, placesCell, type CellTags, type StepConfig } from "./tags.js";

/** A code cell as it will run: rewritten source plus the requirements its magics declared. */
export interface CodeCell {
  cell: NbCell;
  source: string;
  requirements: string[];
  /** Deliberate rewrites worth telling the user about (info diagnostics). */
  notes?: string[];
}

/** A step as the tags describe it, before data flow. */
export interface StepDraft {
  name: string;
  cells: CodeCell[];
  prev: string[];
  config: StepConfig;
  /** Cell that first named the step (for error locations). */
  first: NbCell;
}

/** A `notebook:NAME` reference cell. */
export interface RefDraft {
  name: string;
  /** `notebook_path` from the cell metadata, relative to the referencing notebook. */
  path: string;
  cell: NbCell;
}

/** A unit of the notebook in reading order: one of its steps or a referenced notebook. */
export type Unit = { kind: "step"; name: string } | { kind: "ref"; ref: RefDraft };

/** A notebook's code cells grouped into blocks, steps and references. */
export interface Split {
  imports: CodeCell[];
  functions: CodeCell[];
  parameters: NbCell[];
  metrics: NbCell[];
  steps: StepDraft[];
  units: Unit[];
  unassigned: CellRef[];
}

/** Location of a cell of `nb`. */
export const cellLoc = (nb: Notebook, cell: NbCell): Location => ({ file: nb.file, cellIndex: cell.index, cellId: cell.id });

/** Turns a file stem into a step name (`[_a-z][_a-z0-9]*`). */
export function stepNameFromStem(stem: string): string {
  let s = stem.toLowerCase().replace(/[^a-z0-9_]+/g, "_").replace(/_+/g, "_").replace(/^_+|_+$/g, "");
  if (!s) s = "notebook";
  if (/^[0-9]/.test(s)) s = `_${s}`;
  return s;
}

/** A notebook that would become a pipeline with no task (which every KFP backend rejects). */
function noStepsProblem(nb: Notebook, codeCells: number): Problem {
  return {
    location: { file: nb.file },
    message: codeCells
      ? `the notebook has nothing to run: ${codeCells === 1 ? "its only code cell is" : `all ${codeCells} code cells are`} tagged skip, so the pipeline would have no step`
      : `the notebook has nothing to run: it has no code cells${nb.cells.length ? ` (only ${nb.cells.length} markdown/raw cell${nb.cells.length === 1 ? "" : "s"})` : ""}, so the pipeline would have no step`,
    fix: codeCells ? "remove the skip tag from the cells that should run" : "add the code cells to run (or point nbbuild at the notebook that has them)",
  };
}

const hasCode = (src: string) => src.split("\n").some((l) => l.trim() && !l.trim().startsWith("#"));

/** Groups a notebook's code cells by Kale's rules; problems are appended, never thrown. */
export function splitNotebook(nb: Notebook, stem: string, problems: Problem[]): Split {
  const out: Split = { imports: [], functions: [], parameters: [], metrics: [], steps: [], units: [], unassigned: [] };
  const notebookDir = dirname(nb.abs);
  const code = nb.cells.filter((c) => c.type === "code");
  const rewrite = (cell: NbCell): CodeCell => {
    const r = rewriteMagics(cell.source, { loc: cellLoc(nb, cell), notebookDir }, problems);
    return { cell, source: r.source, requirements: r.requirements, ...(r.notes ? { notes: r.notes } : {}) };
  };

  // A notebook without any tag (other than skip) is one step named after the file.
  if (!code.some((c) => c.tags.some(placesCell))) {
    const name = stepNameFromStem(stem);
    const kept = code.filter((c) => !c.tags.some((t) => typeof t === "string" && t.trim() === "skip"));
    if (kept.length) {
      out.steps.push({ name, cells: kept.map(rewrite), prev: [], config: emptyConfig(), first: kept[0]! });
      out.units.push({ kind: "step", name });
    } else problems.push(noStepsProblem(nb, code.length));
    return out;
  }

  const parsed = new Map<NbCell, CellTags>();
  for (const c of code) parsed.set(c, parseCellTags(c.tags, cellLoc(nb, c), problems));
  const allSteps = new Set([...parsed.values()].map((t) => t.step).filter((s): s is string => !!s));

  type Last = "imports" | "functions" | "pipeline-parameters" | "pipeline-metrics" | { step: StepDraft } | undefined;
  let last: Last;
  let awaitingStep = false;
  let pending: NbCell[] = [];
  let sawMetrics = false;
  const byName = new Map<string, StepDraft>();

  const addToSpecial = (kind: Exclude<Last, undefined | { step: StepDraft }>, c: NbCell) => {
    if (kind === "imports") out.imports.push(rewrite(c));
    else if (kind === "functions") out.functions.push(rewrite(c));
    else if (kind === "pipeline-parameters") out.parameters.push(c);
    else out.metrics.push(c);
  };

  for (const c of code) {
    const tags = parsed.get(c)!;
    const loc = cellLoc(nb, c);
    if (tags.notebook) {
      if (hasCode(c.source)) {
        problems.push({ location: loc, message: `the notebook:${tags.notebook} reference cell contains code`, fix: "a cell that references a notebook holds no code of its own: move the code to its own step: cell" });
      }
      if (pending.length) {
        problems.push({ location: cellLoc(nb, pending[0]!), message: "untagged code after a notebook: cell is not followed by a step: cell that owns it (found another notebook: cell first)", fix: "tag the cell step:NAME" });
        pending = [];
      }
      const path = c.metadata["notebook_path"];
      if (typeof path !== "string" || !path) {
        problems.push({ location: loc, message: `the notebook:${tags.notebook} cell has no notebook_path in its cell metadata`, fix: 'add "notebook_path": "other.ipynb" (relative to this notebook) to the cell metadata' });
      } else out.units.push({ kind: "ref", ref: { name: tags.notebook, path, cell: c } });
      last = undefined;
      awaitingStep = true;
      continue;
    }
    if (tags.special === "skip") continue;
    if (tags.special) {
      addToSpecial(tags.special, c);
      if (tags.special === "pipeline-metrics") sawMetrics = true;
      last = tags.special;
      awaitingStep = false;
      continue;
    }
    if (!tags.step) {
      if (awaitingStep) pending.push(c);
      else if (last === undefined) out.unassigned.push({ index: c.index, id: c.id });
      else if (typeof last === "string") addToSpecial(last, c);
      else last.step.cells.push(rewrite(c));
      continue;
    }
    // A step cell.
    if (sawMetrics) {
      problems.push({ location: loc, message: `step ${tags.step} comes after the pipeline-metrics cell`, fix: "pipeline-metrics must be the last tagged cell of the notebook: move it below every step" });
    }
    const seen = new Set(byName.keys());
    for (const p of tags.prev) {
      if (p === tags.step) problems.push({ location: loc, message: `step ${p} names itself in prev:${p}`, fix: `remove prev:${p}` });
      else if (!seen.has(p)) {
        problems.push(
          allSteps.has(p)
            ? { location: loc, message: `prev:${p} names step ${p}, which is defined below this cell`, fix: `a step can only depend on steps above it: move step ${p} above step ${tags.step}, or remove prev:${p}` }
            : { location: loc, message: `prev:${p}: step ${p} does not exist`, fix: `tag a cell above with step:${p}, or fix the name (steps: ${[...allSteps].sort().join(", ") || "none"})` },
        );
      }
    }
    let step = byName.get(tags.step);
    if (!step) {
      step = { name: tags.step, cells: [], prev: [], config: emptyConfig(), first: c };
      byName.set(step.name, step);
      out.steps.push(step);
      out.units.push({ kind: "step", name: step.name });
    }
    for (const p of pending) step.cells.push(rewrite(p));
    pending = [];
    step.cells.push(rewrite(c));
    for (const p of tags.prev) if (p !== step.name && seen.has(p) && !step.prev.includes(p)) step.prev.push(p);
    step.config = mergeConfig(step.config, tags.config);
    last = { step };
    awaitingStep = false;
  }
  if (pending.length) {
    problems.push({ location: cellLoc(nb, pending[0]!), message: "untagged code after a notebook: cell is not followed by a step: cell that owns it (reached the end of the notebook)", fix: "tag the cell step:NAME" });
  }
  if (!out.units.length && !problems.length) {
    problems.push({ location: { file: nb.file }, message: "the notebook has tags but no step:/block: cell, so it has no steps", fix: "tag the first cell of each step with step:NAME (or remove all tags to make the whole notebook one step)" });
  }
  return out;
}
