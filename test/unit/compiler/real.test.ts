/**
 * Notebooks shaped like the ones people publish for Kale and Elyra (written for this project in
 * test/fixtures/notebooks/generate.py): their exact plans.
 */
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { planNotebook } from "../../../src/notebook/compile.js";
import type { Plan } from "../../../src/plan/types.js";
import { importRequirements, scanImports } from "../../../src/render/requirements.js";

const REAL = resolve(__dirname, "../../fixtures/notebooks/real");
const plan = (f: string) => planNotebook(resolve(REAL, f));

/** Everything data flow decides, per step. */
function shape(p: Plan) {
  return p.steps.map((s) => ({
    name: s.name,
    after: s.after,
    cells: s.source.cells?.map((c) => c.index),
    inputs: s.inputs.map((i) => `${i.name}<-${i.from}`),
    outputs: s.outputs,
    parameters: s.parameters,
    metrics: s.metrics,
    requirements: s.requirements,
  }));
}
const params = (p: Plan) => p.parameters.map((x) => [x.name, x.type, x.default]);
const metrics = (p: Plan) => p.metrics.map((m) => `${m.name}@${m.step}`);
const warnings = (p: Plan) => p.diagnostics.filter((d) => d.level === "warning").map((d) => d.message);
const roles = (p: Plan, step: string) => p.steps.find((s) => s.name === step)!.code.map((b) => `${b.role}:${b.cell.index}`);

