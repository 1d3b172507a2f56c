import fs from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { NbbuildError } from "../../../src/errors.js";
import { assertValidKfp, kfpIssues } from "../../../src/pipeline/validate-kfp.js";
import { parseYamlDocuments } from "../../../src/pipeline/yaml.js";

const REF = path.resolve(import.meta.dirname, "../../../..", "shared", "reference", "kfp");
const samples = fs.readdirSync(REF).filter((f) => f.endsWith(".yaml")).sort();
const load = (f: string) => parseYamlDocuments(fs.readFileSync(path.join(REF, f), "utf8"));
/** The platform-spec sample holds two platform documents for executor exec-comp; pair each with a spec. */
const pipelineFor = (execs: string[]) => ({
  pipelineInfo: { name: "p" },
  schemaVersion: "2.1.0",
  sdkVersion: "kfp-2.13.0",
  components: Object.fromEntries(execs.map((e) => [`comp-${e.slice(5)}`, { executorLabel: e }])),
  deploymentSpec: { executors: Object.fromEntries(execs.map((e) => [e, { container: { image: "alpine" } }])) },
  root: { dag: { tasks: Object.fromEntries(execs.map((e) => [e.slice(5), { taskInfo: { name: e.slice(5) }, componentRef: { name: `comp-${e.slice(5)}` } }])) } },
});
const clone = <T>(x: T): T => structuredClone(x);
const two = () => load("two_step_pipeline_containerized.yaml") as [Record<string, any>];
const paths = (docs: unknown[]) => kfpIssues(docs).map((i) => i.path);

describe("validator accepts the KFP SDK's own output", () => {
  test("there are samples to check", () => expect(samples.length).toBeGreaterThanOrEqual(4));
  test.each(samples.filter((f) => !f.startsWith("platform_spec")))("%s", (f) => {
    expect(kfpIssues(load(f))).toEqual([]);
  });
  test("platform_spec_samples.yaml documents, each after a matching PipelineSpec", () => {
    const docs = load("platform_spec_samples.yaml");
    expect(docs).toHaveLength(2);
    for (const d of docs) expect(kfpIssues([pipelineFor(["exec-comp"]), d])).toEqual([]);
  });
});

