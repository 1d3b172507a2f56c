import path from "node:path";
import { describe, expect, test } from "vitest";
import { planElyraPipelineWith } from "../../../src/elyra/plan-pipeline.js";
import type { Step } from "../../../src/plan/types.js";
import { fakeCompile } from "./fake-compiler.js";

const FIX = path.resolve(import.meta.dirname, "../../fixtures/elyra");
const plan = (rel: string, options = {}) => planElyraPipelineWith(path.join(FIX, rel), options, fakeCompile);

/** The fields every Elyra step starts from; each test spells out what differs. */
const base = {
  after: [], cells: [], code: [], inputs: [], outputs: [], parameters: [], metrics: [], fileInputs: [], fileOutputs: [],
  fileHints: [], requirements: [], limits: {}, requests: {}, env: {}, secrets: [], volumes: [], tolerations: [],
  labels: {}, annotations: {}, cache: true, uiOutputs: true,
};
const notebookCode = (file: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ role: "step", file, cell: { index: i, id: `c0${i}` }, source: expect.any(String) }));
const ids = (n: number) => Array.from({ length: n }, (_, i) => `c0${i}`);

describe("four-node fixture (2 notebooks, 1 script, 1 notebook after two others)", () => {
  test("is the exact Plan", async () => {
    const p = await plan("four-node/four.pipeline");
    const src = (node: string) => ({ file: "four.pipeline", node });
    expect(p).toEqual({
      schemaVersion: 1,
      name: "four-node-fixture",
      description: "Two notebooks, a script and a notebook that depends on two others.",
      root: path.join(FIX, "four-node"),
      source: { file: "four.pipeline", kind: "elyra" },
      parameters: [],
      metrics: [],
      steps: [
        {
          ...base, name: "load_data", kind: "notebook", cells: ids(3), code: notebookCode("load.ipynb", 3),
          fileOutputs: ["out/clean.csv"], context: { dir: ".", include: ["data/raw.csv", "load.ipynb"] },
          env: { RUN_LABEL: "fixture", SCALE: "2" }, report: true, source: src("0f3c1a52-load"),
        },
        {
          ...base, name: "build_features", kind: "script", after: ["load_data"], script: "features.py",
          fileInputs: [{ from: "load_data" }], fileOutputs: ["out/features.csv"], fileHints: ["out/features.csv"],
          context: { dir: ".", include: ["config/features.json", "features.py"] },
          limits: { cpu: "2", memory: "2G" }, requests: { cpu: "1", memory: "1G" },
          env: { RUN_LABEL: "features-own", FEATURE_POWER: "2" }, report: false, source: src("5b7e2d10-features"),
        },
        {
          ...base, name: "summary_stats", kind: "notebook", after: ["load_data"], cells: ids(3), code: notebookCode("stats.ipynb", 3),
          fileInputs: [{ from: "load_data" }], fileOutputs: ["out/stats.json"], context: { dir: ".", include: ["stats.ipynb"] },
          env: { RUN_LABEL: "fixture" }, cache: false, report: true, source: src("9a4d6c33-stats"),
        },
        {
          ...base, name: "report", kind: "notebook", after: ["build_features", "summary_stats"], cells: ids(4),
          code: notebookCode("report.ipynb", 4),
          fileInputs: [{ from: "load_data" }, { from: "build_features" }, { from: "summary_stats" }],
          fileOutputs: ["out/report.txt"], context: { dir: ".", include: ["report.ipynb"] },
          env: { RUN_LABEL: "fixture" }, labels: { team: "fixtures" }, report: true, source: src("c2e8f471-report"),
        },
      ],
      volumes: [],
      unassigned: [],
      diagnostics: [],
    });
  });

  test("flags override the file's name, description and base image", async () => {
    const p = await plan("four-node/four.pipeline", { name: "My Run", description: "d", experiment: "exp", baseImage: "img:1" });
    expect([p.name, p.description, p.experiment, p.baseImage]).toEqual(["my-run", "d", "exp", "img:1"]);
  });

  test("steps print their keys in the Step interface order", async () => {
    const p = await plan("four-node/four.pipeline");
    const order = ["name", "kind", "after", "cells", "code", "script", "inputs", "outputs", "parameters", "metrics",
      "fileInputs", "fileOutputs", "fileHints", "context", "image", "requirements", "limits", "requests", "env", "secrets",
      "volumes", "tolerations", "labels", "annotations", "cache", "report", "sharedMemory", "uiOutputs", "source"];
    for (const s of p.steps) expect(Object.keys(s)).toEqual(order.filter((k) => k in s));
  });
});

