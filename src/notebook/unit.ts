/**
 * One notebook compiled on its own (tags, magics, parameters, metrics, per-step name flow),
 * with the notebooks it references compiled the same way. Data flow and the Plan come later.
 */
import { existsSync } from "node:fs";
import { basename, dirname, extname, join, normalize, relative, sep } from "node:path";
import type { FlowStep } from "../analysis/flow.js";
import { analyzeNames, type NameFlow } from "../analysis/names.js";
import { NbbuildError, type Location, type Problem } from "../errors.js";
import { pythonVerdict } from "../analysis/python-syntax.js";
import type { CodeBlock, Diagnostic, Parameter, VolumeMount } from "../plan/types.js";
import { readKaleMeta, type KaleMeta } from "./metadata.js";
import { parseMetrics, parseParameters } from "./params.js";
import { readNotebook, type Notebook } from "./read.js";
import { cellLoc, splitNotebook, type CodeCell, type RefDraft, type Split, type StepDraft } from "./split.js";
import { mergeConfig, type StepConfig } from "./tags.js";

/** What every step of one notebook shares: the imports and functions blocks. */
export interface SharedBlocks {
  names: ReadonlySet<string>;
  free: Record<string, string[]>;
  blocks: CodeBlock[];
  requirements: string[];
  starImport: boolean;
}

/** A step of one notebook, analysed but not yet connected by data flow. */
export interface DraftStep {
  name: string;
  nb: Notebook;
  /** The notebook's folder relative to the plan root ("." for the root notebook). */
  dir: string;
  draft: StepDraft;
  /** Explicit dependencies (prev: tags; composition edges are added later). */
  after: string[];
  flow: NameFlow;
  shared: SharedBlocks;
  params: Set<string>;
  own: CodeBlock[];
  requirements: string[];
  config: StepConfig;
  image?: string;
  volumes: VolumeMount[];
  locate(line: number): Location;
}

/** The data-flow view of a draft step. */
export function flowStepOf(s: DraftStep): FlowStep {
  return { name: s.name, after: s.after, flow: s.flow, shared: s.shared.names, sharedFree: s.shared.free, params: s.params, locate: s.locate };
}

/** A unit in reading order: a step of this notebook, or a referenced notebook. */
export type CompiledUnit = { kind: "step"; step: DraftStep } | { kind: "ref"; ref: RefDraft; child: CompiledNotebook };

/** One notebook compiled on its own: parameters, metrics, draft steps, units in reading order. */
export interface CompiledNotebook {
  nb: Notebook;
  meta: KaleMeta;
  params: Parameter[];
  metrics: { name: string; loc: Location }[];
  steps: DraftStep[];
  units: CompiledUnit[];
  split: Split;
  diagnostics: Diagnostic[];
}

const posix = (p: string) => p.split(sep).join("/");
const dedupe = (xs: string[]) => [...new Set(xs)];

function block(nb: Notebook, role: CodeBlock["role"], c: CodeCell): CodeBlock {
  return { role, file: nb.file, cell: { index: c.cell.index, id: c.cell.id }, source: c.source };
}

/** Joins cells with "\n" and maps a line of the joined text back to its cell. */
function joinCells(nb: Notebook, cells: CodeCell[]): { source: string; locate(line: number): Location } {
  const starts: number[] = [];
  let line = 1;
  for (const c of cells) {
    starts.push(line);
    line += c.source.split("\n").length;
  }
  return {
    source: cells.map((c) => c.source).join("\n"),
    locate(l: number): Location {
      let i = starts.length - 1;
      while (i > 0 && starts[i]! > l) i--;
      const c = cells[i];
      return c ? { ...cellLoc(nb, c.cell), line: l - starts[i]! + 1 } : { file: nb.file };
    },
  };
}

/**
 * Syntax errors of a step's code are errors (the step would fail when it runs). The parser's
 * verdict is checked with Python's own compiler when the host has one, whose message is shown.
 */
function syntaxProblems(source: string, parserLines: number[], locate: (line: number) => Location, what: string): Problem[] {
  if (!parserLines.length) return [];
  const verdict = pythonVerdict(source);
  if (verdict?.ok) return [];
  const fix = "correct the Python in this cell (the step would fail on it when it runs), or tag the cell skip to leave it out";
  if (verdict) return [{ location: locate(verdict.line), message: `${what}: Python syntax error: ${verdict.message}`, fix }];
  return [{ location: locate(parserLines[0]!), message: `${what}: the Python parser cannot read this line (a syntax error)`, fix }];
}

/** Adds syntax problems, except in cells already reported (an unsupported magic is not Python either). */
function reportSyntax(problems: Problem[], found: Problem[]): void {
  const reported = (l: Location) => problems.some((p) => p.location.file === l.file && p.location.cellIndex === l.cellIndex);
  problems.push(...found.filter((p) => !reported(p.location)));
}

function sharedBlocks(nb: Notebook, split: Split, problems: Problem[]): SharedBlocks {
  const cells = [...split.imports, ...split.functions];
  const joined = joinCells(nb, cells);
  const flow = analyzeNames(joined.source);
  reportSyntax(problems, syntaxProblems(joined.source, flow.syntaxErrors, joined.locate, "the imports/functions cells"));
  return {
    names: new Set(flow.defines),
    free: flow.functionFree,
    blocks: [...split.imports.map((c) => block(nb, "imports", c)), ...split.functions.map((c) => block(nb, "functions", c))],
    requirements: dedupe(cells.flatMap((c) => c.requirements)),
    starImport: flow.starImport,
  };
}

