import { copyFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { runnerTemplatePaths } from "../../../src/render/runner-files.js";
import { TEMPLATES_DIR } from "../../../src/render/templates.js";
import type { BlockRole, CodeBlock, Parameter, Plan, Step } from "../../../src/plan/types.js";
import { neutralPlan, neutralStep } from "../../support/plan-builders.js";

/** A code block of notebook `file` (cell ids "c<index>"). */
export function block(role: BlockRole, index: number, source: string, file = "nb.ipynb"): CodeBlock {
  return { role, file, cell: { index, id: `c${index}` }, source };
}

/** A notebook step with a report and sensible defaults; override any field. */
export function makeStep(over: Partial<Step> & { name: string }): Step {
  return neutralStep(over.name, { report: true, ...over });
}

/** A plan holding `steps` and `parameters`. */
export function makePlan(steps: Step[], parameters: Parameter[] = []): Plan {
  return neutralPlan(steps, "/nowhere", { name: "test", parameters });
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