describe("node properties (props fixture: every property, merged over pipeline_defaults)", () => {
  test("is the exact Plan", async () => {
    const p = await plan("props/props.pipeline");
    const src = (node: string) => ({ file: "props.pipeline", node });
    const prep: Step = {
      ...base, name: "prep_clean", kind: "script", script: "jobs/prep.py", fileOutputs: ["prep/*.csv"],
      context: { dir: "jobs", include: ["cfg/a.json", "cfg/deep/b.json", "prep.py"] },
      requirements: ["scikit-learn==1.2.2", "pandas"],
      env: { MODE: "prep", REGION: "eu" },
      secrets: [{ secret: "db", key: "password", env: "DB_PASSWORD" }],
      volumes: [{ pvc: "default-scratch", mountPath: "/scratch" }],
      tolerations: [{ key: "dedicated", operator: "Equal", value: "ml", effect: "NoExecute" }],
      labels: { team: "platform", tier: "batch" },
      report: false, sharedMemory: "1G", source: src("n-prep"),
    };
    const train: Step = {
      ...base, name: "prep_clean_1", kind: "script", after: ["prep_clean"], script: "jobs/train.py",
      parameters: ["epochs", "lr"], fileInputs: [{ from: "prep_clean" }], fileOutputs: ["model.pkl"],
      context: { dir: "jobs", include: ["cfg/a.json", "notes.txt", "train.py"] },
      image: "quay.io/example/train:1.0",
      requirements: ["scikit-learn==1.2.2", "pandas"],
      limits: { cpu: "4", memory: "16G", "amd.com/gpu": "1" },
      requests: { cpu: "2", memory: "8G" },
      // TOKEN is also a secret: the secret wins and the plain env var is dropped (as Elyra does)
      env: { MODE: "train", REGION: "eu" },
      secrets: [{ secret: "db", key: "password", env: "DB_PASSWORD" }, { secret: "api-creds", key: "token", env: "TOKEN" }],
      volumes: [{ pvc: "node-scratch", mountPath: "/scratch" }, { pvc: "shared-data", mountPath: "/data", subPath: "train", readOnly: true }],
      tolerations: [
        { key: "dedicated", operator: "Equal", value: "ml", effect: "NoExecute" },
        { key: "gpu", operator: "Exists", effect: "NoSchedule" },
      ],
      labels: { team: "ml", tier: "batch" },
      annotations: { "example.com/owner": "ana" },
      cache: false, report: false, sharedMemory: "2G", source: src("n-train"),
    };
    expect(p).toEqual({
      schemaVersion: 1,
      name: "props",
      description: "every node property",
      root: path.join(FIX, "props"),
      source: { file: "props.pipeline", kind: "elyra" },
      baseImage: "quay.io/example/base:2.0",
      parameters: [
        { name: "epochs", type: "NUMBER_INTEGER", default: 3, source: { file: "props.pipeline" } },
        { name: "lr", type: "NUMBER_DOUBLE", default: 0.01, source: { file: "props.pipeline" } },
        { name: "tag", type: "STRING", default: "v1", source: { file: "props.pipeline" } },
        { name: "dry_run", type: "BOOLEAN", default: false, source: { file: "props.pipeline" } },
      ],
      metrics: [],
      steps: [prep, train],
      volumes: [],
      unassigned: [],
      diagnostics: [
        {
          level: "warning",
          message: "pip options in requirements.txt are ignored: --extra-index-url http://127.0.0.1:1/simple",
          location: { file: "jobs/requirements.txt" },
        },
      ],
    });
  });

  test("version-7 string forms mean the same as version-8 objects", async () => {
    const p = await plan("v7-strings/v7.pipeline");
    expect(p.steps).toEqual([
      {
        ...base, name: "job", kind: "script", script: "job.py", context: { dir: ".", include: ["job.py"] },
        env: { A: "1", D: "4", B: "x=y" },
        secrets: [{ secret: "db-creds", key: "password", env: "PASSWORD" }],
        volumes: [{ pvc: "data-pvc", mountPath: "/mnt/data" }],
        tolerations: [{ key: "gpu", operator: "Equal", value: "true", effect: "NoSchedule" }],
        annotations: { "example.com/note": "hello: world" },
        report: false, source: { file: "v7.pipeline", node: "n-job" },
      },
    ]);
  });

  test("a version-7 metrics node: uiOutputs on, env K=V, empty values dropped", async () => {
    const p = await plan("metrics/metrics.pipeline");
    expect(p.name).toBe("visualize-metrics");
    expect(p.steps).toEqual([
      {
        ...base, name: "metrics", kind: "script", script: "metrics.py", context: { dir: ".", include: ["metrics.py"] },
        fileHints: ["mlpipeline-metrics.json", "mlpipeline-ui-metadata.json"],
        env: { MODEL_NAME: "pets" }, report: false, source: { file: "metrics.pipeline", node: "7d1e9b20-metrics" },
      },
    ]);
  });
});