/** Options a referencing notebook hands down. */
interface Context {
  rootDir: string;
  /** Absolute paths of the notebooks referencing this one, root first. */
  chain: string[];
  stemOverride?: string;
}

/**
 * Compiles a notebook file (and, one level down, the notebooks it references). Problems are
 * appended to `problems`; a notebook that cannot be read at all throws (root) or is reported.
 */
export async function compileNotebook(abs: string, ctx: Context, problems: Problem[]): Promise<CompiledNotebook> {
  const file = posix(relative(ctx.rootDir, abs)) || basename(abs);
  const nb = await readNotebook(abs, file);
  const diagnostics: Diagnostic[] = [];
  const stem = basename(abs, extname(abs));
  const split = splitNotebook(nb, ctx.stemOverride ?? stem, problems);
  const meta = readKaleMeta(nb.metadata, file, problems);
  const dir = posix(relative(ctx.rootDir, dirname(abs))) || ".";
  for (const note of meta.notes) diagnostics.push({ level: "warning", message: note, location: { file } });
  for (const c of [...split.imports, ...split.functions, ...split.steps.flatMap((d) => d.cells)]) {
    for (const note of c.notes ?? []) diagnostics.push({ level: "info", message: note, location: cellLoc(nb, c.cell) });
  }

  const params: Parameter[] = [];
  for (const c of split.parameters) {
    for (const p of parseParameters(c.source, cellLoc(nb, c), problems)) {
      const i = params.findIndex((q) => q.name === p.name);
      if (i >= 0) params.splice(i, 1);
      params.push({ name: p.name, type: p.type, default: p.default, source: { file, cells: [{ index: c.index, id: c.id }] } });
    }
  }
  const metrics: { name: string; loc: Location }[] = [];
  for (const c of split.metrics) {
    for (const m of parseMetrics(c.source, cellLoc(nb, c), problems)) {
      if (!metrics.some((x) => x.name === m.name)) metrics.push({ name: m.name, loc: { ...cellLoc(nb, c), line: m.line } });
    }
  }

  const shared = sharedBlocks(nb, split, problems);
  const paramNames = new Set(params.map((p) => p.name));
  const steps: DraftStep[] = split.steps.map((d) => {
    const joined = joinCells(nb, d.cells);
    const flow = analyzeNames(joined.source);
    if (shared.starImport) flow.starImport = true;
    reportSyntax(problems, syntaxProblems(joined.source, flow.syntaxErrors, joined.locate, `step ${d.name}`));
    const config = mergeConfig(meta.stepsDefaults, d.config);
    return {
      name: d.name,
      nb,
      dir,
      draft: d,
      after: [...d.prev],
      flow,
      shared,
      params: paramNames,
      own: d.cells.map((c) => block(nb, "step", c)),
      requirements: dedupe([...shared.requirements, ...d.cells.flatMap((c) => c.requirements)]),
      config,
      image: config.image ?? undefined,
      volumes: [...meta.volumes],
      locate: joined.locate,
    };
  });
  const byName = new Map(steps.map((s) => [s.name, s]));

  const units: CompiledUnit[] = [];
  for (const u of split.units) {
    if (u.kind === "step") {
      units.push({ kind: "step", step: byName.get(u.name)! });
      continue;
    }
    const child = await compileReference(abs, u.ref, nb, ctx, problems);
    if (child) units.push({ kind: "ref", ref: u.ref, child });
  }
  return { nb, meta, params, metrics, steps, units, split, diagnostics };
}

async function compileReference(abs: string, ref: RefDraft, nb: Notebook, ctx: Context, problems: Problem[]): Promise<CompiledNotebook | undefined> {
  const loc = cellLoc(nb, ref.cell);
  const chain = [...ctx.chain, abs];
  const target = normalize(join(dirname(abs), ref.path));
  if (chain.includes(target)) {
    problems.push({
      location: loc,
      message: `notebook:${ref.name} creates a reference cycle (${[...chain, target].map((p) => basename(p)).join(" -> ")})`,
      fix: "a notebook cannot reference itself, directly or through another notebook",
    });
    return undefined;
  }
  if (ctx.chain.length > 0) {
    problems.push({
      location: loc,
      message: `notebook:${ref.name} is nested: ${basename(abs)} is itself referenced by ${basename(ctx.chain[ctx.chain.length - 1]!)} (chain ${[...chain, target].map((p) => basename(p)).join(" -> ")})`,
      fix: "references nest one level only: reference every notebook from the root notebook instead",
    });
    return undefined;
  }
  const rel = relative(ctx.rootDir, target);
  if (rel.startsWith("..")) {
    problems.push({ location: loc, message: `notebook:${ref.name}: ${ref.path} is outside the root notebook's folder`, fix: "move the referenced notebook into the root notebook's folder (or a subfolder), which is what gets baked into the images" });
    return undefined;
  }
  if (!existsSync(target)) {
    problems.push({ location: loc, message: `notebook:${ref.name}: ${ref.path} not found`, fix: "fix notebook_path in the cell metadata (relative to this notebook)" });
    return undefined;
  }
  try {
    return await compileNotebook(target, { rootDir: ctx.rootDir, chain, stemOverride: ref.name }, problems);
  } catch (err) {
    if (err instanceof NbbuildError) {
      problems.push(...err.problems);
      return undefined;
    }
    throw err;
  }
}
