import fs from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import {
  FILES_ARTIFACT, METRICS_ARTIFACT, REPORT_ARTIFACT, STEP_COMMAND, UI_CONFUSION_ARTIFACT, UI_HTML_ARTIFACT,
  UI_MARKDOWN_ARTIFACT, filesInputName, runnerArgs,
} from "../../../src/contract.js";
import { NbbuildError } from "../../../src/errors.js";
import { toKfpIr } from "../../../src/pipeline/kfp.js";
import { k8sName } from "../../../src/pipeline/names.js";
import { kfpIssues } from "../../../src/pipeline/validate-kfp.js";
import { parseYamlDocuments, stringifyKfp } from "../../../src/pipeline/yaml.js";
import { fakeRecord, makePlan, makeStep, winePlan } from "./plans.js";

const valid = (ir: ReturnType<typeof toKfpIr>, kfpVersion?: string) =>
  kfpIssues(parseYamlDocuments(stringifyKfp(ir)), kfpVersion ? { kfpVersion } : {});

describe("toKfpIr on the wine plan", () => {
  const plan = winePlan();
  const record = fakeRecord(plan);
  const ir = toKfpIr(plan, record);
  const spec = ir.pipelineSpec;

  test("validates, also for the oldest backend", () => {
    expect(valid(ir)).toEqual([]);
    expect(valid(ir, "2.0.5")).toEqual([]);
  });
  test("SDK-style names: tasks, components and executors sanitised", () => {
    expect(Object.keys(spec.root.dag.tasks).sort()).toEqual(["compare", "load-data", "split", "train-lr", "train-rf"]);
    expect(spec.root.dag.tasks["train-lr"]!.componentRef.name).toBe("comp-train-lr");
    expect(spec.components["comp-train-lr"]!.executorLabel).toBe("exec-train-lr");
    expect(spec.root.dag.tasks["train-lr"]!.taskInfo.name).toBe("train-lr");
    expect(k8sName("My__Step.v2")).toBe("my-step-v2");
  });
  test("each container runs the runner with the contract's command and argument order, image by digest", () => {
    for (const step of plan.steps) {
      const c = spec.deploymentSpec.executors[`exec-${k8sName(step.name)}`]!.container;
      expect(c.command).toEqual([...STEP_COMMAND]);
      expect(c.args).toEqual(runnerArgs(step));
      expect(c.image).toBe(`127.0.0.1:5000/${record.steps[step.name]!.tag.split(":")[0]}@${record.steps[step.name]!.digest}`);
    }
    expect(ir.warnings.filter((w) => /cannot pull/.test(w))).toEqual([]);
  });
  test("dependencies, wiring, parameters with types and defaults", () => {
    const cmp = spec.root.dag.tasks.compare!;
    expect(cmp.dependentTasks).toEqual(["train-lr", "train-rf"]);
    expect(cmp.inputs!.artifacts!.rf_acc).toEqual({ taskOutputArtifact: { producerTask: "train-rf", outputArtifactKey: "rf_acc" } });
    expect(spec.root.dag.tasks.split!.inputs!.parameters!.SEED).toEqual({ componentInputParameter: "SEED" });
    expect(spec.root.inputDefinitions!.parameters!.TEST_SIZE).toEqual({ parameterType: "NUMBER_DOUBLE", defaultValue: 0.25, isOptional: true });
    expect(spec.components["comp-split"]!.inputDefinitions!.parameters!.SEED).toEqual({ parameterType: "NUMBER_INTEGER" });
    expect(spec.pipelineInfo).toEqual({ name: "wine-classification", description: "Train and compare two wine classifiers" });
    expect(spec.schemaVersion).toBe("2.1.0");
    expect(spec.sdkVersion).toMatch(/^nbbuild-\d+\.\d+\.\d+/);
  });
  test("metrics output typed system.Metrics, report system.HTML", () => {
    const outs = spec.components["comp-compare"]!.outputDefinitions!.artifacts!;
    expect(outs[METRICS_ARTIFACT]!.artifactType.schemaTitle).toBe("system.Metrics");
    expect(outs[REPORT_ARTIFACT]!.artifactType.schemaTitle).toBe("system.HTML");
  });
  test("resources: only the numeric fields KFP 2.0.5 reads by default; string fields from 2.4", () => {
    expect(spec.deploymentSpec.executors["exec-train-lr"]!.container.resources).toEqual({ cpuLimit: 0.5, memoryLimit: 1.073741824 });
    const newer = toKfpIr(plan, record, { kfpVersion: "2.4.0" });
    expect(newer.pipelineSpec.deploymentSpec.executors["exec-train-lr"]!.container.resources).toEqual({
      cpuLimit: 0.5, memoryLimit: 1.073741824, resourceCpuLimit: "500m", resourceMemoryLimit: "1Gi",
    });
    expect(valid(newer, "2.4.0")).toEqual([]);
    expect(valid(newer, "2.0.5").map((i) => i.path)).toContain("deploymentSpec.executors.exec-train-lr.container.resources.resourceCpuLimit");
  });
  test("labels from steps_defaults land in the platform spec from KFP 2.1; left out with a warning for 2.0.5", () => {
    const newer = toKfpIr(plan, record, { kfpVersion: "2.1.0" });
    expect(newer.platformSpec!.platforms.kubernetes.deploymentSpec.executors["exec-split"]).toEqual({ podMetadata: { labels: { team: "data-science" } } });
    expect(valid(newer, "2.1.0")).toEqual([]);
    expect(valid(newer, "2.0.5").map((i) => i.path)).toContain("(platform spec) platforms.kubernetes.deploymentSpec.executors.exec-split.podMetadata");
    expect(ir.platformSpec).toBeUndefined();
    expect(ir.warnings).toEqual([expect.stringMatching(/^pod labels\/annotations \(steps load_data, split, train_lr, train_rf, compare\) need KFP >= 2.1.0/)]);
  });
  test("byte-stable: same text on every call, and independent of object insertion order", () => {
    const a = stringifyKfp(toKfpIr(plan, record));
    const shuffled = winePlan();
    shuffled.parameters.reverse();
    expect(stringifyKfp(toKfpIr(plan, record))).toBe(a);
    expect(stringifyKfp(toKfpIr(shuffled, record))).toBe(a);
  });
  test("flags override name and description", () => {
    const o = toKfpIr(plan, record, { name: "My Pipeline_2", description: "d" }).pipelineSpec.pipelineInfo;
    expect(o).toEqual({ name: "my-pipeline-2", description: "d" });
  });
});

