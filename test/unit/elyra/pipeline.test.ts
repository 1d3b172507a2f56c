/**
 * Elyra Plans through the pipeline writers: the KFP IR declares the typed outputs of
 * mlpipeline-metrics.json / mlpipeline-ui-metadata.json, node properties land in the task and
 * the kfp-kubernetes platform spec where Elyra's KFP processor puts them, and the validators
 * accept the result. No secret value appears anywhere.
 */
import path from "node:path";
import yaml from "js-yaml";
import { describe, expect, test } from "vitest";
import type { BuildRecord } from "../../../src/images/record-types.js";
import { planElyraPipelineWith } from "../../../src/elyra/plan-pipeline.js";
import { renderPipeline } from "../../../src/pipeline/write.js";
import type { Plan } from "../../../src/plan/types.js";
import { fakeCompile } from "./fake-compiler.js";

const FIX = path.resolve(import.meta.dirname, "../../fixtures/elyra");
const plan = (rel: string) => planElyraPipelineWith(path.join(FIX, rel), {}, fakeCompile);
const digest = (s: string) => `sha256:${Buffer.from(s.padEnd(32, "0")).toString("hex").slice(0, 64)}`;

/** A build record as if every step had been pushed to the local registry. */
function record(p: Plan): BuildRecord {
  const steps: BuildRecord["steps"] = {};
  for (const s of p.steps) {
    steps[s.name] = {
      image: `127.0.0.1:5000/nbbuild/${p.name}-${s.name.replace(/_/g, "-")}@${digest(s.name)}`,
      tag: `nbbuild/${p.name}-${s.name.replace(/_/g, "-")}:x`, id: digest(`id${s.name}`), digest: digest(s.name), cached: false,
      contentHash: "c", dependencyHash: "d", requirements: [], base: `127.0.0.1:5000/nbbuild/python@${digest("base")}`, seconds: 1,
    };
  }
  return { recordVersion: 1, plan: p.name, engine: "docker", planHash: "p", steps };
}

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe("Elyra Plans in the KFP IR", () => {
  test("uiOutputs: every node declares metrics, markdown, HTML and confusion-matrix outputs; the validator accepts it", async () => {
    const p = await plan("four-node/four.pipeline");
    const { text } = renderPipeline(p, record(p), { format: "kfp" }); // validates the exact bytes
    const [spec] = yaml.loadAll(text) as Obj[];
    for (const s of p.steps) {
      const comp = spec.components[`comp-${s.name.replace(/_/g, "-")}`];
      const arts = Object.fromEntries(Object.entries(comp.outputDefinitions.artifacts as Obj).map(([k, v]) => [k, v.artifactType.schemaTitle]));
      expect(arts).toMatchObject({
        nbbuild_metrics: "system.Metrics",
        nbbuild_ui_markdown: "system.Markdown",
        nbbuild_ui_html: "system.HTML",
        nbbuild_ui_confusion: "system.ClassificationMetrics",
      });
    }
    // files of every ancestor arrive: report receives the three producers' folders
    const report = spec.root.dag.tasks.report;
    expect(Object.keys(report.inputs.artifacts).sort()).toEqual(["nbbuild_files_build_features", "nbbuild_files_load_data", "nbbuild_files_summary_stats"]);
    expect(report.dependentTasks).toEqual(["build-features", "load-data", "summary-stats"]); // every producer of a data input (KFP habit)
    // env vars in the container, caching off where the node disables it
    const env = spec.deploymentSpec.executors["exec-load-data"].container.env;
    expect(env).toEqual(expect.arrayContaining([{ name: "SCALE", value: "2" }, { name: "RUN_LABEL", value: "fixture" }]));
    expect(spec.root.dag.tasks["summary-stats"].cachingOptions).toEqual({});
  });

  test("node properties: secrets as references, PVCs, tolerations, pod metadata, /dev/shm, resources", async () => {
    const p = await plan("props/props.pipeline");
    const { text } = renderPipeline(p, record(p), { format: "kfp", kfpVersion: "2.5.0" });
    expect(text).not.toContain("plain"); // TOKEN's plain value lost to the secret of the same name
    const [spec, platform] = yaml.loadAll(text) as Obj[];
    const train = platform.platforms.kubernetes.deploymentSpec.executors["exec-prep-clean-1"];
    expect(train.secretAsEnv).toEqual([
      { secretName: "db", keyToEnv: [{ secretKey: "password", envVar: "DB_PASSWORD" }] },
      { secretName: "api-creds", keyToEnv: [{ secretKey: "token", envVar: "TOKEN" }] },
    ]);
    expect(train.pvcMount).toEqual([
      { constant: "node-scratch", mountPath: "/scratch" },
      { constant: "shared-data", mountPath: "/data", subPath: "train" },
    ]);
    expect(train.tolerations).toEqual([
      { key: "dedicated", operator: "Equal", value: "ml", effect: "NoExecute" },
      { key: "gpu", operator: "Exists", effect: "NoSchedule" },
    ]);
    expect(train.podMetadata).toEqual({ labels: { team: "ml", tier: "batch" }, annotations: { "example.com/owner": "ana" } });
    expect(train.emptyDirMounts).toEqual([{ volumeName: "shm", mountPath: "/dev/shm", medium: "Memory", sizeLimit: "2G" }]);
    const container = spec.deploymentSpec.executors["exec-prep-clean-1"].container;
    expect(container.resources).toMatchObject({ cpuLimit: 4, cpuRequest: 2 });
    expect(container.resources.accelerator).toMatchObject({ type: "amd.com/gpu", count: "1" });
    expect(spec.root.inputDefinitions.parameters).toMatchObject({
      epochs: { parameterType: "NUMBER_INTEGER" }, lr: { parameterType: "NUMBER_DOUBLE" }, tag: { parameterType: "STRING" }, dry_run: { parameterType: "BOOLEAN" },
    });
  });

  test("the Argo writer accepts the same Plans", async () => {
    for (const rel of ["four-node/four.pipeline", "props/props.pipeline", "kale-node/kale.pipeline", "params/params.pipeline"]) {
      const p = await plan(rel);
      expect(() => renderPipeline(p, record(p), { format: "argo" })).not.toThrow();
    }
  });
});
