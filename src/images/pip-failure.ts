/**
 * Why a dependency image failed, in the user's terms: pip's own `ERROR:` lines from the install
 * log (ANSI codes stripped), and for each requirement pip could not install, where it was asked
 * for (the notebook cell with the `%pip`/`!pip install` line, a requirements file, or an import).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { formatLocation, type Location } from "../errors.js";
import { failedRequirementNames, pipErrorLines } from "../engines/host-pip.js";
import type { Plan, Step } from "../plan/types.js";
import { normalizeName, requirementName } from "../render/requirements.js";
import type { DependencyContext } from "../render/types.js";

export { failedRequirementNames, pipErrorLines, stripAnsi } from "../engines/host-pip.js";

/** Notebook cells (of the files `step`'s code comes from) whose pip install line names `name`. */
function pipCells(plan: Plan, step: Step, name: string): Location[] {
  const found: Location[] = [];
  for (const file of new Set(step.code.map((b) => b.file))) {
    let cells: { cell_type?: string; id?: string; source?: string | string[] }[];
    try {
      cells = (JSON.parse(readFileSync(path.join(plan.root, file), "utf8")) as { cells?: typeof cells }).cells ?? [];
    } catch {
      continue;
    }
    cells.forEach((c, index) => {
      if (c.cell_type !== "code") return;
      const source = Array.isArray(c.source) ? c.source.join("") : (c.source ?? "");
      const asks = source.split("\n").some((l) => /pip3?\s+install\b/.test(l) && l.split(/[\s'"]+/).some((w) => requirementName(w) === name));
      if (asks) found.push({ file, cellIndex: index, cellId: c.id ?? "" });
    });
  }
  return found;
}

/** Where requirement `name` of a dependency set was asked for, as readable phrases, and the first cell. */
export function requirementOrigins(plan: Plan, steps: readonly Step[], deps: DependencyContext, name: string): { origins: string[]; cell?: Location } {
  const origins = new Set<string>();
  let first: Location | undefined;
  for (const step of steps) {
    if (!step.requirements.some((r) => requirementName(r) === name)) continue;
    const cells = step.kind === "script" ? [] : pipCells(plan, step, name);
    first ??= cells[0];
    if (cells.length) for (const c of cells) origins.add(`${formatLocation(c)} (step ${step.name})`);
    else origins.add(step.kind === "script" ? `the requirements.txt of step ${step.name}` : `a pip install line of step ${step.name}`);
  }
  if (!origins.size && deps.requirementsFile && deps.requirements.some((r) => requirementName(r) === name)) origins.add(deps.requirementsFile);
  for (const i of deps.imports) {
    if (normalizeName(i.distribution) === name) origins.add(`import ${i.module} in step(s) ${steps.map((s) => s.name).join(", ")}`);
  }
  return { origins: [...origins], ...(first ? { cell: first } : {}) };
}

/**
 * The explanation of a failed dependency install: pip's error lines and the origin of each
 * requirement they name (`cell`: the first cell that asked for one); undefined when the log holds
 * no pip error (the engine's message is then the best there is).
 */
export function explainInstallFailure(plan: Plan, steps: readonly Step[], deps: DependencyContext, log: readonly string[]): { text: string; cell?: Location } | undefined {
  const errors = pipErrorLines(log);
  if (!errors.length) return undefined;
  const lines = errors.map((e) => `  ${e}`);
  let cell: Location | undefined;
  for (const name of failedRequirementNames(errors)) {
    const found = requirementOrigins(plan, steps, deps, name);
    cell ??= found.cell;
    if (found.origins.length) lines.push(`  ${name} was asked for by ${found.origins.join("; ")}`);
  }
  return { text: lines.join("\n"), ...(cell ? { cell } : {}) };
}
