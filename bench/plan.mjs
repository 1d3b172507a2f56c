#!/usr/bin/env node
// Plans a generated 300-step / 3,000-cell notebook and prints the time (target: well under 1 s).
// Needs the compiled CLI: npm run build && node bench/plan.mjs
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { planNotebook } from "../dist/notebook/compile.js";

const STEPS = Number(process.env.STEPS ?? 300);
const CELLS_PER_STEP = 10;

function notebook() {
  const cells = [
    { cell_type: "code", id: "imports", metadata: { tags: ["imports"] }, outputs: [], execution_count: null, source: "import math\nimport json\n" },
    { cell_type: "code", id: "params", metadata: { tags: ["pipeline-parameters"] }, outputs: [], execution_count: null, source: "SEED = 1\nRATE = 0.5\n" },
  ];
  for (let s = 0; s < STEPS; s++) {
    // each step depends on the previous one and, every third step, on the one three back (a wide DAG)
    const tags = [`step:s${s}`];
    if (s > 0) tags.push(`prev:s${s - 1}`);
    if (s > 2 && s % 3 === 0) tags.push(`prev:s${s - 3}`);
    for (let c = 0; c < CELLS_PER_STEP; c++) {
      const reads = s > 0 ? `v${s - 1}_${c} + ` : "";
      const far = s > 2 && s % 3 === 0 && c === 0 ? `w${s - 3} + ` : "";
      const source = [
        `v${s}_${c} = ${reads}${far}SEED * ${c}`,
        `tmp = [x * RATE for x in range(${c + 1})]`,
        `def f${s}_${c}(a, b=${c}):`,
        `    return math.sqrt(a + b) + len(tmp)`,
        c === 0 ? `w${s} = {'k': v${s}_${c}}` : `w${s}['c${c}'] = f${s}_${c}(${c})`,
      ].join("\n");
      cells.push({ cell_type: "code", id: `s${s}c${c}`, metadata: c === 0 ? { tags } : {}, outputs: [], execution_count: null, source });
    }
  }
  cells.push({ cell_type: "code", id: "metrics", metadata: { tags: ["pipeline-metrics"] }, outputs: [], execution_count: null, source: `print(v${STEPS - 1}_0)\n` });
  return { cells, metadata: { kernelspec: { name: "python3", language: "python", display_name: "Python 3" } }, nbformat: 4, nbformat_minor: 5 };
}

const dir = mkdtempSync(join(tmpdir(), "nbbuild-bench-"));
try {
  const file = join(dir, "big.ipynb");
  const nb = notebook();
  writeFileSync(file, JSON.stringify(nb));
  await planNotebook(file); // warm-up (JIT, module loading)
  const runs = [];
  let plan;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    plan = await planNotebook(file);
    runs.push(performance.now() - t0);
  }
  runs.sort((a, b) => a - b);
  const edges = plan.steps.reduce((n, s) => n + s.after.length, 0);
  const inputs = plan.steps.reduce((n, s) => n + s.inputs.length, 0);
  console.log(`plan: ${plan.steps.length} steps, ${nb.cells.length} cells, ${edges} edges, ${inputs} inputs`);
  console.log(`planning time: median ${runs[2].toFixed(1)} ms, best ${runs[0].toFixed(1)} ms, worst ${runs[4].toFixed(1)} ms (5 runs after a warm-up)`);
  if (runs[2] > 1000) {
    console.error("FAIL: median planning time is over 1 s");
    process.exitCode = 1;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
