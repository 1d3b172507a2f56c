/**
 * The runner in the base image through the local runner's own container path (DockerRunner, the
 * combined log `nbbuild run` shows): a failing cell's printed lines come before its traceback, and
 * modules beside the notebook (or written by `%%writefile`) are importable, as in Jupyter.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STEP_COMMAND } from "../../src/contract.js";
import type { Problem } from "../../src/errors.js";
import { rewriteMagics } from "../../src/notebook/magics.js";
import type { Plan, Step } from "../../src/plan/types.js";
import { renderStepModule } from "../../src/render/step-module.js";
import { DockerRunner } from "../../src/engines/docker-runner.js";
import { block, copyRunner, makePlan, makeStep } from "../unit/runner/fixture.js";

const BASE = process.env.NBBUILD_TEST_BASE ?? "";
const describeDocker = BASE ? describe : describe.skip;

let dir = "";
let seq = 0;

/** Runs `step` like a pipeline task (runner at the contract's path), returning the exit code and the combined log. */
async function runTask(plan: Plan, step: Step): Promise<{ code: number; lines: string[] }> {
  const nb = path.join(dir, "steps", step.name);
  mkdirSync(nb, { recursive: true });
  copyRunner(nb);
  writeFileSync(path.join(nb, "step.py"), renderStepModule(plan, step));
  const lines: string[] = [];
  const result = await new DockerRunner().run(
    {
      name: `nbbuild-test-streams-${process.pid}-${++seq}`,
      image: BASE,
      command: [...STEP_COMMAND],
      args: ["--executor-input", "{}"],
      env: { NBBUILD_APP_SRC: "/w/app" },
      binds: [
        { host: nb, container: "/opt/app-root/nbbuild", readOnly: true },
        { host: path.join(dir, "app"), container: "/w/app", readOnly: true },
      ],
      user: "123457:0",
      tmpfsSize: "64m",
      labels: {},
    },
    { onLine: (l) => lines.push(l), signal: new AbortController().signal, timeoutMs: 120_000 },
  );
  return { code: result.exitCode, lines };
}

describeDocker("runner streams and imports in a container (DockerRunner, combined log)", () => {
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "nbbuild-runner-streams-"));
    mkdirSync(path.join(dir, "app"), { recursive: true });
    writeFileSync(path.join(dir, "app", "utils.py"), "def greet(name):\n    return 'hello ' + name\n");
    // a notebook module named like the runner's own step module: the notebook's must win
    writeFileSync(path.join(dir, "app", "step.py"), "WHO = 'the notebook folder'\n");
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("keeps a failing cell's printed lines before its traceback in the log", async () => {
    const boom = makeStep({
      name: "boom",
      code: [
        block("step", 2, `import sys
for i in range(40):
    print("line", i)
print("about to fail")
sys.stdout.write("partial")
raise ValueError("failing on purpose")
`),
      ],
    });
    const plan = makePlan([boom]);
    // Several runs: the two pipes race in the log collector, so one lucky run proves little.
    const runs = await Promise.all([0, 1, 2, 3, 4, 5].map(() => runTask(plan, boom)));
    for (const { code, lines } of runs) {
      expect(code).toBe(1);
      const tb = lines.indexOf("Traceback (most recent call last):");
      expect(tb, lines.join("\n")).toBeGreaterThan(0);
      expect(lines.slice(0, tb)).toEqual([...Array.from({ length: 40 }, (_, i) => `line ${i}`), "about to fail", "partial"]);
      expect(lines.slice(tb + 1)).toEqual([
        '  File "nb.ipynb [cell 2, id c2]", line 6, in <module>',
        '    raise ValueError("failing on purpose")',
        "ValueError: failing on purpose",
        "nbbuild: step boom failed in nb.ipynb cell 2 (id c2), line 6: ValueError: failing on purpose",
      ]);
    }
  }, 300_000);

  it("imports modules beside the notebook and written by %%writefile: the working dir is first on sys.path", async () => {
    const problems: Problem[] = [];
    const writefile = rewriteMagics("%%writefile helper.py\ndef twice(x):\n    return 2 * x", { loc: { file: "nb.ipynb" }, notebookDir: dir }, problems).source;
    expect(problems).toEqual([]);
    const paths = makeStep({
      name: "paths",
      code: [
        block("imports", 1, "import os\nimport sys\n"),
        block("step", 2, `print("first", sys.path[0] == os.getcwd())
print("runner dir on path", any(os.path.abspath(p or ".") == "/opt/app-root/nbbuild" for p in sys.path))
import utils
print(utils.greet("notebook"), os.path.dirname(utils.__file__) == os.getcwd())
`),
        block("step", 3, writefile),
        block("step", 4, `import helper
print("helper", helper.twice(21))
import step
print("step is", step.WHO)
`),
      ],
    });
    const { code, lines } = await runTask(makePlan([paths]), paths);
    expect(code, lines.join("\n")).toBe(0);
    // (the %%writefile rewrite's own echo lines are not what this test is about)
    expect(lines.filter((l) => !l.startsWith("("))).toEqual([
      "first True",
      "runner dir on path False",
      "hello notebook True",
      "Writing helper.py",
      "helper 42",
      "step is the notebook folder",
    ]);
  }, 300_000);
});
