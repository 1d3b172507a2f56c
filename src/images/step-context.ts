/**
 * `nbbuild context`: writes the build contexts of one step, byte for byte as the engines receive
 * them, into a folder that `docker build`, `buildah bud` or an OpenShift Docker-strategy build can
 * consume. Credentials never reach the folder: pip settings without credentials travel as build
 * args read from the environment by the generated build.sh; with credentials, the wheels are
 * fetched on this machine into deps/ and the build needs neither credentials nor network.
 */
import { chmodSync, existsSync, lutimesSync, readdirSync, renameSync, rmSync, utimesSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import type { BuildContextFiles, Builder, ContextFile } from "../engines/engine.js";
import { writeContextDir } from "../engines/containers-cli.js";
import { NbbuildError } from "../errors.js";
import type { BuildInputs } from "./build-inputs.js";
import type { Diagnostic, Plan } from "../plan/types.js";
import { pipBuildArgs, stripCredentials } from "../render/pip.js";
import { readProvenance } from "./provenance.js";
import { renderStep } from "../render/render-step.js";
import type { ResolvedBase } from "../render/types.js";
import { resolveBases } from "./build-images.js";
import { probeRunnerFor, withWheels } from "./wheelhouse.js";

/** Name of the manifest at the top of a written context folder. */
export const CONTEXT_MANIFEST = "nbbuild-context.json";
export const CONTEXT_VERSION = 1 as const;

/** One build of the chain, in the order it must run (each FROM names the previous tag). */
export interface ContextBuild {
  /** "deps" (dependency image), "src" (the step's folder), "step" (runner + step code). */
  name: "deps" | "src" | "step";
  /** Sub-folder of the written context holding this build's files. */
  dir: string;
  /** Containerfile path inside `dir`. */
  containerfile: string;
  /** Tag nbbuild gives this image; the next build's FROM names it. */
  tag: string;
  /** Build-arg names the build expects (values come from the environment, never from files). */
  buildArgs: string[];
  /** Network the RUN instructions need ("host": pip may reach a 127.0.0.1 index). */
  network: "host" | "none";
}

/** What `writeStepContext` wrote (also the manifest's content). */
export interface StepContextManifest {
  contextVersion: typeof CONTEXT_VERSION;
  plan: string;
  step: string;
  contentHash: string;
  dependencyHash: string;
  labels: Record<string, string>;
  builds: ContextBuild[];
}

/** Options of `writeStepContext`. */
export interface StepContextOptions extends BuildInputs {
  /** Resolves (and pins) bases exactly as `nbbuild image` does; without it bases stay as written. */
  engine?: Builder;
  /** Bases already resolved (an S2I build knows its builder's base); used when there is no engine. */
  bases?: Record<string, ResolvedBase>;
  onDiagnostic?: (d: Diagnostic) => void;
  env?: NodeJS.ProcessEnv;
}

/** Quotes a value for POSIX sh. */
const shq = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;

/** The build.sh of a context: the builds of the manifest, in order, with the engine of choice. */
function buildScript(m: StepContextManifest, publicArgs: Record<string, string>): string {
  const lines = [
    "#!/bin/sh",
    `# Builds step ${JSON.stringify(m.step)} of plan ${JSON.stringify(m.plan)} from this folder, as \`nbbuild image\` does.`,
    "# ENGINE=docker (default) | podman | buildah; arguments go to every build.",
    "# Pip settings are build args read from the environment (export them to pass credentials);",
    "# the defaults below are the credential-free values the context was rendered with.",
    "set -eu",
    'cd "$(dirname "$0")"',
    'ENGINE="${ENGINE:-docker}"',
  ];
  for (const [k, v] of Object.entries(publicArgs).sort()) lines.push(`: "\${${k}:=${v.replace(/[\\"$`]/g, "\\$&")}}"`, `export ${k}`);
  for (const b of m.builds) {
    const args = b.buildArgs.flatMap((a) => ["--build-arg", a]);
    const net = b.network === "host" ? ["--network", "host"] : [];
    lines.push(["$ENGINE build", ...net, ...args, "-f", shq(`${b.dir}/${b.containerfile}`), "-t", shq(b.tag), '"$@"', shq(b.dir)].join(" "));
  }
  return lines.join("\n") + "\n";
}

/** Sets every entry's mtime to the Unix epoch, as the docker engine's streamed tar does. */
async function zeroTimes(dir: string): Promise<void> {
  // lutimes: a symbolic link's own time, never its target's.
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) lutimesSync(path.join(e.parentPath, e.name), 0, 0);
  utimesSync(dir, 0, 0);
}

