import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Plan } from "../plan/types.js";
import type { Provenance } from "../render/types.js";
import { stripCredentials } from "../render/pip.js";


function git(cwd: string, args: string[]): string {
  try {
    return execFileSync("git", ["-C", cwd, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 10_000 }).trim();
  } catch {
    return "";
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
