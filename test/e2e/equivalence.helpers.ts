/**
 * The reference side of the equivalence proof: the notebook (or a root notebook and the notebooks
 * its `notebook:` cells reference, in reading order) run top to bottom as one plain python3
 * program in the same base image, built from the Plan's CodeBlocks (so magics are rewritten
 * exactly as in the steps), with markers that attribute printed output to cells; plus the
 * pipeline side (`nbbuild image` + `nbbuild run`) and the staging both sides share.
 */
import { randomInt } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { buildImages } from "../../src/images/build-images.js";
import { makeBuilder } from "../../src/engines/factory.js";
import { loadPlan } from "../../src/readers.js";
import type { CodeBlock, ParamValue, Plan } from "../../src/plan/types.js";
import { DockerRunner } from "../../src/engines/docker-runner.js";
import { runPipeline } from "../../src/run/run.js";
import type { RunResult } from "../../src/run/scheduler.js";

const CELL_MARK = "@@nbbuild-cell ";
const METRICS_MARK = "@@nbbuild-metrics ";
/** Where the reference container sees a copy of the plan's folder (its working directory). */
const REF_WORK = "/nbbuild-ref/work";

/**
 * Runs one cell's source in the program's globals, as Jupyter does: statements, then a bare last
 * expression (no trailing `;`) whose repr is printed when it is not None. Nothing else differs
 * from plain python3 running the cells one after another.
 */
const DISPLAY_HELPER = `
import ast as __nbbuild_ast, sys as __nbbuild_sys
def __nbbuild_cell(key, source):
    __nbbuild_sys.stdout.write("${CELL_MARK}%s\\n" % key); __nbbuild_sys.stdout.flush()
    tree = __nbbuild_ast.parse(source, "<cell %s>" % key)
    last = None
    if tree.body and isinstance(tree.body[-1], __nbbuild_ast.Expr) and not source.rstrip().endswith(";"):
        last = tree.body.pop()
    exec(compile(tree, "<cell %s>" % key, "exec"), globals())
    if last is not None:
        value = eval(compile(__nbbuild_ast.Expression(last.value), "<cell %s>" % key, "eval"), globals())
        if value is not None:
            print(repr(value))
`.trim();

/** A Python literal for a parameter value of the given type. */
export function pyLiteral(v: ParamValue, type: string): string {
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number") return type === "NUMBER_DOUBLE" && Number.isInteger(v) ? `${v}.0` : String(v);
  return JSON.stringify(v);
}

/** The key under which a cell's printed output is collected: `<file relative to Plan.root>#<cell index>`. */
export const cellKey = (file: string, index: number) => `${file}#${index}`;
const blockKey = (b: CodeBlock) => cellKey(b.file, b.cell.index);

/** Prints every metric's value, after all cells (as the pipeline reports them). */
function metricsLines(plan: Plan): string[] {
  const names = plan.metrics.map((m) => m.name);
  return [
    "import json as __nbbuild_json",
    `print(${JSON.stringify(METRICS_MARK)} + __nbbuild_json.dumps({${names.map((n) => `${JSON.stringify(n)}: ${n}`).join(", ")}}, default=float))`,
  ];
}

/** The whole notebook as one program: every non-skipped block once, in cell order, plus markers. */
export function referenceScript(plan: Plan, overrides: Record<string, ParamValue> = {}): string {
  const blocks = new Map<number, { source: string; role: string; file: string }>();
  for (const s of plan.steps) for (const b of s.code) blocks.set(b.cell.index, { source: b.source, role: b.role, file: b.file });
  const paramLines = plan.parameters.map((p) => `${p.name} = ${pyLiteral(p.name in overrides ? overrides[p.name] : p.default, p.type)}`);
  const hasParamBlock = [...blocks.values()].some((b) => b.role === "parameters");
  const paramCell = plan.parameters[0]?.source.cells?.[0]?.index ?? -1;
  if (!hasParamBlock && paramLines.length) blocks.set(paramCell, { source: "", role: "parameters", file: plan.parameters[0]!.source.file });
  const out = [DISPLAY_HELPER];
  for (const [index, b] of [...blocks.entries()].sort((x, y) => x[0] - y[0])) {
    let source = b.source;
    if (b.role === "parameters") {
      // Overrides are applied after the parameters cell, as the pipeline applies -p values.
      const lines = plan.parameters.filter((p) => !hasParamBlock || p.name in overrides).map((p) => paramLines[plan.parameters.indexOf(p)]);
      source = [source, ...lines].filter(Boolean).join("\n");
    }
    out.push(`__nbbuild_cell(${JSON.stringify(cellKey(b.file, index))}, ${JSON.stringify(source)})`);
  }
  out.push(...metricsLines(plan));
  return out.join("\n") + "\n";
}

