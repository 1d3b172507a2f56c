import { resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { planNotebook } from "../../../src/notebook/compile.js";
import type { Plan } from "../../../src/plan/types.js";
import { cleanTemps, tempDir } from "../../support/temp.js";

afterAll(cleanTemps);

const FIX = resolve(__dirname, "../../fixtures/notebooks");
const plan = (f: string) => planNotebook(resolve(FIX, f));

/** The data-flow shape of a plan: order, deps, inputs with producers, outputs, parameters, metrics. */
function shape(p: Plan) {
  return p.steps.map((s) => ({
    name: s.name,
    after: s.after,
    inputs: s.inputs.map((i) => `${i.name}<-${i.from}`),
    outputs: s.outputs,
    parameters: s.parameters,
    metrics: s.metrics,
  }));
}

describe("planNotebook: the wine example", () => {
  it("splits, orders and connects the five steps", async () => {
    const p = await planNotebook(resolve(__dirname, "../../../examples/wine/wine.ipynb"));
    expect(p.name).toBe("wine-classification");
    expect(p.description).toBe("Train and compare two wine classifiers");
    expect(p.experiment).toBe("wine");
    expect(p.baseImage).toBeUndefined(); // docker_image "" means unset
    expect(p.root).toBe(resolve(__dirname, "../../../examples/wine"));
    expect(p.source).toEqual({ file: "wine.ipynb", kind: "notebook" });
    expect(p.parameters.map((x) => [x.name, x.type, x.default])).toEqual([
      ["TEST_SIZE", "NUMBER_DOUBLE", 0.25],
      ["SEED", "NUMBER_INTEGER", 42],
      ["N_TREES", "NUMBER_INTEGER", 100],
      ["C", "NUMBER_DOUBLE", 1],
    ]);
    expect(p.parameters[0]!.source).toEqual({ file: "wine.ipynb", cells: [{ index: 2, id: "6a6bdf8d" }] });
    expect(p.metrics).toEqual([{ name: "accuracy", step: "compare" }]);
    const split = ["X_train_s<-split", "y_train<-split", "X_test_s<-split", "y_test<-split"];
    expect(shape(p)).toEqual([
      { name: "load_data", after: [], inputs: [], outputs: ["df", "wine"], parameters: [], metrics: [] },
      { name: "split", after: ["load_data"], inputs: ["df<-load_data", "wine<-load_data"], outputs: ["X_test_s", "X_train_s", "y_test", "y_train"], parameters: ["TEST_SIZE", "SEED"], metrics: [] },
      { name: "train_lr", after: ["split"], inputs: split, outputs: ["lr_acc"], parameters: ["C"], metrics: [] },
      { name: "train_rf", after: ["split"], inputs: split, outputs: ["rf_acc"], parameters: ["SEED", "N_TREES"], metrics: [] },
      { name: "compare", after: ["train_lr", "train_rf"], inputs: ["lr_acc<-train_lr", "rf_acc<-train_rf"], outputs: [], parameters: [], metrics: ["accuracy"] },
    ]);
    const load = p.steps[0]!;
    expect(load.cells).toEqual(["a2fd862b", "244021ac"]);
    expect(load.code.map((c) => [c.role, c.cell.index, c.file])).toEqual([
      ["imports", 1, "wine.ipynb"],
      ["functions", 3, "wine.ipynb"],
      ["step", 5, "wine.ipynb"],
      ["step", 6, "wine.ipynb"],
    ]);
    // %matplotlib is dropped in place: same line count as the cell
    expect(load.code[0]!.source.split("\n")[0]).toBe("# nbbuild: dropped %matplotlib inline");
    expect(load.code[0]!.source.split("\n").length).toBe(10);
    expect(load.labels).toEqual({ team: "data-science" });
    expect(load.context).toEqual({ dir: "." });
    expect(load.source).toEqual({ file: "wine.ipynb", cells: [{ index: 5, id: "a2fd862b" }, { index: 6, id: "244021ac" }] });
    expect(p.unassigned).toEqual([]);
    expect(p.diagnostics).toEqual([]);
    // parameters are injected by the runner: never part of a step's code
    expect(p.steps.flatMap((s) => s.code.map((c) => c.role))).not.toContain("parameters");
  });

  it("is deterministic and holds no absolute path but root", async () => {
    const a = await planNotebook(resolve(__dirname, "../../../examples/wine/wine.ipynb"));
    const b = await planNotebook(resolve(__dirname, "../../../examples/wine/wine.ipynb"));
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    const { root, ...rest } = a;
    expect(JSON.stringify(rest)).not.toContain(root);
  });

  it("flags override metadata", async () => {
    const p = await planNotebook(resolve(__dirname, "../../../examples/wine/wine.ipynb"), { name: "My Run", baseImage: "img:1", experiment: "e2", description: "d" });
    expect([p.name, p.baseImage, p.experiment, p.description]).toEqual(["my-run", "img:1", "e2", "d"]);
  });
});

describe("planNotebook: fixtures", () => {
  it("diamond DAG", async () => {
    expect(shape(await plan("diamond.ipynb"))).toEqual([
      { name: "a", after: [], inputs: [], outputs: ["base", "x"], parameters: [], metrics: [] },
      { name: "b", after: ["a"], inputs: ["x<-a", "base<-a"], outputs: ["left"], parameters: [], metrics: [] },
      { name: "c", after: ["a"], inputs: ["x<-a"], outputs: ["right"], parameters: [], metrics: [] },
      { name: "d", after: ["b", "c"], inputs: ["left<-b", "right<-c"], outputs: [], parameters: [], metrics: [] },
    ]);
  });

  it("skip is transparent: the untagged cell after it joins the step before", async () => {
    const p = await plan("skipped.ipynb");
    expect(shape(p)).toEqual([
      { name: "load", after: [], inputs: [], outputs: ["data", "n"], parameters: [], metrics: [] },
      { name: "use", after: ["load"], inputs: ["n<-load", "data<-load"], outputs: [], parameters: [], metrics: [] },
    ]);
    expect(p.steps[0]!.source.cells!.map((c) => c.index)).toEqual([1, 3]);
    // the skipped cell's %debug is never rewritten (so it is no error) and never runs
    expect(p.steps.flatMap((s) => s.code.map((c) => c.source)).join("\n")).not.toContain("debug");
  });

  it("a notebook without tags is one step named after the file", async () => {
    const p = await plan("Untagged-Demo.ipynb");
    expect(p.name).toBe("untagged-demo");
    expect(shape(p)).toEqual([{ name: "untagged_demo", after: [], inputs: [], outputs: [], parameters: [], metrics: [] }]);
    expect(p.steps[0]!.code.map((c) => c.cell.index)).toEqual([1, 2]);
  });

  it("cells before the first tag are unassigned and reported", async () => {
    const p = await plan("unassigned.ipynb");
    expect(p.unassigned).toEqual([{ index: 0, id: "c00" }, { index: 1, id: "c01" }]);
    expect(p.steps.map((s) => s.name)).toEqual(["only"]);
    expect(p.diagnostics.filter((d) => d.level === "info").map((d) => d.location.cellIndex)).toEqual([0, 1]);
  });

  it("a file name with spaces", async () => {
    const p = await plan("file with spaces.ipynb");
    expect(p.name).toBe("file-with-spaces");
    expect(p.source.file).toBe("file with spaces.ipynb");
    expect(shape(p).map((s) => [s.name, s.inputs])).toEqual([["first", []], ["second", ["words<-first"]]]);
    // literal paths written with open(…, 'w') / to_csv(…) are hints; a file opened for reading is not
    expect(p.steps.map((s) => s.fileHints)).toEqual([[], ["out/joined.txt", "out/words.csv"]]);
  });

  it("magics: %pip becomes requirements, shell lines subprocess calls, cell magics unwrapped, line counts kept", async () => {
    const p = await plan("magics.ipynb");
    const [shell, script] = p.steps;
    expect(shell!.requirements).toEqual(["requests>=2.28", "rich", "tqdm==4.66.1"]);
    expect(script!.requirements).toEqual(["requests>=2.28", "rich"]);
    const src = shell!.code.find((c) => c.role === "step")!.source.split("\n");
    expect(src).toEqual([
      "# nbbuild: dropped %config InlineBackend.figure_format = 'retina'",
      '__import__("subprocess").run("echo hello", shell=True, check=True)',
      'files = __import__("subprocess").run("ls -1", shell=True, check=True, capture_output=True, text=True).stdout.splitlines()',
      "y = len(files)",
      "# nbbuild: dropped !pip install -U tqdm==4.66.1 (installed into the image)",
      "for f in files:",
      '    __import__("subprocess").run(f"echo {f}", shell=True, check=True)',
    ]);
    const bash = script!.code.find((c) => c.cell.index === 2)!.source;
    expect(bash).toBe('__import__("subprocess").run(r\'\'\'\necho one\necho two\'\'\', shell=True, executable="/bin/bash", check=True)');
    expect(script!.code.find((c) => c.cell.index === 3)!.source).toBe("# nbbuild: %%capture unwrapped\nprint(y)");
    expect(script!.code.find((c) => c.cell.index === 4)!.source).toBe("# nbbuild: %%time unwrapped\nz = y + 1");
    expect(shape(p).map((s) => [s.name, s.inputs, s.outputs])).toEqual([["shell", [], ["y"]], ["script", ["y<-shell"], []]]);
  });

  it("parameters: typed literals (negative, hex, annotated), each step lists the ones it reads", async () => {
    const p = await plan("parameters.ipynb");
    expect(p.parameters.map((x) => [x.name, x.type, x.default])).toEqual([
      ["EPOCHS", "NUMBER_INTEGER", 10],
      ["LR", "NUMBER_DOUBLE", 0.001],
      ["OFFSET", "NUMBER_INTEGER", -4],
      ["SCALE", "NUMBER_DOUBLE", -0.5],
      ["NAME", "STRING", 'run "a"'],
      ["DEBUG", "BOOLEAN", false],
      ["USE_GPU", "BOOLEAN", true],
      ["STEPS", "NUMBER_INTEGER", 16],
    ]);
    expect(shape(p).map((s) => [s.name, s.parameters, s.inputs])).toEqual([
      ["train", ["EPOCHS", "LR"], []],
      ["report", ["OFFSET", "SCALE", "NAME", "DEBUG"], []],
    ]);
  });

  it("metrics go to the latest step defining the variable", async () => {
    const p = await plan("metrics.ipynb");
    expect(p.metrics).toEqual([{ name: "loss", step: "fit" }, { name: "acc", step: "tune" }]);
    expect(shape(p).map((s) => [s.name, s.metrics])).toEqual([["fit", ["loss"]], ["tune", ["acc"]]]);
  });

  it("nested scopes: locals, comprehension and lambda variables are no data; function globals are read lazily", async () => {
    const p = await plan("scopes.ipynb");
    expect(shape(p).map((s) => [s.name, s.inputs, s.outputs])).toEqual([
      ["make", [], ["factor", "items"]],
      ["use", ["factor<-make", "items<-make"], []],
      ["late", [], []],
    ]);
    const warnings = p.diagnostics.filter((d) => d.level === "warning");
    expect(warnings.map((w) => [w.location.cellIndex, w.location.line, w.message.includes("offset") || w.message.includes("bonus")])).toEqual([
      [2, 7, true],
      [2, 11, true],
    ]);
  });

  it("mutation: df['b'] = … and log.append(…) in a later step make that step the producer", async () => {
    expect(shape(await plan("mutation.ipynb"))).toEqual([
      { name: "load", after: [], inputs: [], outputs: ["df", "log"], parameters: [], metrics: [] },
      { name: "clean", after: ["load"], inputs: ["df<-load", "log<-load"], outputs: ["df", "log"], parameters: [], metrics: [] },
      { name: "report", after: ["clean"], inputs: ["df<-clean", "log<-clean"], outputs: [], parameters: [], metrics: [] },
    ]);
  });

  it("functions and classes defined in one step, used in another, bring their free globals", async () => {
    expect(shape(await plan("functions_across.ipynb"))).toEqual([
      { name: "define", after: [], inputs: [], outputs: ["Model", "bias", "factor", "scale"], parameters: [], metrics: [] },
      { name: "use", after: ["define"], inputs: ["Model<-define", "scale<-define", "bias<-define", "factor<-define"], outputs: [], parameters: [], metrics: [] },
    ]);
  });

  it("block: is step:", async () => {
    expect(shape(await plan("block_alias.ipynb")).map((s) => [s.name, s.after, s.inputs])).toEqual([
      ["gen", [], []],
      ["filter_evens", ["gen"], ["numbers<-gen"]],
      ["show", ["filter_evens"], ["evens<-filter_evens"]],
    ]);
  });

  it("secret:, limit:, label:, annotation:, image:, cache:, report:, steps_defaults and volumes", async () => {
    const p = await plan("secrets_defaults.ipynb");
    expect(p.name).toBe("secrets-defaults");
    expect(p.experiment).toBe("exp-1");
    expect(p.baseImage).toBe("registry.local/base:1");
    expect(p.volumes).toEqual([{ pvc: "shared-data", mountPath: "/data" }]);
    const [fetch, train] = p.steps;
    expect(fetch).toMatchObject({
      limits: { cpu: "1", memory: "2Gi" },
      labels: { team: "data", tier: "batch" },
      annotations: { "example.com/note": "a:b:c" },
      secrets: [{ secret: "db-creds", key: "password", env: "DB_PASSWORD" }, { secret: "api-creds", key: "token", env: "API_TOKEN" }],
      volumes: [{ pvc: "shared-data", mountPath: "/data" }],
      cache: false,
      report: true,
    });
    expect(fetch!.image).toBeUndefined();
    expect(train).toMatchObject({
      image: "registry.local:5000/gpu/python:3.11",
      limits: { cpu: "4", "nvidia.com/gpu": "1" },
      labels: { team: "ml", tier: "batch" },
      secrets: [{ secret: "db-creds", key: "password", env: "DB_PASSWORD" }],
      cache: true,
      report: false,
      inputs: [{ name: "token", from: "fetch" }],
    });
    // a secret is a reference, never a value
    expect(JSON.stringify(p)).not.toMatch(/"value"/);
  });

  it("nbformat 4.2 without cell ids, sources as strings", async () => {
    const p = await plan("no_ids.ipynb");
    expect(p.steps.map((s) => s.cells)).toEqual([["#0"], ["#1"]]);
    expect(p.steps[1]!.code[0]!.cell).toEqual({ index: 1, id: "" });
    expect(shape(p)[1]!.inputs).toEqual(["a<-one"]);
  });
});

describe("planNotebook: composition (notebook: cells)", () => {
  it("joins referenced notebooks: parallel pair, data edge between units, reading order, root parameters win", async () => {
    const p = await plan("compose/root.ipynb");
    expect(p.source.file).toBe("root.ipynb");
    expect(shape(p)).toEqual([
      { name: "prepare", after: [], inputs: [], outputs: ["raw"], parameters: [], metrics: [] },
      { name: "mean_step", after: ["prepare"], inputs: ["raw<-prepare"], outputs: ["mean"], parameters: [], metrics: [] },
      { name: "spread_step", after: ["prepare"], inputs: ["raw<-prepare"], outputs: ["spread"], parameters: [], metrics: [] },
      { name: "summarize", after: ["mean_step", "spread_step"], inputs: ["mean<-mean_step", "spread<-spread_step"], outputs: ["summary"], parameters: ["SEED"], metrics: [] },
      // model.ipynb's `prepare` clashes with the root's: prefixed with the reference name
      { name: "model_prepare", after: ["prepare", "summarize"], inputs: ["summary<-summarize"], outputs: ["score"], parameters: ["SEED", "LR"], metrics: ["score"] },
      { name: "report", after: ["model_prepare", "prepare", "summarize"], inputs: ["score<-model_prepare"], outputs: [], parameters: ["THRESHOLD"], metrics: [] },
    ]);
    // the root's SEED (7) overrides model.ipynb's own (1); LR comes from model.ipynb
    expect(p.parameters.map((x) => [x.name, x.default, x.source.file])).toEqual([
      ["SEED", 7, "root.ipynb"],
      ["THRESHOLD", 0.5, "root.ipynb"],
      ["LR", 0.1, "model.ipynb"],
    ]);
    const summarize = p.steps.find((s) => s.name === "summarize")!;
    expect(summarize.source.file).toBe("stats.ipynb");
    expect(summarize.code.map((c) => [c.role, c.file])).toEqual([["imports", "stats.ipynb"], ["step", "stats.ipynb"]]);
    expect(p.diagnostics.filter((d) => d.level === "warning")).toEqual([]);
  });
});

describe("planNotebook: composition edge rules", () => {
  it("adjacent references with no data between them stay parallel; a step cell runs after every unit above it", async () => {
    const { writeFileSync } = await import("node:fs");
    const dir = tempDir("nbb-compose-");
    const nb = (cells: object[]) => JSON.stringify({ cells, metadata: { kernelspec: { language: "python", name: "python3" } }, nbformat: 4, nbformat_minor: 5 });
    const cell = (id: string, source: string, tags: string[], extra: object = {}) => ({ cell_type: "code", id, source, metadata: { tags, ...extra }, outputs: [], execution_count: null });
    writeFileSync(resolve(dir, "left.ipynb"), nb([cell("l1", "l = 1", ["step:left_a"]), cell("l2", "l2 = l + 1", ["step:left_b", "prev:left_a"])]));
    writeFileSync(resolve(dir, "right.ipynb"), nb([cell("r1", "r = 2", ["step:right_a"])]));
    writeFileSync(resolve(dir, "main.ipynb"), nb([
      cell("m0", "", ["notebook:left"], { notebook_path: "left.ipynb" }),
      cell("m1", "", ["notebook:right"], { notebook_path: "right.ipynb" }),
      cell("m2", "total = l2 + r", ["step:join"]),
    ]));
    const p = await planNotebook(resolve(dir, "main.ipynb"));
    expect(shape(p).map((s) => [s.name, s.after, s.inputs])).toEqual([
      ["left_a", [], []],
      ["left_b", ["left_a"], ["l<-left_a"]],
      ["right_a", [], []],
      ["join", ["left_b", "right_a"], ["l2<-left_b", "r<-right_a"]],
    ]);
  });
});

describe("planNotebook: a notebook whose only tags are skip", () => {
  it("is one step of the cells not skipped", async () => {
    const { writeFileSync } = await import("node:fs");
    const dir = tempDir("nbb-skiponly-");
    const cell = (id: string, source: string, tags: string[]) => ({ cell_type: "code", id, source, metadata: { tags }, outputs: [], execution_count: null });
    writeFileSync(resolve(dir, "scratch.ipynb"), JSON.stringify({ cells: [cell("a", "x = 1", []), cell("b", "%debug", ["skip"]), cell("c", "y = x", [])], metadata: {}, nbformat: 4, nbformat_minor: 5 }));
    const p = await planNotebook(resolve(dir, "scratch.ipynb"));
    expect(p.steps.map((s) => [s.name, s.cells])).toEqual([["scratch", ["a", "c"]]]);
  });
});
