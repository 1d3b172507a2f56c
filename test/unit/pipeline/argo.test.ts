import fs from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { FILES_ARTIFACT, filesInputName } from "../../../src/contract.js";
import { argoArgs, argoExecutorInput, argoInputPath, argoOutputPath, toArgoWorkflow } from "../../../src/pipeline/argo.js";
import { ARGO_SCHEMA, argoIssues } from "../../../src/pipeline/validate-argo.js";
import { parseYamlDocuments, stringifyArgo } from "../../../src/pipeline/yaml.js";
import { fakeRecord, makePlan, makeStep, winePlan } from "./plans.js";

const roundTrip = (wf: object) => parseYamlDocuments(stringifyArgo(wf))[0];

test("the package ships Argo's schema unchanged from the shared reference (../shared beside the repository)", () => {
  const reference = path.resolve(import.meta.dirname, "../../../../shared/reference/argo/workflow-schema.json");
  expect(fs.readFileSync(ARGO_SCHEMA, "utf8")).toBe(fs.readFileSync(reference, "utf8"));
});

describe("toArgoWorkflow", () => {
  const plan = winePlan();
  const record = fakeRecord(plan);
  const { workflow, warnings } = toArgoWorkflow(plan, record);
  const wf = workflow as any;
  const tpl = (n: string) => wf.spec.templates.find((t: any) => t.name === n);

  test("validates against Argo's JSON schema", () => {
    expect(argoIssues(roundTrip(workflow))).toEqual([]);
    expect(warnings).toEqual([]);
  });
  test("non-root, no privilege escalation, explicit command, image by digest", () => {
    expect(wf.spec.securityContext.runAsNonRoot).toBe(true);
    const c = tpl("step-split").container;
    expect(c.securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false });
    expect(c.command).toEqual(["python3", "-u", "/opt/app-root/nbbuild/runner.py"]);
    expect(c.image).toMatch(/@sha256:[0-9a-f]{64}$/);
  });
  test("no KFP placeholders left; concrete paths; parameters from workflow arguments", () => {
    for (const t of wf.spec.templates.filter((x: any) => x.container)) {
      expect(t.container.args.join(" ")).not.toMatch(/\{\{\$/);
    }
    const args: string[] = tpl("step-split").container.args;
    expect(args).toContain(`df=${argoInputPath("df")}`);
    expect(args).toContain(`X_test_s=${argoOutputPath("X_test_s")}`);
    expect(args).toContain("SEED={{inputs.parameters.SEED}}");
    const ei = JSON.parse(args[1]!);
    expect(ei.outputs.outputFile).toMatch(/^\/tmp\/nbbuild\//);
    expect(wf.spec.arguments.parameters).toContainEqual({ name: "TEST_SIZE", value: "0.25" });
    const task = wf.spec.templates[0].dag.tasks.find((t: any) => t.name === "split");
    expect(task.dependencies).toEqual(["load-data"]);
    expect(task.arguments.parameters).toContainEqual({ name: "SEED", value: "{{workflow.parameters.SEED}}" });
    expect(task.arguments.artifacts).toContainEqual({ name: "df", from: "{{tasks.load-data.outputs.artifacts.df}}" });
    expect(tpl("step-split").outputs.artifacts).toContainEqual({ name: "X_test_s", path: argoOutputPath("X_test_s") });
  });
  test("resources, secrets as secretKeyRef, PVCs, tolerations, pod metadata, pull secrets", () => {
    const p = makePlan([
      makeStep("prep", { fileOutputs: ["x.csv"] }),
      makeStep("use", {
        after: ["prep"],
        fileInputs: [{ from: "prep" }],
        limits: { cpu: "1", memory: "2Gi" },
        requests: { cpu: "500m" },
        secrets: [{ secret: "db", key: "pw", env: "DB_PW" }],
        volumes: [{ pvc: "data", mountPath: "/data", readOnly: true }],
        tolerations: [{ key: "gpu", operator: "Exists" }],
        labels: { a: "b" },
        sharedMemory: "1Gi",
      }),
    ]);
    const { workflow: w } = toArgoWorkflow(p, fakeRecord(p), { imagePullSecrets: ["regcred"] });
    const x = w as any;
    expect(argoIssues(roundTrip(w))).toEqual([]);
    const use = x.spec.templates.find((t: any) => t.name === "step-use");
    expect(use.container.resources).toEqual({ limits: { cpu: "1", memory: "2Gi" }, requests: { cpu: "500m" } });
    expect(use.container.env).toContainEqual({ name: "DB_PW", valueFrom: { secretKeyRef: { name: "db", key: "pw" } } });
    expect(use.volumes).toContainEqual({ name: "pvc-0-data", persistentVolumeClaim: { claimName: "data", readOnly: true } });
    expect(use.tolerations).toEqual([{ key: "gpu", operator: "Exists" }]);
    expect(use.metadata).toEqual({ labels: { a: "b" } });
    expect(x.spec.imagePullSecrets).toEqual([{ name: "regcred" }]);
    expect(use.inputs.artifacts).toEqual([{ name: filesInputName("prep"), path: argoInputPath(filesInputName("prep")) }]);
    const task = x.spec.templates[0].dag.tasks.find((t: any) => t.name === "use");
    expect(task.arguments.artifacts).toEqual([{ name: filesInputName("prep"), from: `{{tasks.prep.outputs.artifacts.${FILES_ARTIFACT}}}` }]);
    expect(JSON.stringify(w)).not.toMatch(/password|secretValue/i);
  });
  test("argoArgs replaces {{$}} with an ExecutorInput naming the same output paths", () => {
    const s = makeStep("a", { outputs: ["v"], metrics: ["m"] });
    const ei = JSON.parse(argoExecutorInput(s));
    expect(ei.outputs.artifacts.v.artifacts[0].uri).toBe(`file://${argoOutputPath("v")}`);
    expect(argoArgs(s)[1]).toBe(argoExecutorInput(s));
  });
});

describe("argo validator rejects broken workflows", () => {
  const plan = makePlan([makeStep("a"), makeStep("b", { after: ["a"] })]);
  const good = () => roundTrip(toArgoWorkflow(plan, fakeRecord(plan)).workflow) as any;
  test("unknown field", () => {
    const w = good();
    w.spec.templates[1].container.imageDigest = "x";
    expect(argoIssues(w).map((i) => i.path)).toContain("spec.templates[1].container");
  });
  test("wrong type", () => {
    const w = good();
    w.spec.templates[1].container.args = "x";
    expect(argoIssues(w).map((i) => i.path)).toContain("spec.templates[1].container.args");
  });
  test("dangling template and dependency", () => {
    const w = good();
    w.spec.templates[0].dag.tasks[1].template = "nope";
    w.spec.templates[0].dag.tasks[1].dependencies = ["zzz"];
    const p = argoIssues(w).map((i) => i.path);
    expect(p).toContain("spec.templates[0].dag.tasks[1].template");
    expect(p).toContain("spec.templates[0].dag.tasks[1].dependencies[0]");
  });
});