/** Replaces `out` by `fresh` (same parent folder) in one rename; an old context is removed after. */
function swapIn(fresh: string, out: string): void {
  if (!existsSync(out)) return renameSync(fresh, out);
  const entries = readdirSync(out);
  if (entries.length && !entries.includes(CONTEXT_MANIFEST)) {
    rmSync(fresh, { recursive: true, force: true });
    throw NbbuildError.at({ file: out }, "the output folder exists and is not an nbbuild context", "pass -o a new or empty folder, or one nbbuild context wrote before");
  }
  const old = `${out}.old-${process.pid}-${Date.now()}`;
  renameSync(out, old);
  renameSync(fresh, out);
  rmSync(old, { recursive: true, force: true });
}

/**
 * Renders step `stepName` of `plan` and writes its build contexts into `out` atomically (a
 * temporary sibling folder renamed into place): `deps/`, `src/` (when the folder has files),
 * `step/`, the manifest and build.sh. Returns the manifest.
 */
export async function writeStepContext(plan: Plan, stepName: string, out: string, opts: StepContextOptions = {}): Promise<StepContextManifest> {
  const step = plan.steps.find((s) => s.name === stepName);
  if (!step) {
    throw NbbuildError.at({ file: plan.source.file }, `no step named "${stepName}"`, `use one of: ${plan.steps.map((s) => s.name).join(", ")}`);
  }
  const env = opts.env ?? process.env;
  let bases = opts.bases;
  if (opts.engine) bases = await resolveBases({ ...plan, steps: [step] }, { engine: opts.engine, base: opts.base, imageMap: opts.imageMap, env });
  const r = renderStep(plan, step, {
    base: opts.base,
    imageMap: opts.imageMap,
    bases,
    requirementsFile: opts.requirementsFile,
    pip: opts.pip,
    provenance: readProvenance(plan, env),
    env,
  });
  for (const d of r.diagnostics) opts.onDiagnostic?.(d);

  // With credentials the wheels are fetched here, now, into deps/: build.sh then needs no
  // credential and no network. Without, pip settings travel as build-arg names.
  const deps = r.deps.wheelhouse ? await withWheels(r.deps, opts.pip ?? {}, await probeRunnerFor(opts.engine)) : r.deps;
  const pipArgs = r.deps.wheelhouse ? {} : pipBuildArgs(opts.pip ?? {});
  const argNames = Object.keys(pipArgs).sort();
  const publicArgs = Object.fromEntries(Object.entries(pipArgs).map(([k, v]) => [k, stripCredentials(v)]));
  type Part = [ContextBuild["name"], BuildContextFiles & { tag: string }, string[], ContextBuild["network"]];
  const parts: Part[] = [["deps", deps, argNames, r.deps.wheelhouse ? "none" : "host"]];
  if (r.folder) parts.push(["src", r.folder, [], "none"]);
  parts.push(["step", r, [], "none"]);
  const manifest: StepContextManifest = {
    contextVersion: CONTEXT_VERSION,
    plan: plan.name,
    step: step.name,
    contentHash: r.contentHash,
    dependencyHash: r.deps.hash,
    labels: r.labels,
    builds: parts.map(([name, c, buildArgs, network]) => ({ name, dir: name, containerfile: c.containerfile, tag: c.tag, buildArgs, network })),
  };
  const files: ContextFile[] = parts.flatMap(([name, c]) => c.files.map((f) => ({ ...f, path: `${name}/${f.path}` })));
  files.push({ path: CONTEXT_MANIFEST, data: Buffer.from(JSON.stringify(manifest, null, 2) + "\n"), mode: 0o664 });
  files.push({ path: "build.sh", data: Buffer.from(buildScript(manifest, publicArgs)), mode: 0o775 });

  const target = path.resolve(out);
  const fresh = await writeContextDir({ files, containerfile: CONTEXT_MANIFEST }, path.dirname(target));
  try {
    // mkdtemp made it 0700; the context is as readable as its files: a private file (one the
    // owner kept from others, re-included by .nbbuildignore) keeps the whole folder private.
    chmodSync(fresh, files.some((f) => f.linkTarget === undefined && !(f.mode & 0o004)) ? 0o700 : 0o775);
    await zeroTimes(fresh);
    swapIn(fresh, target);
  } catch (err) {
    rmSync(fresh, { recursive: true, force: true });
    throw err;
  }
  return manifest;
}

/** Lines the CLI prints after writing a context: the builds in order and how to run them. */
export function describeContext(m: StepContextManifest, dir: string): string {
  return m.builds.map((b, i) => `${i + 1}. ${b.name.padEnd(4)} ${path.join(dir, b.dir)} → ${b.tag}`).join("\n") + `\nbuild: sh ${path.join(dir, "build.sh")}\n`;
}
