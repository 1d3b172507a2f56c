#!/usr/bin/env node
// CLI start-up figures: `nbbuild --help` and `nbbuild plan` of a 61-step chain notebook (one
// block: per step with prev:, each using the previous step's value), median of 7 runs of the built CLI,
// next to a bare `node -e ""` on the same machine. Targets: --help <= 0.12 s, plan <= 0.2 s.
// Needs the compiled CLI: npm run build && node bench/startup.mjs
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

const CLI = new URL("../bin/nbbuild.js", import.meta.url).pathname;
const RUNS = Number(process.env.RUNS ?? 7);

function chain(steps) {
  const cell = (tags, source) => ({ cell_type: "code", metadata: { tags }, outputs: [], execution_count: null, source });
  const cells = [cell(["block:s0"], "v0 = 1")];
  for (let s = 1; s < steps; s++) cells.push(cell([`block:s${s}`, `prev:s${s - 1}`], `v${s} = v${s - 1} + 1`));
  return { cells, metadata: { kernelspec: { name: "python3", language: "python", display_name: "Python 3" } }, nbformat: 4, nbformat_minor: 5 };
}

function median(args) {
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    execFileSync(process.execPath, args, { stdio: ["ignore", "ignore", "inherit"] });
    times.push((performance.now() - t0) / 1000);
  }
  return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)];
}

const dir = mkdtempSync(join(tmpdir(), "nbbuild-startup-"));
try {
  const nb = join(dir, "chain.ipynb");
  writeFileSync(nb, JSON.stringify(chain(61)));
  const node = median(["-e", ""]);
  const help = median([CLI, "--help"]);
  const plan = median([CLI, "plan", nb]);
  console.log(`node -e "" (machine baseline)  ${node.toFixed(3)} s`);
  console.log(`nbbuild --help                 ${help.toFixed(3)} s  (target <= 0.12 s)`);
  console.log(`nbbuild plan (61-step chain)   ${plan.toFixed(3)} s  (target <= 0.2 s)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