describe("pipeline parameters", () => {
  test("typed Plan parameters; each node lists the ones it uses (the runner exports them as env vars)", async () => {
    const p = await plan("params/params.pipeline");
    expect(p.parameters).toEqual([
      { name: "threshold", type: "NUMBER_DOUBLE", default: 0.5, source: { file: "params.pipeline" } },
      { name: "label", type: "STRING", default: "base", source: { file: "params.pipeline" } },
      { name: "retries", type: "NUMBER_INTEGER", default: 2, source: { file: "params.pipeline" } },
    ]);
    expect(p.steps.map((s) => [s.name, s.kind, s.parameters, s.fileInputs])).toEqual([
      ["check", "script", ["threshold", "label"], []],
      ["show", "notebook", ["label"], [{ from: "check" }]],
    ]);
  });
});

describe("a Kale-tagged notebook node expands into its own sub-steps", () => {
  test("is the exact Plan", async () => {
    const p = await plan("kale-node/kale.pipeline");
    const src = (node: string) => ({ file: "kale.pipeline", node });
    const imports = { role: "imports", file: "train.ipynb", cell: { index: 0, id: "c00" }, source: "import os" };
    const cell = (i: number) => ({ role: "step", file: "train.ipynb", cell: { index: i, id: `c0${i}` }, source: expect.any(String) });
    const sub = {
      ...base, kind: "notebook", fileInputs: [{ from: "prepare" }], context: { dir: ".", include: ["train.ipynb"] },
      requests: { cpu: "1" }, env: { STAGE: "train" }, report: true, source: src("n-train"),
    };
    expect(p.steps).toEqual([
      { ...base, name: "prepare", kind: "script", script: "prepare.py", fileOutputs: ["rows.txt"], fileHints: ["rows.txt"],
        context: { dir: ".", include: ["prepare.py"] }, report: false, source: src("n-prepare") },
      // edges into the node go to its first sub-step
      { ...sub, name: "train_load", after: ["prepare"], cells: ["c01"], code: [imports, cell(1)] },
      // "train_total" is taken by the node labelled "train total": the sub-step gets a suffix
      { ...sub, name: "train_total_1", after: ["train_load"], cells: ["c02"], code: [imports, cell(2)] },
      // the node's declared outputs leave from its last sub-step
      { ...sub, name: "train_save", after: ["train_total_1"], cells: ["c03"], code: [imports, cell(3)], fileOutputs: ["total.txt"] },
      // edges out of the node leave from its last sub-step; file outputs of all ancestors arrive
      { ...base, name: "train_total", kind: "script", after: ["train_save"], script: "prepare.py", fileHints: ["rows.txt"],
        fileInputs: [{ from: "prepare" }, { from: "train_save" }], context: { dir: ".", include: ["prepare.py"] },
        report: false, source: src("n-after") },
    ]);
    expect(p.diagnostics).toEqual([
      {
        level: "info",
        message: 'node "Train": its declared outputs are collected from its last step (train_save)',
        location: { file: "kale.pipeline", nodeId: "n-train" },
      },
    ]);
  });
});