describe("real-looking notebooks: exact plans", () => {
  it("sweets sharing (block:/prev: chain, a function reading a parameter, metrics)", async () => {
    const p = await plan("sweets_sharing.ipynb");
    expect([p.name, p.description, p.experiment, p.baseImage]).toEqual(["sweets-sharing", "Share a jar of sweets between three friends", undefined, undefined]);
    expect(params(p)).toEqual([
      ["SWEETS", "NUMBER_INTEGER", 24],
      ["SEED", "NUMBER_INTEGER", 3],
    ]);
    const none = { outputs: [], metrics: [], requirements: [] };
    expect(shape(p)).toEqual([
      { ...none, name: "jar", after: [], cells: [4], inputs: [], parameters: ["SWEETS"] },
      // take_some reads SEED: calling it makes the step read the parameter
      { ...none, name: "ana", after: ["jar"], cells: [5], inputs: [], outputs: ["ana"], parameters: ["SWEETS", "SEED"] },
      { ...none, name: "ben", after: ["ana"], cells: [6], inputs: ["ana<-ana"], outputs: ["ben"], parameters: ["SWEETS", "SEED"] },
      { ...none, name: "cleo", after: ["ana", "ben"], cells: [7], inputs: ["ana<-ana", "ben<-ben"], outputs: ["cleo"], parameters: ["SWEETS", "SEED"] },
      { ...none, name: "leftovers", after: ["ana", "ben", "cleo"], cells: [8], inputs: ["ana<-ana", "ben<-ben", "cleo<-cleo"], parameters: ["SWEETS"], metrics: ["left"] },
    ]);
    expect(metrics(p)).toEqual(["left@leftovers"]);
    expect(roles(p, "ana")).toEqual(["imports:1", "functions:3", "step:5"]);
    expect(p.unassigned).toEqual([]);
    expect(p.diagnostics).toEqual([]);
  });

  it("passenger survival (mixed parameters, a loop changing both frames, a fitted scaler, four parallel models)", async () => {
    const p = await plan("passenger_survival.ipynb");
    expect([p.name, p.experiment]).toEqual(["passenger-survival", "voyage"]);
    expect(params(p)).toEqual([
      ["N_PASSENGERS", "NUMBER_INTEGER", 800],
      ["TEST_FRACTION", "NUMBER_DOUBLE", 0.25],
      ["LABEL", "STRING", "survived"],
      ["SCALE_FARES", "BOOLEAN", true],
      ["SEED", "NUMBER_INTEGER", 11],
    ]);
    const xy = ["X_train<-featureengineering", "Y_train<-featureengineering"];
    const base = { metrics: [], requirements: [] };
    expect(shape(p)).toEqual([
      { ...base, name: "loaddata", after: [], cells: [6], inputs: [], outputs: ["test_df", "train_df"], parameters: ["N_PASSENGERS", "TEST_FRACTION", "SEED"] },
      // `for dataset in [train_df, test_df]` (through `data`) changes both: new versions of both
      { ...base, name: "datapreprocessing", after: ["loaddata"], cells: [11, 12], inputs: ["train_df<-loaddata", "test_df<-loaddata"], outputs: ["test_df", "train_df"], parameters: [] },
      {
        ...base,
        name: "featureengineering",
        after: ["datapreprocessing"],
        cells: [14, 15],
        inputs: ["train_df<-datapreprocessing", "test_df<-datapreprocessing"],
        outputs: ["X_test", "X_train", "Y_test", "Y_train", "bands", "scaler"],
        parameters: ["LABEL", "SCALE_FARES"],
      },
      { ...base, name: "randomforest", after: ["featureengineering"], cells: [17], inputs: xy, outputs: ["acc_random_forest", "random_forest"], parameters: ["SEED"], metrics: ["acc_random_forest"] },
      { ...base, name: "logisticregression", after: ["featureengineering"], cells: [18], inputs: xy, outputs: ["acc_log"], parameters: [], metrics: ["acc_log"] },
      { ...base, name: "naivebayes", after: ["featureengineering"], cells: [19], inputs: xy, outputs: ["acc_gaussian"], parameters: [] },
      { ...base, name: "decisiontree", after: ["featureengineering"], cells: [20], inputs: xy, outputs: ["acc_decision_tree"], parameters: ["SEED"] },
      {
        ...base,
        name: "results",
        after: ["decisiontree", "featureengineering", "logisticregression", "naivebayes", "randomforest"],
        cells: [22, 23],
        inputs: [
          "acc_random_forest<-randomforest",
          "acc_log<-logisticregression",
          "acc_gaussian<-naivebayes",
          "acc_decision_tree<-decisiontree",
          // the scaler fitted (fit_transform) in featureengineering, not a fresh one
          "scaler<-featureengineering",
          "X_test<-featureengineering",
          "Y_test<-featureengineering",
          "random_forest<-randomforest",
          // an instance of a class from the functions cell
          "bands<-featureengineering",
        ],
        outputs: [],
        parameters: ["SCALE_FARES"],
        metrics: ["test_acc"],
      },
    ]);
    expect(metrics(p)).toEqual(["acc_random_forest@randomforest", "acc_log@logisticregression", "test_acc@results"]);
    expect(roles(p, "results")).toEqual(["imports:2", "functions:4", "step:22", "step:23"]);
    expect(p.unassigned).toEqual([]);
    expect(p.diagnostics).toEqual([]);
  });

  it("iris forest (untagged cells continue steps, model.fit in its own cell, step defaults, a Rok clone volume)", async () => {
    const p = await plan("iris_forest.ipynb");
    expect([p.name, p.experiment]).toEqual(["iris-forest", "iris"]);
    expect(params(p)).toEqual([
      ["N_ESTIMATORS", "NUMBER_INTEGER", 150],
      ["MAX_DEPTH", "NUMBER_INTEGER", 3],
    ]);
    expect(shape(p)).toEqual([
      { name: "load_transform_data", after: [], cells: [7, 8], inputs: [], outputs: ["x_trn", "x_tst", "y_trn", "y_tst"], parameters: [], metrics: [], requirements: [] },
      { name: "train_model", after: ["load_transform_data"], cells: [10, 11], inputs: ["x_trn<-load_transform_data", "y_trn<-load_transform_data"], outputs: ["model"], parameters: ["N_ESTIMATORS", "MAX_DEPTH"], metrics: [], requirements: [] },
      {
        name: "evaluate_model",
        after: ["load_transform_data", "train_model"],
        cells: [13, 14],
        inputs: ["model<-train_model", "x_tst<-load_transform_data", "y_tst<-load_transform_data"],
        outputs: [],
        parameters: [],
        metrics: ["precision", "recall", "f1", "accuracy"],
        requirements: [],
      },
    ]);
    expect(metrics(p)).toEqual(["accuracy@evaluate_model", "f1@evaluate_model", "precision@evaluate_model", "recall@evaluate_model"]);
    for (const s of p.steps) expect(s.labels).toEqual({ team: "flowers", tier: "demo" });
    // the skipped `!pip3 install --user -r requirements.txt` cell declares nothing
    expect(p.volumes).toEqual([]);
    expect(warnings(p)).toEqual([
      'kubeflow_notebook.volumes[0]: the Rok "clone" volume workspace-iris-x1 at /home/jovyan is not recreated; the notebook\'s folder is baked into every step image as its working dir (use {"type": "pvc", ...} to mount shared storage)',
    ]);
  });

  it("Elyra-style 'Part 1 - Data Cleaning' (no tags, spaces in the name, %%capture + %pip at the top)", async () => {
    const p = await plan("Part 1 - Data Cleaning.ipynb");
    expect(p.name).toBe("part-1-data-cleaning");
    expect(p.source).toEqual({ file: "Part 1 - Data Cleaning.ipynb", kind: "notebook" });
    expect(params(p)).toEqual([]);
    expect(shape(p)).toEqual([
      { name: "part_1_data_cleaning", after: [], cells: [1, 2, 3, 5, 6, 7, 8, 9], inputs: [], outputs: [], parameters: [], metrics: [], requirements: ["pandas>=1.3"] },
    ]);
    const step = p.steps[0]!;
    expect(step.code[0]!.source.split("\n")).toEqual(["# nbbuild: %%capture unwrapped", "# quiet install, as published tutorials do", '# nbbuild: dropped %pip install "pandas>=1.3" (installed into the image)']);
    expect(step.fileHints).toEqual([]);
    expect(metrics(p)).toEqual([]);
    expect(p.unassigned).toEqual([]);
    expect(p.diagnostics).toEqual([]);
  });

  it("tumour EDA (seaborn imported but not installed: a requirement from the imports; a step mutating what it received)", async () => {
    const p = await plan("tumor_eda.ipynb");
    expect(params(p)).toEqual([
      ["TOP_K", "NUMBER_INTEGER", 6],
      ["MIN_CORR", "NUMBER_DOUBLE", 0.3],
    ]);
    expect(shape(p)).toEqual([
      { name: "load", after: [], cells: [4], inputs: [], outputs: ["cancer"], parameters: [], metrics: [], requirements: [] },
      // plotting only looks at the frame: no new version
      { name: "explore", after: ["load"], cells: [5, 6], inputs: ["cancer<-load"], outputs: [], parameters: [], metrics: [], requirements: [] },
      // drop(..., inplace=True) on a received frame: a new version for summary
      { name: "select", after: ["load"], cells: [7], inputs: ["cancer<-load"], outputs: ["cancer", "chosen"], parameters: ["TOP_K", "MIN_CORR"], metrics: [], requirements: [] },
      { name: "summary", after: ["select"], cells: [8], inputs: ["cancer<-select", "chosen<-select"], outputs: [], parameters: [], metrics: ["n_features"], requirements: [] },
    ]);
    expect(metrics(p)).toEqual(["n_features@summary"]);
    // seaborn is not declared with %pip: it reaches the image through the imports the step runs
    const imports = p.steps[1]!.code.filter((b) => b.role === "imports").map((b) => b.source).join("\n");
    expect(imports).toContain("import seaborn as sns");
    expect(imports.split("\n")[0]).toBe("# nbbuild: dropped %matplotlib inline");
    const modules = scanImports(p.steps[1]!.code.map((b) => b.source).join("\n"));
    expect(modules).toEqual(["matplotlib", "pandas", "seaborn", "sklearn", "warnings"]);
    expect(importRequirements(modules).map((r) => r.distribution)).toEqual(["matplotlib", "pandas", "seaborn", "scikit-learn"]);
    expect(p.diagnostics).toEqual([]);
  });
});
