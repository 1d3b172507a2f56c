/**
 * templates/runner.py on bare interpreters (`python -S`: no site-packages, so no numpy/pandas/
 * matplotlib/cloudpickle) — the stdlib-only path: typed parameters, JSON values, notebook-defined
 * classes and functions crossing steps through the source-shipping pickler, failure messages.
 * Runs with every python >= 3.8 found on this machine (python3 and pyenv's 3.8 if present).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { renderStepModule } from "../../../src/render/step-module.js";
import type { Plan, Step } from "../../../src/plan/types.js";
import { block, copyRunner, makePlan, makeStep, param } from "./fixture.js";

interface Variant {
  /** Interpreter and its flags ("-S": no site-packages, a bare base). */
  python: string;
  flags: string[];
  /** cloudpickle importable: it takes what the stdlib pickler refuses (the lambda). */
  cloudpickle: boolean;
}

function variants(): Variant[] {
  const found: Variant[] = [];
  const check = (python: string, flags: string[], code: string) =>
    spawnSync(python, [...flags, "-c", code], { encoding: "utf8" }).stdout?.trim() === "ok";
  const bare = ["python3", path.join(os.homedir(), ".pyenv/versions/3.8.18/bin/python3")];
  for (const python of bare) {
    if (check(python, ["-S"], "import sys; print('ok' if sys.version_info >= (3, 8) else 'old')")) found.push({ python, flags: ["-S"], cloudpickle: false });
  }
  // Debian's python3 with python3-cloudpickle installed (apt), when this machine has it
  if (check("/usr/bin/python3", [], "import cloudpickle; print('ok')")) found.push({ python: "/usr/bin/python3", flags: [], cloudpickle: true });
  return found;
}
const VARIANTS = variants();

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function run(v: Variant, dir: string, plan: Plan, step: Step, args: string[]) {
  const stepDir = path.join(dir, step.name);
  mkdirSync(stepDir, { recursive: true });
  copyRunner(stepDir);
  writeFileSync(path.join(stepDir, "step.py"), renderStepModule(plan, step));
  const r = spawnSync(v.python, [...v.flags, "-u", path.join(stepDir, "runner.py"), ...args], {
    encoding: "utf8",
    timeout: 60_000,
    env: { PATH: process.env.PATH, HOME: "/nonexistent", NBBUILD_LINK_LARGER_THAN: "2048", TMPDIR: path.join(dir, "tmp"), NBBUILD_APP_SRC: path.join(dir, "app") },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const IMPORTS = "import dataclasses\nimport functools\nimport os\n";
const producer = makeStep({
  name: "produce",
  parameters: ["N", "RATE", "ON", "NAME"],
  outputs: ["pts", "scale", "info", "nested", "Point", "shifted"],
  metrics: ["score"],
  code: [
    block("imports", 1, IMPORTS),
    block("parameters", 2, "N = 1\nRATE = 0.1\nON = False\nNAME = 'x'\n"),
    block("step", 4, `print("params", repr(N), repr(RATE), repr(ON), repr(NAME))
def unit():
    return 1

@dataclasses.dataclass(frozen=True)
class Point:
    x: int
    y: float

    def norm1(self):
        return abs(self.x) + abs(self.y) + unit() - 1

def scale(p, k):
    return Point(p.x * k, p.y * k)

import statistics as st
OFFSET = 100

def shifted(v):
    return st.mean([v, v]) + OFFSET
`),
    block("step", 5, `pts = [Point(i, i / 4) for i in range(N)]
info = {"rate": RATE, "name": NAME, "items": [1, None, True, "\\u00e9"]}
nested = {"tuple": (1, 2)}
score = sum(p.norm1() for p in pts)
pts[-1]
`),
    block("step", 6, `import asyncio
await asyncio.sleep(0)
print("awaited", len(open("data/big.bin", "rb").read()), os.path.islink("data/big.bin"), open("data/small.txt").read())
`),
  ],
});
const consumer = makeStep({
  name: "consume",
  inputs: ["pts", "scale", "info", "nested", "Point", "shifted"].map((name) => ({ name, from: "produce" })),
  outputs: ["fn", "bad"],
  code: [
    block("imports", 1, IMPORTS),
    block("step", 7, `print("points", pts)
print("scaled", scale(pts[1], 10), scale(pts[1], 10) == Point(10, 2.5))
print("same class", type(pts[0]) is Point, Point.__module__)
print("info", info, type(info["items"][2]).__name__)
print("nested", nested)
print("shifted", shifted(1), "OFFSET" in dir(), st.__name__)
fn = lambda v: v + 1
bad = (i for i in range(2))
`),
  ],
});
const broken = makeStep({
  name: "broken",
  code: [block("step", 3, "x = 1\nif x:\n  y = (\n")],
});

describe.skipIf(!VARIANTS.length).each(VARIANTS)("runner.py on $python $flags", (v) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "nbbuild-runner-unit-"));
  dirs.push(dir);
  mkdirSync(path.join(dir, "tmp"));
  mkdirSync(path.join(dir, "app", "data"), { recursive: true });
  writeFileSync(path.join(dir, "app", "data", "big.bin"), Buffer.alloc(3000));
  writeFileSync(path.join(dir, "app", "data", "small.txt"), "small");
  const plan = makePlan([producer, consumer, broken], [
    param("N", "NUMBER_INTEGER", 1), param("RATE", "NUMBER_DOUBLE", 0.1), param("ON", "BOOLEAN", false), param("NAME", "STRING", "x"),
  ]);
  const art = (n: string) => path.join(dir, "art", n);
  const execOut = path.join(dir, "kfp", "out.json");
  const prod = run(v, dir, plan, producer, [
    "--executor-input", JSON.stringify({ outputs: { outputFile: execOut } }),
    "--param", "N=3", "--param", "RATE=2.5", "--param", "ON=false", "--param", "NAME=",
    ...producer.outputs.flatMap((o) => ["--output", `${o}=${art(o)}`]),
    "--metrics", path.join(dir, "metrics.json"),
  ]);
  const cons = run(v, dir, plan, consumer, [
    ...consumer.inputs.flatMap((i) => ["--input", `${i.name}=${art(i.name)}`]),
    "--output", `fn=${art("fn")}`, "--output", `bad=${art("bad")}`,
  ]);
  const brk = run(v, dir, plan, broken, []);
  // An Elyra-style step whose code writes KFP v1 UI files, one of them malformed.
  const uiStep = makeStep({ name: "ui", uiOutputs: true, code: [block("step", 9, [
    "import json",
    "json.dump({'metrics': [{'numberValue': 1}]}, open('mlpipeline-metrics.json', 'w'))",
  ].join("\n"))] });
  const uiPlan = makePlan([uiStep]);
  const ui = run(v, dir, uiPlan, uiStep, ["--metrics", path.join(dir, "ui-metrics.json")]);
  const badParam = run(v, dir, plan, producer, ["--param", "N=three"]);

  it("types parameters and displays a bare last expression", () => {
    expect(prod.stderr).toBe("");
    expect(prod.code).toBe(0);
    expect(prod.stdout).toContain("params 3 2.5 False ''");
    expect(prod.stdout).toContain("Point(x=2, y=0.5)");
    expect(prod.stdout).toContain("awaited 3000 True small"); // top-level await; large baked files are linked
  });

  it("stores JSON-exact values as JSON and everything else as pickle", () => {
    const meta = (n: string) => JSON.parse(readFileSync(path.join(art(n), "nbbuild.json"), "utf8"));
    expect(meta("info")).toMatchObject({ format: "json", type: "dict" });
    expect(meta("nested")).toMatchObject({ format: "pickle", type: "dict" }); // a tuple is not exact JSON
    expect(meta("pts")).toMatchObject({ format: "pickle", type: "list" });
    expect(meta("Point")).toMatchObject({ format: "pickle", type: "type" });
    expect(JSON.parse(readFileSync(path.join(dir, "metrics.json"), "utf8"))).toEqual({ score: 3.75 });
    expect(JSON.parse(readFileSync(execOut, "utf8"))).toEqual({ artifacts: { nbbuild_metrics: { artifacts: [{ metadata: { score: 3.75 } }] } } });
  });

  it("re-creates notebook-defined classes and functions (with what they use) in the next step", () => {
    expect(cons.stdout).toContain("points [Point(x=0, y=0.0), Point(x=1, y=0.25), Point(x=2, y=0.5)]");
    expect(cons.stdout).toContain("scaled Point(x=10, y=2.5) True");
    expect(cons.stdout).toContain("same class True __main__");
    expect(cons.stdout).toContain("info {'rate': 2.5, 'name': '', 'items': [1, None, True, 'é']} bool");
    expect(cons.stdout).toContain("nested {'tuple': (1, 2)}");
    expect(cons.stdout).toContain("shifted 101 True statistics"); // the import and constant it uses came along
  });

  it.runIf(!v.cloudpickle)("refuses a notebook lambda without cloudpickle, naming the variable, type and cell", () => {
    expect(cons.code).toBe(1);
    expect(cons.stderr.trim().split("\n").pop()).toBe(
      "nbbuild: cannot pass variable 'fn' (type function) from step consume (defined in nb.ipynb cell 7 (id c7)) to later steps: " +
        "it holds a lambda defined in the notebook; use a top-level def instead (or install cloudpickle in the image)",
    );
    expect(existsSync(path.join(art("fn"), "nbbuild.json"))).toBe(false);
  });

  it.runIf(v.cloudpickle)("hands a lambda to cloudpickle, and refuses a generator naming the variable, type and cell", () => {
    expect(JSON.parse(readFileSync(path.join(art("fn"), "nbbuild.json"), "utf8"))).toMatchObject({ format: "cloudpickle" });
    expect(JSON.parse(readFileSync(path.join(art("pts"), "nbbuild.json"), "utf8"))).toMatchObject({ format: "pickle" });
    expect(cons.code).toBe(1);
    expect(cons.stderr.trim().split("\n").pop()).toBe(
      "nbbuild: cannot pass variable 'bad' (type generator) from step consume (defined in nb.ipynb cell 7 (id c7)) to later steps: " +
        "TypeError: cannot pickle 'generator' object",
    );
  });

  it("reports a syntax error at its cell and line", () => {
    expect(brk.code).toBe(1);
    expect(brk.stderr).toContain('File "nb.ipynb [cell 3, id c3]", line 3');
    expect(brk.stderr.trim().split("\n").pop()).toMatch(/^nbbuild: step broken failed in nb\.ipynb cell 3 \(id c3\), line 3: SyntaxError: /);
  });

  it("fails a step whose mlpipeline-metrics.json is malformed, naming the file and the problem", () => {
    expect(ui.code).toBe(1);
    expect(ui.stderr.trim().split("\n").pop()).toBe(
      "nbbuild: step ui: mlpipeline-metrics.json is not valid KFP v1 metrics: ValueError: a metric without a name",
    );
  });

  it("rejects a parameter value that does not fit its type", () => {
    expect(badParam.code).toBe(1);
    expect(badParam.stderr.trim()).toBe("nbbuild: step produce: parameter 'N' must be NUMBER_INTEGER, got 'three'");
  });
});
