/**
 * Kale parity for `secret:`, `steps_defaults` and `volumes` (test/fixtures/notebooks/secrets_defaults.ipynb):
 * the real writers (kfp.ts + yaml.ts, argo.ts) put secret REFERENCES and PVC mounts in the forms
 * reference/kfp/FACTS.md describes, steps_defaults reach every step with a step's own tag winning,
 * the validators accept the result, and no secret value appears anywhere, even when the values sit
 * in the environment of the process that plans and writes the pipeline.
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toArgoWorkflow } from "../../../src/pipeline/argo.js";
import { toKfpIr } from "../../../src/pipeline/kfp.js";
import { assertValidArgo } from "../../../src/pipeline/validate-argo.js";
import { assertValidKfp, kfpIssues } from "../../../src/pipeline/validate-kfp.js";
import { parseYamlDocuments, stringifyArgo, stringifyKfp } from "../../../src/pipeline/yaml.js";
import { formatPlan } from "../../../src/plan/format.js";
import { loadPlan } from "../../../src/readers.js";
import type { Plan } from "../../../src/plan/types.js";
import { fakeRecord } from "./plans.js";

const NB = path.resolve(import.meta.dirname, "../../fixtures/notebooks/secrets_defaults.ipynb");

// Recognisable fake secret values, in the environment under the env-var names and keys the tags use.
const FAKE = { DB_PASSWORD: "e2-fake-db-PASSWORD-7f3a9c", API_TOKEN: "e2-fake-api-TOKEN-51be02", password: "e2-fake-raw-pw-90d1", token: "e2-fake-raw-tok-c44e" };
const saved: Record<string, string | undefined> = {};
let plan: Plan;

beforeAll(async () => {
  for (const [k, v] of Object.entries(FAKE)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  plan = await loadPlan(NB);
});
afterAll(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

type Executors = Record<string, Record<string, unknown>>;
const platformExecutors = (docs: unknown[]) => (docs[1] as { platforms: { kubernetes: { deploymentSpec: { executors: Executors } } } }).platforms.kubernetes.deploymentSpec.executors;

/** The exact bytes the KFP writer produces, parsed back, for a target backend version. */
function kfp(kfpVersion: string) {
  const ir = toKfpIr(plan, fakeRecord(plan), { kfpVersion });
  const text = stringifyKfp(ir);
  const docs = parseYamlDocuments(text);
  return { ir, text, docs };
}

const FETCH_SECRETS = [
  { secretName: "db-creds", keyToEnv: [{ secretKey: "password", envVar: "DB_PASSWORD" }] },
  { secretName: "api-creds", keyToEnv: [{ secretKey: "token", envVar: "API_TOKEN" }] },
];
const PVC = [{ constant: "shared-data", mountPath: "/data" }];

