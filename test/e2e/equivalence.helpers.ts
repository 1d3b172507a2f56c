/**
 * The reference side of the equivalence proof: the notebook run top to bottom as one plain
 * python3 program in the same base image, built from the Plan's CodeBlocks (so magics are
 * rewritten exactly as in the steps), with markers that attribute printed output to cells.
 */
import { randomInt } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { ParamValue, Plan } from "../../src/plan/types.js";
import { DockerRunner } from "../../src/run/docker.js";

const CELL_MARK = "@@nbbuild-cell ";
const METRICS_MARK = "@@nbbuild-metrics ";

/**
 * Runs one cell's source in the program's globals, as Jupyter does: statements, then a bare last
 * expression (no trailing `;`) whose repr is printed when it is not None. Nothing else differs
 * from plain python3 running the cells one after another.
 */
const DISPLAY_HELPER = `
import ast as __nbbuild_ast, sys as __nbbuild_sys
def __nbbuild_cell(index, source):
    __nbbuild_sys.stdout.write("${CELL_MARK}%d\\n" % index); __nbbuild_sys.stdout.flush()
    tree = __nbbuild_ast.parse(source, "<cell %d>" % index)
    last = None
    if tree.body and isinstance(tree.body[-1], __nbbuild_ast.Expr) and not source.rstrip().endswith(";"):
        last = tree.body.pop()
    exec(compile(tree, "<cell %d>" % index, "exec"), globals())
    if last is not None:
        value = eval(compile(__nbbuild_ast.Expression(last.value), "<cell %d>" % index, "eval"), globals())
        if value is not None:
            print(repr(value))
`.trim();

/** A Python literal for a parameter value of the given type. */
export function pyLiteral(v: ParamValue, type: string): string {
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number") return type === "NUMBER_DOUBLE" && Number.isInteger(v) ? `${v}.0` : String(v);
  return JSON.stringify(v);
}

/** The whole notebook as one program: every non-skipped block once, in cell order, plus markers. */
export function referenceScript(plan: Plan, overrides: Record<string, ParamValue> = {}): string {
  const blocks = new Map<number, { source: string; role: string }>();
  for (const s of plan.steps) for (const b of s.code) blocks.set(b.cell.index, { source: b.source, role: b.role });
  const paramLines = plan.parameters.map((p) => `${p.name} = ${pyLiteral(p.name in overrides ? overrides[p.name] : p.default, p.type)}`);
  const hasParamBlock = [...blocks.values()].some((b) => b.role === "parameters");
  const paramCell = plan.parameters[0]?.source.cells?.[0]?.index ?? -1;
  if (!hasParamBlock && paramLines.length) blocks.set(paramCell, { source: "", role: "parameters" });
  const out = [DISPLAY_HELPER];
  for (const [index, b] of [...blocks.entries()].sort((x, y) => x[0] - y[0])) {
    let source = b.source;
    if (b.role === "parameters") {
      // Overrides are applied after the parameters cell, as the pipeline applies -p values.
      const lines = plan.parameters.filter((p) => !hasParamBlock || p.name in overrides).map((p) => paramLines[plan.parameters.indexOf(p)]);
      source = [source, ...lines].filter(Boolean).join("\n");
    }
    out.push(`__nbbuild_cell(${index}, ${JSON.stringify(source)})`);
  }
  const names = plan.metrics.map((m) => m.name);
  out.push(
    "import json as __nbbuild_json",
    `print(${JSON.stringify(METRICS_MARK)} + __nbbuild_json.dumps({${names.map((n) => `${JSON.stringify(n)}: ${n}`).join(", ")}}, default=float))`,
  );
  return out.join("\n") + "\n";
}

/** What the reference run printed, per cell, and the metric values at the end. */
export interface ReferenceResult {
  exitCode: number;
  cells: Map<number, string[]>;
  metrics: Record<string, unknown>;
  lines: string[];
}

/** Runs the reference program in `image` with the same isolation as a pipeline step. */
export async function referenceRun(plan: Plan, image: string, overrides: Record<string, ParamValue> = {}): Promise<ReferenceResult> {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), "nbbuild-ref-"));
  try {
    const work = path.join(tmp, "work");
    await fs.cp(path.join(plan.root, plan.steps[0].context.dir), work, {
      recursive: true,
      filter: (src) => !src.split(path.sep).includes(".nbbuild"),
    });
    await fs.writeFile(path.join(tmp, "reference.py"), referenceScript(plan, overrides));
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
          { host: work, container: "/nbbuild-ref/work", readOnly: false },
          { host: path.join(tmp, "reference.py"), container: "/nbbuild-ref/reference.py", readOnly: true },
        ],
        user: `${randomInt(100_000, 2_000_000)}:0`,
        tmpfsSize: "1g",
        labels: { "nbbuild.test": "reference" },
        workdir: "/nbbuild-ref/work",
      },
      { onLine: (l) => lines.push(l), signal: new AbortController().signal, timeoutMs: 600_000 },
    );
    const cells = new Map<number, string[]>();
    let current: string[] | undefined;
    let metrics: Record<string, unknown> = {};
    for (const l of lines) {
      if (l.startsWith(CELL_MARK)) cells.set(Number(l.slice(CELL_MARK.length)), (current = []));
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
  return s.code.flatMap((b) => ref.cells.get(b.cell.index) ?? []);
}

async function chmodTree(dir: string): Promise<void> {
  await fs.chmod(dir, 0o777);
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) await chmodTree(p);
    else await fs.chmod(p, 0o666);
  }
}
