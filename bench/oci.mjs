#!/usr/bin/env node
// Engine bench: for a 10-step notebook and a 61-step chain (one `block:` per step, each using the
// previous step's value) prints cold build, no-op and one-cell edit — each with push to the
// 127.0.0.1 registry — for the oci engine (registry requests and bytes pushed counted by its
// client), docker and buildah, plus plain `docker build` of one Dockerfile per step (FROM base;
// COPY the step's code; USER 1001; no push), and the ratios. The plain edit is measured twice:
// rebuilding every step's Dockerfile after the edit (what a script does; docker's cache makes the
// unchanged ones quick) and only the changed step's (as if one knew which). buildah uses a store
// of the bench's own (overlay where the kernel mounts one; under vfs every image is a full
// root-file-system copy, so buildah is then left out).
// Needs the compiled sources and the stack: npm run build && NBBUILD_BASE=<ref> node bench/oci.mjs
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { buildImages } from "../dist/images/build-images.js";
import { makeBuilder } from "../dist/engines/factory.js";
import { OciBuilder } from "../dist/engines/oci/builder.js";
import { loadPlan } from "../dist/readers.js";

const REGISTRY = process.env.NBBUILD_REGISTRY_ADDR ?? "127.0.0.1:5000";
const RUN = randomBytes(3).toString("hex");

