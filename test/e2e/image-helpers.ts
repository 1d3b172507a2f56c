/**
 * Helpers of the image e2e tests: the wine plan (from the compiler when it works, else built by
 * hand from the notebook's cells), copies of examples in temporary folders, docker/skopeo calls.
 */
import { execFileSync } from "node:child_process";
import { execa } from "execa";
import { cpSync } from "node:fs";
import path from "node:path";
import { loadPlan } from "../../src/readers.js";
import type { Plan } from "../../src/plan/types.js";
import { handWinePlan } from "../unit/render/wine-plan.js";
import { tempDir } from "../support/temp.js";

export { handWinePlan };

export const REPO = path.resolve(import.meta.dirname, "../..");
export const BASE = process.env.NBBUILD_TEST_BASE ?? "";
export const REGISTRY = process.env.NBBUILD_TEST_REGISTRY ?? "127.0.0.1:5000";

/** Copies examples/<name> into a fresh temporary folder (not a git checkout) and returns it. */
export function copyExample(name: string): string {
  const dir = tempDir(`nbbuild-${name}-`);
  cpSync(path.join(REPO, "examples", name), dir, { recursive: true, filter: (src) => !src.endsWith("/.nbbuild") });
  return dir;
}

/** The wine plan: the compiler's when it works, else the hand-made one. */
export async function winePlan(dir: string): Promise<Plan> {
  try {
    return await loadPlan(path.join(dir, "wine.ipynb"));
  } catch {
    return handWinePlan(dir);
  }
}

/**
 * `sh` for commands that may run longer than a minute (pulls, pushes, saves, builds): a
 * synchronous call would block the test worker, and vitest's worker RPC gives up after 60 s
 * ("[vitest-worker]: Timeout calling onTaskUpdate"), failing the run although every test passed.
 */
export async function shAsync(cmd: string, args: string[], timeout = 300_000): Promise<string> {
  const r = await execa(cmd, args, { timeout, maxBuffer: 512 * 1024 * 1024, stdin: "ignore", reject: false });
  if (r.exitCode !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (exit ${r.exitCode}${r.timedOut ? ", timed out" : ""}):\n${r.stderr}`);
  return String(r.stdout);
}

/** Runs a command and returns its stdout (throws with stderr on failure); for short commands only (see shAsync). */
export function sh(cmd: string, args: string[], timeout = 300_000): string {
  return execFileSync(cmd, args, { encoding: "utf8", timeout, maxBuffer: 512 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] });
}

/** `skopeo inspect` of a registry reference (plain http on loopback). */
export function skopeoInspect(ref: string, raw = false): Record<string, unknown> {
  return JSON.parse(sh("skopeo", ["inspect", "--tls-verify=false", ...(raw ? ["--raw"] : []), `docker://${ref}`])) as Record<string, unknown>;
}

/** Runs a python3 snippet in an image the way OpenShift's restricted SCC would (random uid, group 0, ro root, no network). */
export function runRestricted(image: string, code: string, extra: string[] = []): string {
  return sh("docker", ["run", "--rm", "--user", "123457:0", "--read-only", "--tmpfs", "/tmp", "--network", "none", ...extra, image, "python3", "-c", code]);
}

/**
 * Removes step images a test built with buildah/podman: under vfs each is a full root-file-system
 * copy (1.3 GB here), so repeated runs would pile them up. Docker's overlay2 copies are cheap.
 */
export function dropLocalImages(engine: string, tags: string[]): void {
  if (engine === "docker" || !tags.length) return;
  try {
    sh(engine, ["rmi", "-f", ...tags]);
  } catch {
    /* already gone */
  }
}