describe("validator rejects mutated samples, naming the field", () => {
  test("unknown key", () => {
    const [s] = two();
    s.root.dag.tasks.component2.taskInfo.displayName = "x";
    expect(paths([s])).toContain("root.dag.tasks.component2.taskInfo.displayName");
  });
  test("snake_case field name is unknown to strict JSON names and gets a hint", () => {
    const [s] = two();
    s.components["comp-component1"].executor_label = s.components["comp-component1"].executorLabel;
    delete s.components["comp-component1"].executorLabel;
    const issues = kfpIssues([s]);
    expect(issues.find((i) => i.path === "components.comp-component1.executor_label")?.message).toMatch(/executorLabel/);
  });
  test("wrong enum", () => {
    const [s] = two();
    s.root.inputDefinitions.parameters.text.parameterType = "TEXT";
    expect(paths([s])).toContain("root.inputDefinitions.parameters.text.parameterType");
  });
  test("wrong scalar kind", () => {
    const [s] = two();
    s.root.dag.tasks.component1.cachingOptions.enableCache = "yes";
    expect(paths([s])).toContain("root.dag.tasks.component1.cachingOptions.enableCache");
  });
  test("dangling componentRef", () => {
    const [s] = two();
    s.root.dag.tasks.component2.componentRef.name = "comp-missing";
    expect(paths([s])).toContain("root.dag.tasks.component2.componentRef.name");
  });
  test("dangling executorLabel", () => {
    const [s] = two();
    s.components["comp-component1"].executorLabel = "exec-missing";
    expect(paths([s])).toContain("components.comp-component1.executorLabel");
  });
  test("dangling producerTask and outputArtifactKey", () => {
    const [s] = two();
    const a = s.root.dag.tasks.component2.inputs.artifacts.input_gcs.taskOutputArtifact;
    const s2 = clone(s);
    a.producerTask = "nope";
    expect(paths([s])).toContain("root.dag.tasks.component2.inputs.artifacts.input_gcs.taskOutputArtifact.producerTask");
    s2.root.dag.tasks.component2.inputs.artifacts.input_gcs.taskOutputArtifact.outputArtifactKey = "nope";
    expect(paths([s2])).toContain("root.dag.tasks.component2.inputs.artifacts.input_gcs.taskOutputArtifact.outputArtifactKey");
  });
  test("producer missing from dependentTasks", () => {
    const [s] = two();
    delete s.root.dag.tasks.component2.dependentTasks;
    expect(paths([s])).toContain("root.dag.tasks.component2.dependentTasks");
  });
  test("componentInputParameter not defined on the root", () => {
    const [s] = two();
    delete s.root.inputDefinitions;
    expect(paths([s])).toContain("root.dag.tasks.component1.inputs.parameters.text.componentInputParameter");
  });
  test("placeholder naming an undeclared input, and an unsupported placeholder form", () => {
    const [s] = two();
    const args = s.deploymentSpec.executors["exec-component1"].container.args;
    args[0] = "{{$.inputs.parameters['other']}}";
    args.push("{{$.outputs.output_file}}");
    const p = paths([s]);
    expect(p).toContain("deploymentSpec.executors.exec-component1.container.args[0]");
    expect(p).toContain("deploymentSpec.executors.exec-component1.container.args[2]");
  });
  test("schemaVersion other than 2.1.0 and missing pipelineInfo.name", () => {
    const [s] = two();
    s.schemaVersion = "2.0.0";
    delete s.pipelineInfo.name;
    const p = paths([s]);
    expect(p).toContain("schemaVersion");
    expect(p).toContain("pipelineInfo.name");
  });
  test("two members of a oneof", () => {
    const [s] = two();
    s.root.dag.tasks.component1.inputs.parameters.text.runtimeValue = { constant: "x" };
    expect(paths([s])).toContain("root.dag.tasks.component1.inputs.parameters.text");
  });
  test("dependency cycle", () => {
    const [s] = two();
    s.root.dag.tasks.component1.dependentTasks = ["component2"];
    expect(kfpIssues([s]).some((i) => /cycle/.test(i.message))).toBe(true);
  });
  test("default value of the wrong type", () => {
    const [s] = load("pipeline_with_resource_spec.yaml") as [Record<string, any>];
    s.root.inputDefinitions.parameters.n_epochs.defaultValue = 1.5;
    expect(paths([s])).toContain("root.inputDefinitions.parameters.n_epochs.defaultValue");
  });
  test("platform spec: unknown field, and an executor the PipelineSpec lacks", () => {
    const [, d] = load("platform_spec_samples.yaml") as Record<string, any>[];
    const bad = clone(d!);
    bad.platforms.kubernetes.deploymentSpec.executors["exec-comp"].imagePullSecret[0].name = "x";
    expect(kfpIssues([pipelineFor(["exec-comp"]), bad]).map((i) => i.path)).toContain(
      "(platform spec) platforms.kubernetes.deploymentSpec.executors.exec-comp.imagePullSecret[0].name",
    );
    expect(kfpIssues([pipelineFor(["exec-other"]), d]).some((i) => /not in the PipelineSpec/.test(i.message))).toBe(true);
  });
  test("--kfp-version gate: the SDK 2.13 sample's newer fields are refused for a 2.0.5 target", () => {
    const docs = load("pipeline_with_resource_spec.yaml");
    const old = kfpIssues(docs, { kfpVersion: "2.0.5" }).map((i) => i.path);
    expect(old).toContain("deploymentSpec.executors.exec-trainer.container.resources.resourceCpuLimit");
    expect(old).toContain("root.dag.tasks.trainer.taskInfo.taskName");
    expect(kfpIssues(docs, { kfpVersion: "2.5.0" })).toEqual([]);
  });
  test("assertValidKfp throws one NbbuildError listing every issue", () => {
    const [s] = two();
    s.schemaVersion = "9";
    s.extra = 1;
    try {
      assertValidKfp([s], "out.yaml");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(NbbuildError);
      expect((e as NbbuildError).problems.map((p) => p.message)).toEqual([
        expect.stringMatching(/^extra: unknown field/),
        expect.stringMatching(/^schemaVersion: must be exactly "2.1.0"/),
      ]);
    }
  });
});