describe("secrets_defaults.ipynb → KFP IR platform spec (kfp-kubernetes, plain forms)", () => {
  it("every step gets steps_defaults (secret, labels, cpu limit); a step's own tag wins", () => {
    const by = Object.fromEntries(plan.steps.map((s) => [s.name, s]));
    expect(Object.keys(by)).toEqual(["fetch", "train"]);
    expect(by.fetch!.secrets).toEqual([
      { secret: "db-creds", key: "password", env: "DB_PASSWORD" },
      { secret: "api-creds", key: "token", env: "API_TOKEN" },
    ]);
    expect(by.train!.secrets).toEqual([{ secret: "db-creds", key: "password", env: "DB_PASSWORD" }]);
    expect(by.fetch!.labels).toEqual({ team: "data", tier: "batch" });
    expect(by.train!.labels).toEqual({ team: "ml", tier: "batch" }); // label:team:ml beats the default team:data
    expect(by.fetch!.limits).toEqual({ cpu: "1", memory: "2Gi" });
    expect(by.train!.limits).toEqual({ cpu: "4", "nvidia.com/gpu": "1" }); // limit:cpu:4 beats the default 1
    for (const s of plan.steps) expect(s.volumes).toEqual([{ pvc: "shared-data", mountPath: "/data" }]);
  });

  it("oldest backend (2.0.5): secretAsEnv and pvcMount per executor, validated, pod metadata left out with a warning", () => {
    const { ir, docs } = kfp("2.0.5");
    expect(docs).toHaveLength(2);
    expect(() => assertValidKfp(docs, "pipeline.yaml", { kfpVersion: "2.0.5" })).not.toThrow();
    expect(platformExecutors(docs)).toEqual({
      "exec-fetch": { secretAsEnv: FETCH_SECRETS, pvcMount: PVC },
      "exec-train": { secretAsEnv: [FETCH_SECRETS[0]], pvcMount: PVC },
    });
    expect(ir.warnings.join("\n")).toMatch(/pod labels\/annotations \(steps fetch, train\) need KFP >= 2\.1\.0/);
  });

  it("backend 2.1.0: the defaulted labels land in podMetadata too, a step's own label winning", () => {
    const { docs } = kfp("2.1.0");
    expect(kfpIssues(docs, { kfpVersion: "2.1.0" })).toEqual([]);
    const ex = platformExecutors(docs);
    expect(ex["exec-fetch"]).toEqual({
      secretAsEnv: FETCH_SECRETS,
      pvcMount: PVC,
      podMetadata: { labels: { team: "data", tier: "batch" }, annotations: { "example.com/note": "a:b:c" } },
    });
    expect(ex["exec-train"]).toEqual({ secretAsEnv: [FETCH_SECRETS[0]], pvcMount: PVC, podMetadata: { labels: { team: "ml", tier: "batch" } } });
  });

  it("steps_defaults' cpu limit, the steps' own limits, cache:disabled and report:disabled reach the IR", () => {
    const { docs } = kfp("2.0.5");
    const spec = docs[0] as {
      deploymentSpec: { executors: Record<string, { container: { resources?: Record<string, unknown>; args: string[] } }> };
      root: { dag: { tasks: Record<string, { cachingOptions: Record<string, unknown> }> } };
    };
    const res = (e: string) => spec.deploymentSpec.executors[e]!.container.resources;
    expect(res("exec-fetch")).toMatchObject({ cpuLimit: 1 });
    expect(res("exec-fetch")!.memoryLimit).toBeCloseTo(2.147483648, 9); // 2Gi in GB, as the SDK writes it
    expect(res("exec-train")).toMatchObject({ cpuLimit: 4, accelerator: { count: "1", type: "nvidia.com/gpu" } });
    expect(spec.root.dag.tasks.fetch!.cachingOptions).toEqual({});
    expect(spec.root.dag.tasks.train!.cachingOptions).toEqual({ enableCache: true });
    expect(spec.deploymentSpec.executors["exec-fetch"]!.container.args).toContain("--report");
    expect(spec.deploymentSpec.executors["exec-train"]!.container.args).not.toContain("--report");
  });

  it("no secret value anywhere: plan JSON, plan text, KFP YAML (both targets), Argo YAML", () => {
    const texts = {
      "plan JSON": JSON.stringify(plan),
      "plan text": formatPlan(plan),
      "KFP 2.0.5": kfp("2.0.5").text,
      "KFP 2.1.0": kfp("2.1.0").text,
      Argo: stringifyArgo(toArgoWorkflow(plan, fakeRecord(plan)).workflow),
    };
    for (const [what, text] of Object.entries(texts)) {
      for (const [name, value] of Object.entries(FAKE)) expect(text, `${what} must not hold the value of ${name}`).not.toContain(value);
      expect(text, `${what} names the secret`).toContain("db-creds");
    }
    // the secrets travel as names only: no `value:` next to the env var names in the KFP IR
    expect(kfp("2.0.5").text).not.toMatch(/DB_PASSWORD\s*\n\s*value:/);
  });
});

describe("secrets_defaults.ipynb → Argo Workflow", () => {
  it("validates and carries secretKeyRef references and the PVC, never values", () => {
    const { workflow } = toArgoWorkflow(plan, fakeRecord(plan));
    const text = stringifyArgo(workflow);
    const wf = parseYamlDocuments(text)[0] as {
      spec: { templates: { name: string; container?: { env?: { name: string; value?: string; valueFrom?: unknown }[]; volumeMounts?: { name: string; mountPath: string }[] } }[]; volumes?: { name: string; persistentVolumeClaim?: { claimName: string } }[] };
    };
    expect(() => assertValidArgo(wf, "pipeline.argo.yaml")).not.toThrow();
    const containers = wf.spec.templates.filter((t) => t.container);
    expect(containers).toHaveLength(2);
    const envOf = (t: (typeof containers)[number]) => (t.container!.env ?? []).filter((e) => e.name === "DB_PASSWORD" || e.name === "API_TOKEN");
    const [fetch, train] = [containers.find((t) => /fetch/.test(t.name))!, containers.find((t) => /train/.test(t.name))!];
    expect(envOf(fetch)).toEqual([
      { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "db-creds", key: "password" } } },
      { name: "API_TOKEN", valueFrom: { secretKeyRef: { name: "api-creds", key: "token" } } },
    ]);
    expect(envOf(train)).toEqual([{ name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "db-creds", key: "password" } } }]);
    for (const t of [fetch, train]) {
      const mount = t.container!.volumeMounts?.find((m) => m.mountPath === "/data");
      expect(mount, `${t.name} mounts /data`).toBeDefined();
      const volumes = [...(wf.spec.volumes ?? []), ...((t as { volumes?: typeof wf.spec.volumes }).volumes ?? [])];
      expect(volumes.find((v) => v.name === mount!.name)?.persistentVolumeClaim?.claimName).toBe("shared-data");
    }
  });
});
