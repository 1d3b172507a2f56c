/**
 * Renders a step's generated Python module (templates/step.py.hbs): pure data the runner reads —
 * `STEP = {...}` and the cells in run order, each preceded by comments naming the notebook cell.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import Handlebars from "handlebars";
import { stepIo } from "../contract.js";
import type { Plan, Step } from "../plan/types.js";
import { PACKAGE_ROOT, VERSION } from "../version.js";

type PyValue = null | boolean | number | string | PyValue[] | { [key: string]: PyValue };

/** A Python string literal that is also a JSON string literal (line separators escaped). */
export function pyString(s: string): string {
  return JSON.stringify(s).replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/** A Python literal for JSON-like data (dict keys in insertion order). */
export function pyLiteral(v: PyValue): string {
  if (v === null) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new Error(`cannot render non-finite number ${v} in a step module`);
    return JSON.stringify(v);
  }
  if (typeof v === "string") return pyString(v);
  if (Array.isArray(v)) return `[${v.map((x) => pyLiteral(x)).join(", ")}]`;
  const entries = Object.entries(v);
  if (!entries.length) return "{}";
  return `{${entries.map(([k, x]) => `${pyString(k)}: ${pyLiteral(x)}`).join(", ")}}`;
}

/** Makes text safe inside a one-line Python comment (no line breaks, no NUL or control chars). */
function commentSafe(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u0085\u2028\u2029]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

let compiled: HandlebarsTemplateDelegate | undefined;
function template(): HandlebarsTemplateDelegate {
  compiled ??= Handlebars.create().compile(readFileSync(path.join(PACKAGE_ROOT, "templates", "step.py.hbs"), "utf8"), {
    noEscape: true,
    strict: true,
  });
  return compiled;
}

/** Path of the script relative to the step's working folder (what the runner runs). */
function scriptInWorkdir(step: Step): string | null {
  if (!step.script) return null;
  const dir = step.context.dir === "." ? "" : step.context.dir;
  return dir ? path.posix.relative(dir, step.script) : step.script;
}

/** The `STEP` dict the runner reads. */
export function stepDescription(plan: Plan, step: Step): { [key: string]: PyValue } {
  const types = new Map(plan.parameters.map((p) => [p.name, p.type]));
  return {
    name: step.name,
    kind: step.kind,
    script: scriptInWorkdir(step),
    notebook: step.source.file,
    parameters: Object.fromEntries(step.parameters.map((n) => [n, types.get(n) ?? "STRING"])),
    inputs: step.inputs.map((i) => i.name),
    outputs: [...step.outputs],
    metrics: [...step.metrics],
    fileOutputs: [...step.fileOutputs],
    uiOutputs: step.uiOutputs,
    report: step.report,
    // Names of the outputs the runner fills itself (metrics, confusion matrix), by runner flag.
    outputArtifacts: Object.fromEntries(
      stepIo(step).artifacts.filter((a) => a.direction === "out" && a.flag !== "--output").map((a) => [a.flag.slice(2), a.name]),
    ),
  };
}

/** Renders the generated step module (byte-stable for a given Plan and step). */
export function renderStepModule(plan: Plan, step: Step): string {
  const desc = stepDescription(plan, step);
  const stepLiteral = `{\n${Object.entries(desc)
    .map(([k, v]) => `    ${pyString(k)}: ${pyLiteral(v)},`)
    .join("\n")}\n}`;
  const cells = step.code.map((b) => {
    const id = b.cell.id ? ` (id ${b.cell.id})` : "";
    const lines = b.source.split(/\r\n|\r|\n/);
    if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
    return {
      header: commentSafe(`${b.file} cell ${b.cell.index}${id}, ${b.role}`),
      comment: lines.map((l) => (l ? ` ${commentSafe(l)}` : "")),
      literal: pyLiteral({ index: b.cell.index, id: b.cell.id, role: b.role, file: b.file, source: b.source }),
    };
  });
  return template()({
    version: VERSION,
    source: commentSafe(step.source.file),
    name: commentSafe(step.name),
    step: stepLiteral,
    cells,
  });
}
