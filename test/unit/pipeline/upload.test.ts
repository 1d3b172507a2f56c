/**
 * Upload against a fake KFP API on 127.0.0.1 (test/support/kfp-api-server.ts) that checks the real
 * request shapes — not against a real Kubeflow / OpenShift AI cluster.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Command } from "commander";
import { afterEach, describe, expect, test, vi } from "vitest";
import { register } from "../../../src/cli/upload.js";
import { NbbuildError } from "../../../src/errors.js";
import { toArgoWorkflow } from "../../../src/pipeline/argo.js";
import { toKfpIr } from "../../../src/pipeline/kfp.js";
import { typedRunParameters, uploadPipeline } from "../../../src/pipeline/upload.js";
import { stringifyArgo, stringifyKfp } from "../../../src/pipeline/yaml.js";
import { startFakeKfpApi, type FakeKfpApi } from "../../support/kfp-api-server.js";
import { fakeRecord, winePlan } from "./plans.js";

const plan = winePlan();
const yamlText = stringifyKfp(toKfpIr(plan, fakeRecord(plan)));
const TOKEN = "s3cr3t-token-value";
let api: FakeKfpApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const err = async (p: Promise<unknown>) => {
  const e = await p.catch((x: unknown) => x);
  expect(e).toBeInstanceOf(NbbuildError);
  return e as NbbuildError;
};

describe("uploadPipeline", () => {
  test("new pipeline: multipart field uploadfile with the .yaml name, query name/display_name/description, bearer token", async () => {
    api = await startFakeKfpApi({ token: TOKEN });
    const r = await uploadPipeline("out/wine.yaml", yamlText, { host: api.url, env: { KF_PIPELINES_TOKEN: TOKEN } });
    expect(r).toMatchObject({ created: "pipeline", name: "wine-classification" });
    expect(r.pipelineId).toBe(api.pipelines[0]!.pipeline_id);
    const req = api.requests[0]!;
    expect(req.method).toBe("POST");
    expect(req.path).toBe("/apis/v2beta1/pipelines/upload");
    expect(req.query).toEqual({ name: "wine-classification", display_name: "wine-classification", description: "Train and compare two wine classifiers" });
    expect(req.authorization).toBe(`Bearer ${TOKEN}`);
    expect(req.parts).toEqual([{ name: "uploadfile", filename: "wine.yaml", content: yamlText }]);
  });

  test("name taken (409) → upload_version with pipelineid and a content-derived version name; same file again → clear 409", async () => {
    api = await startFakeKfpApi();
    await uploadPipeline("wine.yaml", yamlText, { host: api.url, env: {} });
    const r = await uploadPipeline("wine.yaml", yamlText, { host: api.url, env: {} });
    expect(r.created).toBe("version");
    expect(r.pipelineId).toBe(api.pipelines[0]!.pipeline_id);
    expect(r.versionName).toMatch(/^wine-classification-[0-9a-f]{12}$/);
    const v = api.requests.find((q) => q.path === "/apis/v2beta1/pipelines/upload_version")!;
    expect(v.query).toMatchObject({ pipelineid: r.pipelineId, name: r.versionName });
    expect(v.parts![0]!.name).toBe("uploadfile");
    expect(api.requests.some((q) => q.method === "GET" && q.path === "/apis/v2beta1/pipelines/names/wine-classification")).toBe(true);
    const e = await err(uploadPipeline("wine.yaml", yamlText, { host: api.url, env: {} }));
    expect(e.problems[0]!.message).toMatch(/already has a version named/);
    expect(e.problems[0]!.fix).toMatch(/--version/);
    const r3 = await uploadPipeline("wine.yaml", yamlText, { host: api.url, env: {}, version: "v3" });
    expect(r3.versionName).toBe("v3");
  });

  test("--run with typed -p overrides and an experiment", async () => {
    api = await startFakeKfpApi();
    api.experiments.push({ experiment_id: "exp-1", display_name: "x", namespace: "" });
    const r = await uploadPipeline("wine.yaml", yamlText, {
      host: api.url, env: {}, run: true, params: ["SEED=7", "TEST_SIZE=0.3"], experimentId: "exp-1", runName: "r1",
    });
    expect(r.runId).toBe(api.runs[0]!.run_id);
    expect(r.pipelineVersionId).toBe(api.versions[0]!.pipeline_version_id);
    const runReq = api.requests.find((q) => q.path === "/apis/v2beta1/runs")!;
    expect(runReq.json).toEqual({
      display_name: "r1",
      experiment_id: "exp-1",
      pipeline_version_reference: { pipeline_id: r.pipelineId, pipeline_version_id: r.pipelineVersionId },
      runtime_config: { parameters: { SEED: 7, TEST_SIZE: 0.3 } },
    });
  });

  test("--experiment NAME: created when missing, reused after; requires --run", async () => {
    api = await startFakeKfpApi();
    const r1 = await uploadPipeline("wine.yaml", yamlText, { host: api.url, env: {}, run: true, experiment: "wine" });
    const r2 = await uploadPipeline("wine.yaml", yamlText.replace("Train and", "Train  and"), { host: api.url, env: {}, run: true, experiment: "wine" });
    expect(api.experiments).toHaveLength(1);
    expect(api.runs.map((r) => r.experiment_id)).toEqual([api.experiments[0]!.experiment_id, api.experiments[0]!.experiment_id]);
    expect(r2.created).toBe("version");
    expect(r1.runId).not.toBe(r2.runId);
    expect(api.requests.find((q) => q.method === "POST" && q.path === "/apis/v2beta1/experiments")!.json).toEqual({ display_name: "wine" });
    await expect(uploadPipeline("wine.yaml", yamlText, { host: api.url, env: {}, experiment: "wine" })).rejects.toThrow(/only applies together with --run/);
  });

  test("a server without GET /pipelines/names/{name}: the 409 path finds the pipeline through a filtered list", async () => {
    api = await startFakeKfpApi({ noGetByName: true });
    await uploadPipeline("wine.yaml", yamlText, { host: api.url, env: {} });
    const r = await uploadPipeline("wine.yaml", yamlText, { host: api.url, env: {}, version: "v2" });
    expect(r).toMatchObject({ created: "version", pipelineId: api.pipelines[0]!.pipeline_id, versionName: "v2" });
    const list = api.requests.find((q) => q.method === "GET" && q.path === "/apis/v2beta1/pipelines")!;
    expect(JSON.parse(list.query.filter!)).toEqual({ predicates: [{ key: "name", operation: "EQUALS", string_value: "wine-classification" }] });
  });

  test("-p errors: unknown parameter, wrong type, missing =", () => {
    const types = { SEED: "NUMBER_INTEGER", FLAG: "BOOLEAN" };
    expect(() => typedRunParameters(["NOPE=1"], types, "f")).toThrow(/no parameter "NOPE"/);
    expect(() => typedRunParameters(["SEED=1.5"], types, "f")).toThrow(/must be an integer/);
    expect(() => typedRunParameters(["FLAG"], types, "f")).toThrow(/not key=value/);
    expect(typedRunParameters(["FLAG=True", "SEED=3"], types, "f")).toEqual({ FLAG: true, SEED: 3 });
  });

  test("401 without a token, 403 with a wrong one: clear messages, token never shown", async () => {
    api = await startFakeKfpApi({ token: TOKEN });
    const e401 = await err(uploadPipeline("wine.yaml", yamlText, { host: api.url, env: {} }));
    expect(e401.message).toMatch(/401 Unauthorized.*no token was sent/);
    expect(e401.problems[0]!.fix).toMatch(/export KF_PIPELINES_TOKEN=\$\(oc whoami -t\)/);
    const wrong = "wrong-token-123";
    const e403 = await err(uploadPipeline("wine.yaml", yamlText, { host: api.url, env: { MY_TOK: wrong }, tokenEnv: "MY_TOK" }));
    expect(e403.message).toMatch(/403 Forbidden/);
    expect(e403.message + e403.problems[0]!.fix).not.toContain(wrong);
    expect(api.requests[1]!.authorization).toBe(`Bearer ${wrong}`);
  });

  test("an explicitly named but empty token variable is an error before any request", async () => {
    api = await startFakeKfpApi();
    const e = await err(uploadPipeline("wine.yaml", yamlText, { host: api.url, env: {}, tokenEnv: "X_TOKEN", tokenEnvExplicit: true }));
    expect(e.message).toMatch(/X_TOKEN is empty or not set/);
    expect(api.requests).toHaveLength(0);
  });

  test("404: wrong host path explains what --host must be", async () => {
    api = await startFakeKfpApi();
    const e = await err(uploadPipeline("wine.yaml", yamlText, { host: `${api.url}/wrong/prefix`, env: {} }));
    expect(e.message).toMatch(/404 Not Found/);
    expect(e.problems[0]!.fix).toMatch(/ds-pipeline/);
  });

  test("unreachable host and non-URL host", async () => {
    const closed = await startFakeKfpApi();
    const url = closed.url;
    await closed.close();
    expect((await err(uploadPipeline("wine.yaml", yamlText, { host: url, env: {} }))).message).toMatch(/cannot reach the KFP API/);
    expect((await err(uploadPipeline("wine.yaml", yamlText, { host: "not a url", env: {} }))).message).toMatch(/not a URL/);
  });

  test("refuses invalid files and Argo workflows before sending anything", async () => {
    api = await startFakeKfpApi();
    const bad = yamlText.replace("schemaVersion: 2.1.0", "schemaVersion: 2.0.0");
    await err(uploadPipeline("wine.yaml", bad, { host: api.url, env: {} }));
    const argo = stringifyArgo(toArgoWorkflow(plan, fakeRecord(plan)).workflow);
    expect((await err(uploadPipeline("wf.yaml", argo, { host: api.url, env: {} }))).message).toMatch(/Argo Workflow/);
    expect(api.requests).toHaveLength(0);
  });

  test("the fake server really rejects a spec its strict parser would (proves the check is live)", async () => {
    api = await startFakeKfpApi();
    const form = new FormData();
    form.append("uploadfile", new Blob([yamlText.replace("pipelineInfo:", "pipelineInfo:\n  bogus: 1")]), "x.yaml");
    const res = await fetch(`${api.url}/apis/v2beta1/pipelines/upload?name=x`, { method: "POST", body: form });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/bogus/);
  });
});

describe("nbbuild upload (CLI)", () => {
  test("reads the file, takes the token from the env var, prints ids but never the token", async () => {
    api = await startFakeKfpApi({ token: TOKEN });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nbbuild-upload-"));
    const file = path.join(dir, "wine.yaml");
    fs.writeFileSync(file, yamlText);
    vi.stubEnv("NBB_TEST_TOKEN", TOKEN);
    const program = new Command().exitOverride();
    register(program);
    const write = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    let printed = "";
    try {
      await program.parseAsync(["node", "nbbuild", "upload", file, "--host", api.url, "--token-env", "NBB_TEST_TOKEN", "--run", "-p", "C=2.5"]);
      printed = write.mock.calls.flat().join("");
    } finally {
      write.mockRestore();
      vi.unstubAllEnvs();
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(printed).toContain(`pipeline_id: ${api.pipelines[0]!.pipeline_id}`);
    expect(printed).toContain(`run_id: ${api.runs[0]!.run_id}`);
    expect(printed).not.toContain(TOKEN);
    expect((api.runs[0] as any).runtime_config.parameters).toEqual({ C: 2.5 });
  });
});