describe("toKfpIr on edge cases", () => {
  test("cache disabled → cachingOptions {}", () => {
    const plan = makePlan([makeStep("a", { cache: false })]);
    expect(toKfpIr(plan, fakeRecord(plan)).pipelineSpec.root.dag.tasks.a!.cachingOptions).toEqual({});
  });
  test("local tag: kept, with a warning that clusters cannot pull it", () => {
    const plan = makePlan([makeStep("a")]);
    const rec = fakeRecord(plan, false);
    const ir = toKfpIr(plan, rec);
    expect(ir.pipelineSpec.deploymentSpec.executors["exec-a"]!.container.image).toBe(rec.steps.a!.tag);
    expect(ir.warnings.join("\n")).toMatch(/cannot pull/);
  });
  test("images missing and name collisions: one error listing every problem, with the fix", () => {
    const plan = makePlan([makeStep("a_b"), makeStep("a-b")]);
    const rec = fakeRecord(makePlan([makeStep("a_b")]));
    try {
      toKfpIr(plan, rec);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(NbbuildError);
      const msgs = (e as NbbuildError).problems;
      expect(msgs.some((p) => /both become KFP task "a-b"/.test(p.message))).toBe(true);
      expect(msgs.find((p) => /no image was built for step "a-b"/.test(p.message))?.fix).toMatch(/nbbuild image nb.ipynb/);
    }
  });
  test("bad quantity and two accelerators are errors", () => {
    const plan = makePlan([makeStep("a", { limits: { memory: "lots", "nvidia.com/gpu": "1", "amd.com/gpu": "1" } })]);
    expect(() => toKfpIr(plan, fakeRecord(plan))).toThrow(/not a Kubernetes quantity[\s\S]*one accelerator/);
  });
  test("GPU → accelerator {type, count}, requests → numeric requests", () => {
    const plan = makePlan([makeStep("a", { limits: { "nvidia.com/gpu": "2", memory: "14Gi" }, requests: { cpu: "2", memory: "512Mi" } })]);
    const ir = toKfpIr(plan, fakeRecord(plan));
    expect(ir.pipelineSpec.deploymentSpec.executors["exec-a"]!.container.resources).toEqual({
      accelerator: { type: "nvidia.com/gpu", count: "2" }, memoryLimit: 15.032385536, cpuRequest: 2, memoryRequest: 0.536870912,
    });
    expect(valid(ir, "2.0.5")).toEqual([]);
  });
  test("files, Elyra ui outputs, env: typed outputs and wiring", () => {
    const plan = makePlan([
      makeStep("prep", { fileOutputs: ["out/*.csv"], env: { B: "2", A: "1" } }),
      makeStep("use", { after: ["prep"], fileInputs: [{ from: "prep" }], uiOutputs: true }),
    ]);
    const ir = toKfpIr(plan, fakeRecord(plan));
    const s = ir.pipelineSpec;
    expect(s.components["comp-prep"]!.outputDefinitions!.artifacts![FILES_ARTIFACT]!.artifactType.schemaTitle).toBe("system.Artifact");
    expect(s.components["comp-use"]!.inputDefinitions!.artifacts![filesInputName("prep")]).toBeDefined();
    expect(s.root.dag.tasks.use!.inputs!.artifacts![filesInputName("prep")]).toEqual({
      taskOutputArtifact: { producerTask: "prep", outputArtifactKey: FILES_ARTIFACT },
    });
    const outs = s.components["comp-use"]!.outputDefinitions!.artifacts!;
    expect(outs[METRICS_ARTIFACT]!.artifactType.schemaTitle).toBe("system.Metrics");
    expect(outs[UI_MARKDOWN_ARTIFACT]!.artifactType.schemaTitle).toBe("system.Markdown");
    expect(outs[UI_HTML_ARTIFACT]!.artifactType.schemaTitle).toBe("system.HTML");
    expect(outs[UI_CONFUSION_ARTIFACT]!.artifactType.schemaTitle).toBe("system.ClassificationMetrics");
    expect(s.deploymentSpec.executors["exec-prep"]!.container.env).toEqual([{ name: "B", value: "2" }, { name: "A", value: "1" }]);
    expect(valid(ir)).toEqual([]);
  });
  test("platform spec: secret references, PVCs, tolerations, pod metadata, pull secret — never a secret value", () => {
    const plan = makePlan([
      makeStep("a", {
        secrets: [{ secret: "db", key: "password", env: "DB_PASSWORD" }, { secret: "db", key: "user", env: "DB_USER" }, { secret: "s3", key: "k", env: "S3_KEY" }],
        volumes: [{ pvc: "data", mountPath: "/data" }],
        tolerations: [{ key: "gpu", operator: "Exists", effect: "NoSchedule" }],
        annotations: { "a/b": "c" },
      }),
      makeStep("b", { sharedMemory: "1G" }),
    ]);
    const ir = toKfpIr(plan, fakeRecord(plan), { imagePullSecrets: ["regcred"], kfpVersion: "2.3.0" });
    const ex = ir.platformSpec!.platforms.kubernetes.deploymentSpec.executors;
    expect(ex["exec-a"]).toEqual({
      secretAsEnv: [
        { secretName: "db", keyToEnv: [{ secretKey: "password", envVar: "DB_PASSWORD" }, { secretKey: "user", envVar: "DB_USER" }] },
        { secretName: "s3", keyToEnv: [{ secretKey: "k", envVar: "S3_KEY" }] },
      ],
      pvcMount: [{ constant: "data", mountPath: "/data" }],
      imagePullSecret: [{ secretName: "regcred" }],
      tolerations: [{ key: "gpu", operator: "Exists", effect: "NoSchedule" }],
      podMetadata: { annotations: { "a/b": "c" } },
    });
    expect(ex["exec-b"]).toEqual({
      imagePullSecret: [{ secretName: "regcred" }],
      emptyDirMounts: [{ volumeName: "shm", mountPath: "/dev/shm", medium: "Memory", sizeLimit: "1G" }],
    });
    expect(valid(ir, "2.3.0")).toEqual([]);
    const text = stringifyKfp(ir);
    expect(text.split("\n---\n")).toHaveLength(2);
    expect(text).not.toMatch(/password:|value: .*secret/i);
  });
  test("platform fields the 2.0.5 driver would reject: refused when they change behaviour, dropped with a warning when not", () => {
    const plan = makePlan([
      makeStep("a", { tolerations: [{ key: "gpu", operator: "Exists" }], annotations: { x: "y" }, sharedMemory: "2G", secrets: [{ secret: "s", key: "k", env: "E" }] }),
    ]);
    try {
      toKfpIr(plan, fakeRecord(plan), { imagePullSecrets: ["regcred"] });
      expect.unreachable();
    } catch (e) {
      const probs = (e as NbbuildError).problems;
      expect(probs.map((p) => p.message)).toEqual([
        expect.stringMatching(/^--image-pull-secret needs a KFP backend >= 2.1.0/),
        expect.stringMatching(/^tolerations needs a KFP backend >= 2.1.0/),
      ]);
      expect(probs[0]!.fix).toMatch(/oc secrets link pipeline-runner-/);
    }
    const plan2 = makePlan([makeStep("a", { annotations: { x: "y" }, sharedMemory: "2G", secrets: [{ secret: "s", key: "k", env: "E" }] })]);
    const ir = toKfpIr(plan2, fakeRecord(plan2));
    expect(ir.platformSpec!.platforms.kubernetes.deploymentSpec.executors["exec-a"]).toEqual({ secretAsEnv: [{ secretName: "s", keyToEnv: [{ secretKey: "k", envVar: "E" }] }] });
    expect(ir.warnings.join("\n")).toMatch(/annotations \(step a\) needs KFP >= 2.1.0[\s\S]*\/dev\/shm size \(step a\) needs KFP >= 2.3.0/);
    expect(valid(ir, "2.0.5")).toEqual([]);
  });
  test("no platform spec document when nothing needs one", () => {
    const plan = makePlan([makeStep("a")]);
    const ir = toKfpIr(plan, fakeRecord(plan));
    expect(ir.platformSpec).toBeUndefined();
    expect(stringifyKfp(ir)).not.toContain("---");
  });
});