/** A code cell as the notebook file holds it. */
export interface RawCell {
  /** Notebook relative to Plan.root (POSIX). */
  file: string;
  index: number;
  tags: string[];
  source: string;
}

async function readCells(root: string, file: string): Promise<{ cell: RawCell; ref?: string }[]> {
  const doc = JSON.parse(await fs.readFile(path.join(root, file), "utf8")) as {
    cells: { cell_type: string; source: string | string[]; metadata?: { tags?: string[]; notebook_path?: string } }[];
  };
  return doc.cells.flatMap((c, index) => {
    if (c.cell_type !== "code") return [];
    const tags = c.metadata?.tags ?? [];
    const source = Array.isArray(c.source) ? c.source.join("") : c.source;
    const isRef = tags.some((t) => t.startsWith("notebook:"));
    const ref = isRef ? path.posix.normalize(path.posix.join(path.posix.dirname(file), c.metadata!.notebook_path!)) : undefined;
    return [{ cell: { file, index, tags, source }, ref }];
  });
}

/**
 * The code cells of the root notebook in reading order, each `notebook:` reference cell replaced
 * by the referenced notebook's code cells (read from the files, independently of the compiler).
 */
export async function readingOrder(plan: Plan): Promise<RawCell[]> {
  const out: RawCell[] = [];
  for (const { cell, ref } of await readCells(plan.root, plan.source.file)) {
    if (ref) out.push(...(await readCells(plan.root, ref)).map((c) => c.cell));
    else out.push(cell);
  }
  return out;
}

/**
 * The root notebook and the notebooks it references as one program, top to bottom in reading
 * order (each cell run in its notebook's folder). A parameters cell runs as written, then the
 * values that win are re-applied: `-p` overrides of the parameters that notebook owns and, in a
 * referenced notebook, the root's parameters (the root's values win over a referenced notebook's
 * own). `skip` and `pipeline-metrics` cells do not run; metrics are printed at the end. Cells the
 * plan does not run (none, in a correct plan) are returned as `dropped`.
 */
export async function composedReferenceScript(plan: Plan, overrides: Record<string, ParamValue> = {}): Promise<{ script: string; dropped: string[] }> {
  const blocks = new Map<string, string>();
  for (const s of plan.steps) for (const b of s.code) blocks.set(blockKey(b), b.source);
  const value = (p: Plan["parameters"][number]) => `${p.name} = ${pyLiteral(p.name in overrides ? overrides[p.name]! : p.default, p.type)}`;
  const rootFile = plan.source.file;
  const out = [DISPLAY_HELPER, "import os as __nbbuild_os"];
  const dropped: string[] = [];
  let dir: string | undefined;
  for (const c of await readingOrder(plan)) {
    if (c.tags.includes("skip") || c.tags.includes("pipeline-metrics")) continue;
    const key = cellKey(c.file, c.index);
    let source: string;
    if (c.tags.includes("pipeline-parameters")) {
      const wins = plan.parameters.filter((p) => (p.source.file === c.file && p.name in overrides) || (c.file !== rootFile && p.source.file === rootFile));
      source = [c.source, ...wins.map(value)].join("\n");
    } else if (blocks.has(key)) {
      source = blocks.get(key)!;
    } else {
      if (c.source.trim()) dropped.push(key);
      continue;
    }
    const cellDir = path.posix.dirname(c.file);
    if (cellDir !== dir) out.push(`__nbbuild_os.chdir(${JSON.stringify(path.posix.join(REF_WORK, cellDir))})`);
    dir = cellDir;
    out.push(`__nbbuild_cell(${JSON.stringify(key)}, ${JSON.stringify(source)})`);
  }
  out.push(...metricsLines(plan));
  return { script: out.join("\n") + "\n", dropped };
}

/** What the reference run printed, per cell (keyed by `cellKey`), and the metric values at the end. */
export interface ReferenceResult {
  exitCode: number;
  cells: Map<string, string[]>;
  metrics: Record<string, unknown>;
  lines: string[];
}

/**
 * Runs a reference program (default: `referenceScript` of a single notebook) in `image` with the
 * same isolation as a pipeline step; the plan's folder is its working directory.
 */
