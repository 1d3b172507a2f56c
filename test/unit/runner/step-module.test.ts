import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { pyLiteral, pyString, renderStepModule } from "../../../src/render/step-module.js";
import { VERSION } from "../../../src/version.js";
import { block, makePlan, makeStep, param } from "./fixture.js";

const hasPython = spawnSync("python3", ["-c", "pass"]).status === 0;

/** Sources that stress quoting: quotes, backslashes, NUL, CRLF, line separators, astral chars. */
const TRICKY = [
  'print("double" + \'single\' + """triple""")\n',
  "s = '\\\\ back \\n slash'\r\nt = 1\r\n",
  "a = 'nul:\u0000 tab:\t ls:\u2028 ps:\u2029 emoji:\u{1F600} e:\u00e9'",
  "x = 1  # no trailing newline",
  "",
];

function wine() {
  const step = makeStep({
    name: "train_lr",
    parameters: ["C", "SEED"],
    metrics: ["lr_acc"],
    outputs: ["lr_acc"],
    inputs: [{ name: "X_train_s", from: "split" }],
    fileOutputs: ["out/*.csv"],
    source: { file: "wine.ipynb", cells: [{ index: 8, id: "c05a8b88" }] },
    code: [
      block("imports", 1, "import pandas as pd\nimport numpy as np\n", "wine.ipynb"),
      block("parameters", 2, "C = 1.0\nSEED = 42\n", "wine.ipynb"),
      block("functions", 3, "def evaluate(m):\n    return m\n", "wine.ipynb"),
      { role: "step", file: "wine.ipynb", cell: { index: 8, id: "c05a8b88" }, source: "lr = 1\nlr_acc = 0.5\n" },
      { role: "step", file: "wine.ipynb", cell: { index: 9, id: "" }, source: "print(lr)" },
    ],
  });
  const plan = makePlan([step], [param("C", "NUMBER_DOUBLE", 1), param("SEED", "NUMBER_INTEGER", 42), param("UNUSED", "STRING", "x")]);
  return { plan, step };
}

describe("renderStepModule", () => {
  it("writes a header naming version, source, step and that it is generated", () => {
    const { plan, step } = wine();
    const text = renderStepModule(plan, step);
    const header = text.split("\n")[0];
    expect(header).toContain(`nbbuild ${VERSION}`);
    expect(header).toContain("wine.ipynb");
    expect(header).toContain('"train_lr"');
    expect(header).toMatch(/generated, do not edit/);
  });

  it("describes the step as a STEP dict with typed parameters only for the step's own", () => {
    const { plan, step } = wine();
    const text = renderStepModule(plan, step);
    expect(text).toContain('    "name": "train_lr",\n');
    expect(text).toContain('    "kind": "notebook",\n');
    expect(text).toContain('    "script": None,\n');
    expect(text).toContain('    "notebook": "wine.ipynb",\n');
    expect(text).toContain('    "parameters": {"C": "NUMBER_DOUBLE", "SEED": "NUMBER_INTEGER"},\n');
    expect(text).toContain('    "metrics": ["lr_acc"],\n');
    expect(text).toContain('    "fileOutputs": ["out/*.csv"],\n');
    expect(text).toContain('    "uiOutputs": False,\n');
    expect(text).toContain('    "report": True,\n');
    expect(text).not.toContain("UNUSED");
  });

  it("lists every cell in run order with a comment header and its source as comments", () => {
    const { plan, step } = wine();
    const text = renderStepModule(plan, step);
    const headers = [...text.matchAll(/^# --- (.*) ---$/gm)].map((m) => m[1]);
    expect(headers).toEqual([
      "wine.ipynb cell 1 (id c1), imports",
      "wine.ipynb cell 2 (id c2), parameters",
      "wine.ipynb cell 3 (id c3), functions",
      "wine.ipynb cell 8 (id c05a8b88), step",
      "wine.ipynb cell 9, step",
    ]);
    expect(text).toContain("# --- wine.ipynb cell 3 (id c3), functions ---\n# def evaluate(m):\n#     return m\nCELLS.append(");
    expect(text).toContain(
      'CELLS.append({"index": 8, "id": "c05a8b88", "role": "step", "file": "wine.ipynb", "source": "lr = 1\\nlr_acc = 0.5\\n"})',
    );
    const appends = text.split("\n").filter((l) => l.startsWith("CELLS.append("));
    expect(appends).toHaveLength(5);
  });

  it("is byte-stable for the same plan", () => {
    const a = wine();
    const b = wine();
    expect(renderStepModule(a.plan, a.step)).toBe(renderStepModule(b.plan, b.step));
  });

  it("gives a script step's path relative to its working folder", () => {
    const step = makeStep({ name: "s", kind: "script", script: "nodes/proj/run.py", context: { dir: "nodes" } });
    expect(renderStepModule(makePlan([step]), step)).toContain('    "script": "proj/run.py",\n');
  });

  it("keeps comments on one line per source line even for control characters", () => {
    const step = makeStep({ name: "t", code: TRICKY.map((s, i) => block("step", i, s)) });
    const text = renderStepModule(makePlan([step]), step);
    for (const line of text.split("\n")) {
      if (line.startsWith("#")) expect(line).not.toMatch(/[\u0000\r\u2028\u2029]/);
    }
    expect(text).toContain("# s = '\\\\ back \\n slash'\n# t = 1\n");
  });

  it.skipIf(!hasPython)("is valid Python whose data equals the plan exactly", () => {
    const step = makeStep({
      name: "t",
      parameters: ["P"],
      code: TRICKY.map((s, i) => block(i === 0 ? "imports" : "step", i, s)),
    });
    const plan = makePlan([step], [param("P", "BOOLEAN", true)]);
    const text = renderStepModule(plan, step);
    const py = spawnSync(
      "python3",
      ["-c", "import json,sys; g={}; exec(compile(sys.stdin.read(),'step.py','exec'),g); print(json.dumps({'STEP':g['STEP'],'CELLS':g['CELLS']}))"],
      { input: text, encoding: "utf8" },
    );
    expect(py.stderr).toBe("");
    const data = JSON.parse(py.stdout);
    expect(data.CELLS).toEqual(step.code.map((b) => ({ index: b.cell.index, id: b.cell.id, role: b.role, file: b.file, source: b.source })));
    expect(data.STEP).toMatchObject({ name: "t", kind: "notebook", script: null, parameters: { P: "BOOLEAN" }, report: true });
  });
});

describe("pyLiteral", () => {
  it("renders Python constants and containers", () => {
    expect(pyLiteral({ a: [1, 2.5, null, true, false], b: "x" })).toBe('{"a": [1, 2.5, None, True, False], "b": "x"}');
    expect(pyString("a\u2028b")).toBe('"a\\u2028b"');
    expect(() => pyLiteral(Number.NaN)).toThrow();
  });
});