function baseRef() {
  if (process.env.NBBUILD_BASE) return process.env.NBBUILD_BASE;
  const out = execFileSync("bash", [resolve(import.meta.dirname, "../.ci/stack.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], timeout: 900_000 });
  const m = /NBBUILD_BASE=(\S+)/.exec(out);
  if (!m) throw new Error("set NBBUILD_BASE (the stack did not print it)");
  return m[1];
}

/** A chain notebook: step i computes v<i> from v<i-1>. `edit` changes the middle step's code. */
function notebook(steps, edit = 0) {
  const mid = Math.floor(steps / 2);
  const cells = Array.from({ length: steps }, (_, i) => ({
    cell_type: "code", id: `c${i}`, metadata: { tags: i === 0 ? [`block:s${i}`] : [`block:s${i}`, `prev:s${i - 1}`] }, execution_count: null, outputs: [],
    // The run id makes every content hash new, so "cold" is cold for the daemon too (not cached by an earlier run).
    source: i === 0 ? `# bench ${RUN}\nv0 = 1\nprint(v0)\n` : `v${i} = v${i - 1} + ${i === mid ? 1 + edit : 1}\nprint(v${i})\n`,
  }));
  return JSON.stringify({ cells, metadata: { kernelspec: { name: "python3", display_name: "Python 3", language: "python" } }, nbformat: 4, nbformat_minor: 5 });
}

const secs = (t0) => (performance.now() - t0) / 1000;

async function timeBuild(nb, engine, push) {
  const plan = await loadPlan(nb);
  const t0 = performance.now();
  const before = engine instanceof OciBuilder ? engine.traffic() : undefined;
  await buildImages(plan, { engine, base: BASE, push, env: { SOURCE_DATE_EPOCH: "1700000000" } });
  const after = engine instanceof OciBuilder ? engine.traffic() : undefined;
  return { s: secs(t0), requests: after ? after.requests - before.requests : undefined, bytes: after ? after.bytesPushed - before.bytesPushed : undefined };
}

/** Cold, no-op and one-cell edit for one engine on a fresh copy of the notebook. */
async function engineRow(name, steps, dir) {
  const nb = join(dir, `${name}-${steps}`, "chain.ipynb");
  mkdirSync(join(dir, `${name}-${steps}`));
  writeFileSync(nb, notebook(steps));
  const engine = name === "oci" ? new OciBuilder({ storeDir: join(dir, `store-${steps}`) }) : await makeBuilder(name);
  const push = `${REGISTRY}/nbbuild-bench-${RUN}/${name}${steps}`;
  const cold = await timeBuild(nb, engine, push);
  const noop = await timeBuild(nb, engine, push);
  writeFileSync(nb, notebook(steps, 1));
  const edit = await timeBuild(nb, engine, push);
  await engine.close();
  return { cold, noop, edit };
}

/** Plain docker build of one Dockerfile per step (cold: all of them; edit: the changed one). */
function plainDocker(steps, dir) {
  const root = join(dir, `plain-${steps}`);
  const build = (i, edit) => {
    const d = join(root, `s${i}`);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, "step.py"), `# bench ${RUN}\nv = ${i} + ${edit}\nprint(v)\n`);
    writeFileSync(join(d, "Dockerfile"), `FROM ${BASE}\nCOPY step.py /opt/app-root/nbbuild/step.py\nUSER 1001\n`);
    execFileSync("docker", ["build", "-q", "-t", `nbbuild-bench-plain-${RUN}-s${i}`, d], { stdio: "ignore", timeout: 600_000 });
  };
  let t0 = performance.now();
  for (let i = 0; i < steps; i++) build(i, 0);
  const cold = secs(t0);
  const mid = Math.floor(steps / 2);
  t0 = performance.now();
  for (let i = 0; i < steps; i++) build(i, i === mid ? 1 : 0);
  const editAll = secs(t0);
  t0 = performance.now();
  build(mid, 2);
  return { cold, editAll, edit: secs(t0) };
}

/** buildah gets a store of the bench's own: overlay when this kernel mounts one, else none (vfs is minutes per image). */
function benchStorage(dir) {
  const probe = join(dir, "overlay-probe");
  for (const d of ["lower", "upper", "work", "merged"]) mkdirSync(join(probe, d), { recursive: true });
  const ok = spawnSync("mount", ["-t", "overlay", "overlay", "-o", `lowerdir=${probe}/lower,upperdir=${probe}/upper,workdir=${probe}/work`, join(probe, "merged")], { stdio: "ignore", timeout: 10_000 }).status === 0;
  if (!ok) return false;
  spawnSync("umount", [join(probe, "merged")], { stdio: "ignore", timeout: 10_000 });
  process.env.NBBUILD_STORAGE_ROOT = join(dir, "containers-storage");
  process.env.NBBUILD_STORAGE_DRIVER = "overlay";
  return true;
}

const BASE = baseRef();
const dir = mkdtempSync(join(tmpdir(), "nbbuild-bench-oci-"));
const withBuildah = benchStorage(dir);
if (!withBuildah) console.error("buildah left out: this kernel mounts no overlay for its store");
const fmt = (x) => (x === undefined ? "—" : typeof x === "number" ? x.toFixed(2) : x);
try {
  const lines = ["| notebook | engine | cold s | no-op s | edit s | edit requests | edit bytes pushed |", "|---|---|---|---|---|---|---|"];
  for (const steps of (process.env.BENCH_STEPS ?? "10,61").split(",").map(Number)) {
    const oci = await engineRow("oci", steps, dir);
    const docker = await engineRow("docker", steps, dir);
    const buildah = withBuildah ? await engineRow("buildah", steps, dir) : undefined;
    const plain = plainDocker(steps, dir);
    lines.push(`| ${steps} steps | oci | ${fmt(oci.cold.s)} | ${fmt(oci.noop.s)} | ${fmt(oci.edit.s)} | ${oci.edit.requests} (no-op ${oci.noop.requests}) | ${oci.edit.bytes} |`);
    lines.push(`| ${steps} steps | docker | ${fmt(docker.cold.s)} | ${fmt(docker.noop.s)} | ${fmt(docker.edit.s)} | — | — |`);
    if (buildah) lines.push(`| ${steps} steps | buildah (overlay) | ${fmt(buildah.cold.s)} | ${fmt(buildah.noop.s)} | ${fmt(buildah.edit.s)} | — | — |`);
    lines.push(`| ${steps} steps | plain docker build, every step's Dockerfile after the edit (no push) | ${fmt(plain.cold)} | — | ${fmt(plain.editAll)} | — | — |`);
    lines.push(`| ${steps} steps | plain docker build, only the changed step's Dockerfile (no push) | | — | ${fmt(plain.edit)} | — | — |`);
    lines.push(`| ${steps} steps | ratio plain (every Dockerfile) edit / oci edit | | | ${(plain.editAll / oci.edit.s).toFixed(1)}× | | |`);
    lines.push(`| ${steps} steps | ratio plain (changed Dockerfile only) edit / oci edit | | | ${(plain.edit / oci.edit.s).toFixed(1)}× | | |`);
    lines.push(`| ${steps} steps | ratio docker edit / oci edit | | | ${(docker.edit.s / oci.edit.s).toFixed(1)}× | | |`);
    if (buildah) lines.push(`| ${steps} steps | ratio buildah edit / oci edit | | | ${(buildah.edit.s / oci.edit.s).toFixed(1)}× | | |`);
    console.error(lines.slice(-(buildah ? 9 : 7)).join("\n"));
  }
  console.log(lines.join("\n"));
} finally {
  if (withBuildah) for (const cmd of [["rm", "--all"], ["rmi", "--all", "--force"]]) spawnSync("buildah", ["--root", process.env.NBBUILD_STORAGE_ROOT, "--runroot", join(process.env.NBBUILD_STORAGE_ROOT, "run"), "--storage-driver", "overlay", ...cmd], { stdio: "ignore", timeout: 600_000 });
  rmSync(dir, { recursive: true, force: true });
}