/** Structure of a document: key sets per level, map keys (names) abstracted, leaves as their JS type. */
function shape(v: unknown, parentKey = ""): unknown {
  const NAME_MAPS = new Set(["components", "executors", "tasks", "parameters", "artifacts"]);
  if (Array.isArray(v)) return [...new Set(v.map((x) => JSON.stringify(shape(x))))].sort();
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (NAME_MAPS.has(parentKey)) return { "<name>": [...new Set(Object.values(o).map((x) => JSON.stringify(shape(x))))].sort() };
    return Object.fromEntries(Object.keys(o).sort().map((k) => [k, shape(o[k], k)]));
  }
  return typeof v;
}
const placeholderForms = (args: string[]) =>
  [...new Set(args.flatMap((a) => a.match(/\{\{\$[^}]*\}\}/g) ?? []).map((p) => p.replace(/\['[^']+'\]/g, "['X']")))].sort();

describe("side by side with the KFP SDK's compiled two-step pipeline", () => {
  const sdk = parseYamlDocuments(
    fs.readFileSync(path.resolve(import.meta.dirname, "../../../..", "shared/reference/kfp/two_step_pipeline_containerized.yaml"), "utf8"),
  )[0] as Record<string, any>;
  const plan = makePlan(
    [
      makeStep("component1", { parameters: ["text"], outputs: ["output_gcs"] }),
      makeStep("component2", { after: ["component1"], inputs: [{ name: "output_gcs", from: "component1" }] }),
    ],
    { name: "containerized-two-step-pipeline", parameters: [{ name: "text", type: "STRING", default: "hi", source: { file: "nb.ipynb" } }] },
  );
  const ours = JSON.parse(JSON.stringify(toKfpIr(plan, fakeRecord(plan)).pipelineSpec)) as Record<string, any>;

  test("same keys at every level (the only addition: the default of a parameter, as the SDK writes for defaults)", () => {
    const sdkShape = shape(sdk) as any;
    // What the SDK writes for a parameter with a default (pipeline_with_resource_spec.yaml).
    sdkShape.root.inputDefinitions.parameters["<name>"] = [JSON.stringify({ defaultValue: "string", isOptional: "boolean", parameterType: "string" })];
    expect(shape(ours)).toEqual(sdkShape);
    expect(Object.keys(ours.components).sort()).toEqual(Object.keys(sdk.components).sort());
    expect(Object.keys(ours.deploymentSpec.executors).sort()).toEqual(Object.keys(sdk.deploymentSpec.executors).sort());
    expect(ours.root.dag.tasks.component2.dependentTasks).toEqual(sdk.root.dag.tasks.component2.dependentTasks);
    expect(ours.root.dag.tasks.component1.cachingOptions).toEqual(sdk.root.dag.tasks.component1.cachingOptions);
  });
  test("same placeholder forms (ours adds only {{$}}, the ExecutorInput the runner reads)", () => {
    for (const e of ["exec-component1", "exec-component2"]) {
      const theirs = placeholderForms(sdk.deploymentSpec.executors[e].container.args);
      const mine = placeholderForms(ours.deploymentSpec.executors[e].container.args);
      expect(mine.filter((p) => p !== "{{$}}")).toEqual(theirs);
    }
  });
});
