import { copyFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { runnerTemplatePaths } from "../../../src/render/runner-files.js";
import { TEMPLATES_DIR } from "../../../src/render/templates.js";
import type { BlockRole, CodeBlock, Parameter, Plan, Step } from "../../../src/plan/types.js";

/** A code block of notebook `file` (cell ids "c<index>"). */
export function block(role: BlockRole, index: number, source: string, file = "nb.ipynb"): CodeBlock {
  return { role, file, cell: { index, id: `c${index}` }, source };
}

/** A notebook step with sensible defaults; override any field. */
export function makeStep(over: Partial<Step> & { name: string }): Step {
  return {
    kind: "notebook",
    after: [],
    cells: [],
    code: [],
    inputs: [],
    outputs: [],
    parameters: [],
    metrics: [],
    fileInputs: [],
    fileOutputs: [],
    fileHints: [],
    context: { dir: "." },
    requirements: [],
    limits: {},
    requests: {},
    env: {},
    secrets: [],
    volumes: [],
    tolerations: [],
    labels: {},
    annotations: {},
    cache: true,
    report: true,
    uiOutputs: false,
    source: { file: "nb.ipynb" },
    ...over,
  };
}

/** A plan holding `steps` and `parameters`. */
export function makePlan(steps: Step[], parameters: Parameter[] = []): Plan {
  return {
    schemaVersion: 1,
    name: "test",
    root: "/nowhere",
    source: { file: "nb.ipynb", kind: "notebook" },
    parameters,
    metrics: [],
    steps,
    volumes: [],
    unassigned: [],
    diagnostics: [],
  };
}

/** A pipeline parameter of `type` with a default. */
export function param(name: string, type: Parameter["type"], dflt: Parameter["default"]): Parameter {
  return { name, type, default: dflt, source: { file: "nb.ipynb" } };
}

/** Copies the runner (runner.py + the nbbuild_runner package) into `dest`, as the image holds it. */
export function copyRunner(dest: string): void {
  for (const p of runnerTemplatePaths()) {
    mkdirSync(path.dirname(path.join(dest, p)), { recursive: true });
    copyFileSync(path.join(TEMPLATES_DIR, p), path.join(dest, p));
  }
}
