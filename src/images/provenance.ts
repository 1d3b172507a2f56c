import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Plan } from "../plan/types.js";
import type { Provenance } from "../render/types.js";
import { stripCredentials } from "../render/pip.js";


function gitIn(cwd: string, args: string[]): string {
  try {
    return execFileSync("git", ["-C", cwd, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 10_000 }).trim();
  } catch {
    return "";
  }
}

/** True when `dir` or a folder above it holds `.git` (or GIT_DIR is set): only then is git asked. */
function inGitCheckout(dir: string, env: NodeJS.ProcessEnv): boolean {
  if (env.GIT_DIR) return true;
  // Bounded by the depth of the path: dirname of the root is the root.
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (existsSync(path.join(d, ".git"))) return true;
    if (path.dirname(d) === d) return false;
  }
}

/**
 * Reads the provenance of a plan from git and the environment (reproducible: no wall clock).
 * It lives with the build stage, not the renderer: the renderer is pure and takes the result as input.
 */
export function readProvenance(plan: Plan, env: NodeJS.ProcessEnv = process.env): Provenance {
  const file = path.join(plan.root, plan.source.file);
  let notebookDigest = "";
  try {
    notebookDigest = `sha256:${createHash("sha256").update(readFileSync(file)).digest("hex")}`;
  } catch {
    /* a hand-made plan without its file */
  }
  // Three git processes cost more than rendering a whole plan: skip them outside a checkout.
  const git = inGitCheckout(plan.root, env) ? gitIn : () => "";
  const revision = git(plan.root, ["rev-parse", "HEAD"]);
  const remote = git(plan.root, ["remote", "get-url", "origin"]);
  const epochText = env.SOURCE_DATE_EPOCH || git(plan.root, ["log", "-1", "--format=%ct", "--", plan.source.file]);
  const epoch = Number.parseInt(epochText, 10);
  return {
    source: remote ? stripCredentials(remote) : plan.source.file,
    revision,
    created: new Date((Number.isFinite(epoch) ? epoch : 0) * 1000).toISOString().replace(/\.000Z$/, "Z"),
    notebookDigest,
  };
}