export async function referenceRun(plan: Plan, image: string, overrides: Record<string, ParamValue> = {}, script = referenceScript(plan, overrides)): Promise<ReferenceResult> {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), "nbbuild-ref-"));
  try {
    const work = path.join(tmp, "work");
    await fs.cp(plan.root, work, {
      recursive: true,
      filter: (src) => !src.split(path.sep).includes(".nbbuild"),
    });
    await fs.writeFile(path.join(tmp, "reference.py"), script);
    await chmodTree(tmp);
    const lines: string[] = [];
    const r = await new DockerRunner().run(
      {
        name: `nbbuild-ref-${randomInt(1e9)}`,
        image,
        command: ["python3", "-u", "/nbbuild-ref/reference.py"],
        args: [],
        env: { HOME: "/tmp", MPLBACKEND: "Agg" },
        binds: [
          { host: work, container: REF_WORK, readOnly: false },
          { host: path.join(tmp, "reference.py"), container: "/nbbuild-ref/reference.py", readOnly: true },
        ],
        user: `${randomInt(100_000, 2_000_000)}:0`,
        tmpfsSize: "1g",
        labels: { "nbbuild.test": "reference" },
        workdir: REF_WORK,
      },
      { onLine: (l) => lines.push(l), signal: new AbortController().signal, timeoutMs: 600_000 },
    );
    const cells = new Map<string, string[]>();
    let current: string[] | undefined;
    let metrics: Record<string, unknown> = {};
    for (const l of lines) {
      if (l.startsWith(CELL_MARK)) cells.set(l.slice(CELL_MARK.length), (current = []));
      else if (l.startsWith(METRICS_MARK)) metrics = JSON.parse(l.slice(METRICS_MARK.length)) as Record<string, unknown>;
      else current?.push(l);
    }
    return { exitCode: r.exitCode, cells, metrics, lines };
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

/** The lines a step is expected to print: the reference output of the cells it runs. */
export function expectedStepOutput(plan: Plan, step: string, ref: ReferenceResult): string[] {
  const s = plan.steps.find((x) => x.name === step)!;
  return s.code.flatMap((b) => ref.cells.get(blockKey(b)) ?? []);
}

/** Copies a notebook (alone, or with its whole folder) into a fresh folder under `parent`; returns the copy's path. */
export async function stage(parent: string, src: string, wholeFolder = false): Promise<string> {
  const dir = await fs.mkdtemp(path.join(parent, path.basename(src, ".ipynb") + "-"));
  if (wholeFolder) await fs.cp(path.dirname(src), dir, { recursive: true, filter: (p) => !p.includes(`${path.sep}.nbbuild`) });
  else await fs.copyFile(src, path.join(dir, path.basename(src)));
  return path.join(dir, path.basename(src));
}

/** Builds a plan's images and writes its build record (the S2I tests pass `buildImagesS2I`). */
export type BuildStage = (plan: Plan) => Promise<unknown>;

/**
 * `nbbuild image` (or a given build stage) then `nbbuild run` (docker), collecting each task's
 * printed lines. The oci engine pushes to the test registry (its images reach the runner by
 * digest, as on a cluster).
 */
export async function pipelineRun(nb: string, base: string, params: string[] = [], engineName: "docker" | "oci" | BuildStage = "docker"): Promise<{ plan: Plan; run: RunResult; lines: Map<string, string[]> }> {
  const plan = await loadPlan(nb);
  if (typeof engineName === "function") await engineName(plan);
  else {
    const engine = await makeBuilder(engineName);
    const push = engineName === "oci" ? `${process.env.NBBUILD_TEST_REGISTRY ?? "127.0.0.1:5000"}/nbbuild-e2e-eq-oci-${randomInt(1e9)}` : undefined;
    await buildImages(plan, { engine, base, push });
  }
  const lines = new Map<string, string[]>();
  const run = await runPipeline(nb, {
    params,
    handleSignals: false,
    parallel: 2,
    onEvent: (e) => {
      if (e.type === "line") lines.set(e.step, [...(lines.get(e.step) ?? []), e.line]);
    },
  });
  return { plan, run, lines };
}

/** A step's own printed output: its log without the runner's `nbbuild:` lines. */
export const printed = (lines: string[] | undefined) => (lines ?? []).filter((l) => !l.startsWith("nbbuild:"));

async function chmodTree(dir: string): Promise<void> {
  await fs.chmod(dir, 0o777);
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) await chmodTree(p);
    else await fs.chmod(p, 0o666);
  }
}
