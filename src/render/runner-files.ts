/**
 * The runner's files in a step's build context: `nbbuild/runner.py` (the entry point the container
 * command names) and the `nbbuild/nbbuild_runner/` package beside it, in a fixed order.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import type { ContextFile } from "../engines/engine.js";
import { TEMPLATES_DIR, templateBytes } from "./templates.js";

/** Folder of the runner package under templates/. */
export const RUNNER_PACKAGE = "nbbuild_runner";

let templatePaths: string[] | undefined;

/** Template-relative paths of the runner: runner.py, then the package's .py files sorted by name (listed once: the templates ship with nbbuild). */
export function runnerTemplatePaths(): string[] {
  templatePaths ??= [
    "runner.py",
    ...readdirSync(path.join(TEMPLATES_DIR, RUNNER_PACKAGE))
      .filter((n) => n.endsWith(".py"))
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      .map((n) => `${RUNNER_PACKAGE}/${n}`),
  ];
  return templatePaths;
}

/** The runner's context files under `nbbuild/` (mode 0664: group 0 gets the owner's rights). */
export function runnerFiles(): ContextFile[] {
  return runnerTemplatePaths().map((p) => ({ path: `nbbuild/${p}`, data: templateBytes(p), mode: 0o664 }));
}
