/**
 * templates/runner.py for real: each case renders a step module, then runs the runner inside the
 * debootstrap Python base image exactly as a pipeline task does (random UID, group 0, read-only
 * root, tmpfs /tmp, no network). Variables cross steps through artifact directories on the host.
 */
import { execFile } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderStepModule } from "../../src/render/step-module.js";
import type { Plan, Step } from "../../src/plan/types.js";
import { block, copyRunner, makePlan, makeStep, param } from "../unit/runner/fixture.js";

const BASE = process.env.NBBUILD_TEST_BASE ?? "";
const describeDocker = BASE ? describe : describe.skip;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

let dir = "";

/** Writes step.py for `step` into its own folder and runs runner.py in the base image. */
function runStep(plan: Plan, step: Step, args: string[], uid = "123457"): Promise<Result> {
  const stepDir = path.join(dir, "steps", step.name);
  mkdirSync(stepDir, { recursive: true });
  copyRunner(stepDir);
  writeFileSync(path.join(stepDir, "step.py"), renderStepModule(plan, step));
  const dockerArgs = ["run", "--rm", "--network", "none", "--user", `${uid}:0`, "--read-only", "--tmpfs", "/tmp",
    "-v", `${dir}:/w`, "-e", "NBBUILD_APP_SRC=/w/app", BASE, "python3", "-u", `/w/steps/${step.name}/runner.py`, ...args];
  return new Promise((resolve) => {
    execFile("docker", dockerArgs, { timeout: 120_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const out = (...p: string[]) => path.join(dir, "out", ...p);
const readJson = (...p: string[]) => JSON.parse(readFileSync(out(...p), "utf8"));
const EXEC_INPUT = JSON.stringify({ inputs: {}, outputs: { outputFile: "/w/out/kfp/executor_output.json", artifacts: {} } });

const IMPORTS = `import json, os, functools
import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
from sklearn.linear_model import LogisticRegression
`;
const PARAMS = `N = 3\nRATE = 0.5\nFLAG = False\nLABEL = "default"\n`;
const FUNCTIONS = `def make_frame(n):
    return pd.DataFrame({"i": np.arange(n, dtype="int64"), "x": np.linspace(0, 1, n), "s": ["r%d" % k for k in range(n)]},
                        index=pd.Index(["k%d" % k for k in range(n)], name="key"))

def make_model():
    X = np.array([[0.0, 1.0], [1.0, 0.0], [0.2, 0.9], [0.9, 0.1], [0.4, 0.7], [0.8, 0.3]])
    y = np.array([0, 1, 0, 1, 0, 1])
    return LogisticRegression(C=0.7).fit(X, y), X
`;
const VARIABLES = ["df", "arr", "info", "ratio", "model", "X", "counter", "squared", "helper"];
const PARAMETERS = [param("N", "NUMBER_INTEGER", 3), param("RATE", "NUMBER_DOUBLE", 0.5), param("FLAG", "BOOLEAN", false), param("LABEL", "STRING", "default")];

const producer = makeStep({
  name: "produce",
  parameters: ["N", "RATE", "FLAG", "LABEL"],
  outputs: VARIABLES,
  metrics: ["accuracy", "n_rows"],
  fileOutputs: ["results/*.txt", "data/seed.txt"],
  uiOutputs: true,
  code: [
    block("imports", 1, IMPORTS),
    block("parameters", 2, PARAMS),
    block("functions", 3, FUNCTIONS),
    block("step", 5, `print("types", type(N).__name__, type(RATE).__name__, type(FLAG).__name__, type(LABEL).__name__, N, RATE, FLAG, LABEL)
df = make_frame(N)
arr = np.arange(12, dtype=np.float32).reshape(3, 4) / np.float32(7)
info = {"a": [1, 2.5, None, True], "b": {"c": "\\u00e9"}, "big": 2**70}
ratio = 0.1 + 0.2
model, X = make_model()
`),
    block("step", 6, `def helper(v):
    return v * 10

class Counter:
    """A notebook-defined class whose method calls a notebook-defined function."""
    def __init__(self, start):
        self.count = start

    def bump(self):
        self.count += 1
        return helper(self.count)

@functools.lru_cache(maxsize=None)
def squared(v):
    return v * v

counter = Counter(5)
counter.bump()
`),
    block("step", 7, `display(df)
display(pd.DataFrame({"<i>col</i>": ["<b>bold</b>"]}))
plt.plot([1, 2, 3], [3, 1, 2])
plt.title("first figure")
plt.show()
fig2 = plt.figure()
plt.bar(["a", "b"], [1, 2])
print("<script>alert(1)</script>")
df.describe();
df.shape
`),
    block("step", 8, `os.makedirs("results", exist_ok=True)
with open("results/summary.txt", "w") as f:
    f.write("rows=%d\\n" % len(df))
with open("data/seed.txt") as f:
    print("seed file:", f.read().strip())
print("home writable", os.access(os.environ["HOME"], os.W_OK), "cwd under tmp", os.getcwd().startswith("/tmp/"))
print("uid", os.getuid(), "gid", os.getgid())
with open("mlpipeline-metrics.json", "w") as f:
    json.dump({"metrics": [{"name": "v1-score", "numberValue": 0.5, "format": "RAW"}]}, f)
with open("mlpipeline-ui-metadata.json", "w") as f:
    json.dump({"outputs": [
        {"type": "markdown", "storage": "inline", "source": "# Hello"},
        {"type": "web-app", "storage": "inline", "source": "<p>web</p>"},
        {"type": "confusion_matrix", "format": "csv", "storage": "inline", "labels": ["cat", "dog"],
         "schema": [{"name": "target", "type": "CATEGORY"}, {"name": "predicted", "type": "CATEGORY"}, {"name": "count", "type": "NUMBER"}],
         "source": "cat,cat,3\\ncat,dog,1\\ndog,dog,4\\n"}]}, f)
accuracy = np.float64(0.875)
n_rows = len(df)
`),
  ],
});

const consumer = makeStep({
  name: "consume",
  parameters: ["N"],
  inputs: VARIABLES.map((name) => ({ name, from: "produce" })),
  outputs: ["df"],
  fileInputs: [{ from: "produce" }],
  code: [
    block("imports", 1, IMPORTS),
    block("parameters", 2, PARAMS),
    block("functions", 3, FUNCTIONS),
    block("step", 10, `exp = make_frame(N)
assert df.equals(exp) and list(df.index) == list(exp.index) and df.index.name == "key"
assert df.dtypes.equals(exp.dtypes)
print("df ok", df.shape)
assert type(arr) is np.ndarray and arr.dtype == np.float32 and arr.shape == (3, 4)
assert np.array_equal(arr, np.arange(12, dtype=np.float32).reshape(3, 4) / np.float32(7))
print("arr ok", arr.dtype)
assert info == {"a": [1, 2.5, None, True], "b": {"c": "\\u00e9"}, "big": 2**70} and type(info["big"]) is int and type(info["a"][3]) is bool
print("info ok")
assert type(ratio) is float and ratio == 0.1 + 0.2
print("ratio", repr(ratio))
m2, X2 = make_model()
assert type(model).__name__ == "LogisticRegression" and np.array_equal(model.coef_, m2.coef_)
assert np.array_equal(model.predict_proba(X), m2.predict_proba(X2))
print("model ok", model.get_params()["C"])
print("counter", type(counter).__name__, type(counter).__module__, counter.count, counter.bump())
print("squared", squared(4), type(squared).__name__, "helper", helper(2))
print("Counter defined here:", "Counter" in dir())
with open("results/summary.txt") as f:
    print("files-in:", f.read().strip())
df["doubled"] = df["x"] * 2
`),
  ],
});

const mutatedReader = makeStep({
  name: "reread",
  inputs: [{ name: "df", from: "consume" }],
  outputs: ["gen"],
  code: [
    block("step", 12, `print("mutation seen", list(df.columns))
total = 1`),
    block("step", 13, `gen = (i for i in range(3))`),
  ],
});

const failing = makeStep({
  name: "boom",
  code: [
    block("functions", 3, `def divide(a, b):\n    return a / b\n`),
    block("step", 5, `x = 1\ny = divide(x, 0)\nprint("not reached")\n`),
  ],
});

const script = makeStep({
  name: "script_step",
  kind: "script",
  script: "proj/scripts/train.py",
  context: { dir: "proj" },
  parameters: ["ALPHA"],
  uiOutputs: true,
  source: { file: "proj/flow.pipeline", node: "n1" },
});

describeDocker("runner.py in the base image (random UID, read-only root, no network)", () => {
  const plan = makePlan([producer, consumer, mutatedReader, failing, script], [...PARAMETERS, param("ALPHA", "NUMBER_DOUBLE", 0.1)]);
  let prod: Result, cons: Result, reread: Result, boom: Result, scr: Result;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "nbbuild-runner-"));
    mkdirSync(path.join(dir, "app", "data"), { recursive: true });
    mkdirSync(path.join(dir, "app", "scripts"), { recursive: true });
    mkdirSync(path.join(dir, "out"));
    writeFileSync(path.join(dir, "app", "data", "seed.txt"), "seed-content\n");
    writeFileSync(path.join(dir, "app", "scripts", "train.py"), `import json, os, sys
print("alpha env", os.environ.get("ALPHA"), "main", __name__, "argv0", os.path.basename(sys.argv[0]))
with open("mlpipeline-metrics.json", "w") as f:
    json.dump({"metrics": [{"name": "rmse", "numberValue": 1.25}, {"name": "r2", "numberValue": "0.5"}]}, f)
`);
    // baked files are read-only for others, like in an image owned by 1001
    chmodSync(path.join(dir, "app", "data", "seed.txt"), 0o444);
    for (const d of [dir, path.join(dir, "out")]) chmodSync(d, 0o777);
    const common = ["--executor-input", EXEC_INPUT];
    prod = await runStep(plan, producer, [
      ...common, "--param", "N=4", "--param", "RATE=0.25", "--param", "FLAG=True", "--param", "LABEL=a b=c",
      ...VARIABLES.flatMap((v) => ["--output", `${v}=/w/out/produce/${v}`]),
      "--files-output", "/w/out/produce/files", "--report", "/w/out/produce/report.html", "--metrics", "/w/out/produce/metrics",
      "--ui-markdown", "/w/out/produce/md", "--ui-html", "/w/out/produce/web", "--ui-confusion", "/w/out/produce/confusion",
    ]);
    cons = await runStep(plan, consumer, [
      "--executor-input", "{}", "--param", "N=4",
      ...VARIABLES.flatMap((v) => ["--input", `${v}=/w/out/produce/${v}`]),
      "--output", "df=/w/out/consume/df", "--files-input", "/w/out/produce/files",
    ], "200001"); // another random UID, same group 0, reads the producer's artifacts
    reread = await runStep(plan, mutatedReader, ["--input", "df=/w/out/consume/df", "--output", "gen=/w/out/reread/gen"]);
    boom = await runStep(plan, failing, ["--executor-input", EXEC_INPUT, "--report", "/w/out/boom/report.html"]);
    scr = await runStep(plan, script, ["--executor-input", JSON.stringify({ outputs: { outputFile: "/w/out/script/exec.json" } }),
      "--param", "ALPHA=0.3", "--metrics", "/w/out/script/metrics", "--ui-markdown", "/w/out/script/md",
      "--ui-html", "/w/out/script/web", "--ui-confusion", "/w/out/script/confusion"]);
  }, 600_000);

  afterAll(() => {
    if (dir && !process.env.NBBUILD_KEEP_TEST_DIR) rmSync(dir, { recursive: true, force: true });
  });

  it("types parameters and runs cells in one namespace as a random UID", () => {
    expect(prod.stderr).not.toContain("nbbuild:");
    expect(prod.code).toBe(0);
    expect(prod.stdout).toContain("types int float bool str 4 0.25 True a b=c");
    expect(prod.stdout).toContain("seed file: seed-content");
    expect(prod.stdout).toContain("home writable True cwd under tmp True");
    expect(prod.stdout).toContain("uid 123457 gid 0");
  });

  it("saves each variable as a directory in the format its type calls for", () => {
    const fmt = (v: string) => readJson("produce", v, "nbbuild.json");
    expect(fmt("df")).toMatchObject({ name: "df", type: "pandas.core.frame.DataFrame", format: "pickle", step: "produce" });
    expect(fmt("arr")).toMatchObject({ type: "numpy.ndarray", format: "npy", file: "value.npy" });
    expect(fmt("info")).toMatchObject({ type: "dict", format: "json" });
    expect(readFileSync(out("produce", "ratio", "value.json"), "utf8")).toBe("0.30000000000000004");
    expect(fmt("counter")).toMatchObject({ type: "__main__.Counter", format: "pickle" });
    expect(readdirSync(out("produce", "df")).sort()).toEqual(["nbbuild.json", "value.pkl"]);
    expect(statSync(out("produce", "df", "value.pkl")).mode & 0o044).toBe(0o044); // readable by the next step's UID
  });

  it("round-trips DataFrame, ndarray, dict, float, sklearn model, notebook class and functions exactly", () => {
    expect(cons.stderr).not.toContain("nbbuild:");
    expect(cons.code).toBe(0);
    for (const line of ["df ok (4, 3)", "arr ok float32", "info ok", "ratio 0.30000000000000004", "model ok 0.7",
      "counter Counter __main__ 6 70", "squared 16 _lru_cache_wrapper helper 20", "Counter defined here: True",
      "files-in: rows=4"]) {
      expect(cons.stdout).toContain(line);
    }
  });

  it("passes on a DataFrame the consumer mutated", () => {
    expect(reread.stdout).toContain("mutation seen ['i', 'x', 's', 'doubled']");
  });

  it("fails on an unpicklable variable naming the variable, its type and its cell", () => {
    expect(reread.code).toBe(1);
    expect(reread.stderr.trim().split("\n").pop()).toBe(
      "nbbuild: cannot pass variable 'gen' (type generator) from step reread (defined in nb.ipynb cell 13 (id c13)) " +
      "to later steps: TypeError: cannot pickle 'generator' object");
    expect(existsSync(out("reread", "gen", "nbbuild.json"))).toBe(false);
  });

  it("writes metrics to the ExecutorOutput file and the metrics artifact, with ui-metadata conversions", () => {
    const exec = readJson("kfp", "executor_output.json");
    expect(exec).toEqual({
      artifacts: {
        nbbuild_metrics: { artifacts: [{ metadata: { accuracy: 0.875, n_rows: 4, "v1-score": 0.5 } }] },
        nbbuild_ui_confusion: {
          artifacts: [{
            metadata: {
              confusionMatrix: {
                annotationSpecs: [{ displayName: "cat" }, { displayName: "dog" }],
                rows: [{ row: [3, 1] }, { row: [0, 4] }],
              },
            },
          }],
        },
      },
    });
    expect(readJson("produce", "metrics")).toEqual({ accuracy: 0.875, n_rows: 4, "v1-score": 0.5 });
    expect(readFileSync(out("produce", "md"), "utf8")).toBe("# Hello");
    expect(readFileSync(out("produce", "web"), "utf8")).toBe("<p>web</p>");
    expect(readJson("produce", "confusion")).toEqual(exec.artifacts.nbbuild_ui_confusion.artifacts[0].metadata);
  });

  it("copies declared output files keeping relative paths", () => {
    expect(readFileSync(out("produce", "files", "results", "summary.txt"), "utf8")).toBe("rows=4\n");
    expect(readFileSync(out("produce", "files", "data", "seed.txt"), "utf8")).toBe("seed-content\n");
    expect(existsSync(out("produce", "files", "mlpipeline-metrics.json"))).toBe(false);
  });

  it("writes a self-contained, escaped HTML report with displays and figures", () => {
    const html = readFileSync(out("produce", "report.html"), "utf8");
    expect(html).toContain("<h1>Step produce</h1>");
    expect(html).toContain("nb.ipynb cell 7 (id c7)");
    expect(html).toContain('<table border="1" class="dataframe">'); // display(df) as pandas HTML
    expect(html.match(/data:image\/png;base64,/g)?.length).toBe(2); // plt.show() + figure left open
    expect(html).toContain("(4, 3)"); // bare last expression
    expect(prod.stdout).toContain("(4, 3)");
    expect(html).not.toContain("25%"); // df.describe(); is silenced by the semicolon
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;b&gt;bold&lt;/b&gt;");
    expect(html).not.toContain("<b>bold</b>");
    expect(html).not.toMatch(/https?:\/\//); // nothing fetched from elsewhere
  });

  it("names the notebook cell and line of an exception, with notebook-only frames", () => {
    expect(boom.code).toBe(1);
    const lines = boom.stderr.trim().split("\n");
    expect(lines.pop()).toBe("nbbuild: step boom failed in nb.ipynb cell 3 (id c3), line 2: ZeroDivisionError: division by zero");
    expect(boom.stderr).toContain('File "nb.ipynb [cell 5, id c5]", line 2');
    expect(boom.stderr).toContain("y = divide(x, 0)");
    expect(boom.stderr).toContain('File "nb.ipynb [cell 3, id c3]", line 2, in divide');
    expect(boom.stderr).not.toContain("runner.py");
    expect(boom.stdout).not.toContain("not reached");
    expect(readFileSync(out("boom", "report.html"), "utf8")).toContain("ZeroDivisionError");
  });

  it("runs a script step as __main__ and turns mlpipeline-metrics.json into metrics", () => {
    expect(scr.stderr).not.toContain("nbbuild:");
    expect(scr.code).toBe(0);
    expect(scr.stdout).toContain("alpha env 0.3 main __main__ argv0 train.py");
    expect(readJson("script", "metrics")).toEqual({ rmse: 1.25, r2: 0.5 });
    expect(readJson("script", "exec.json")).toEqual({ artifacts: { nbbuild_metrics: { artifacts: [{ metadata: { rmse: 1.25, r2: 0.5 } }] } } });
    expect(readFileSync(out("script", "md"), "utf8")).toBe("");
    expect(readJson("script", "confusion")).toEqual({});
  });
});
