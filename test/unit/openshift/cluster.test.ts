/**
 * `nbbuild openshift apply|build|pipeline` against a fake OpenShift API on 127.0.0.1 over HTTPS
 * (test/support/openshift-api-server.ts: every request checked against the OpenShift OpenAPI
 * schemas, realistic objects played back) — not against a real cluster, which is not reachable here.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { Command } from "commander";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { register } from "../../../src/cli/openshift.js";
import { NbbuildError } from "../../../src/errors.js";
import { buildOnCluster } from "../../../src/openshift/builds.js";
import { parseYamlDocuments } from "../../../src/pipeline/yaml.js";
import { startFakeKfpApi, type FakeKfpApi } from "../../support/kfp-api-server.js";
import { startFakeOpenShift, type FakeOpenShift } from "../../support/openshift-api-server.js";
import { cleanTemps, tempDir } from "../../support/temp.js";

const WINE = "examples/wine/wine.ipynb";
const NS = "ds-team";
const TOKEN = "sha256~fake-openshift-token";
const COMMIT = "3f2a9c1d7e5b4a6f8091a2b3c4d5e6f708192a3b";
const GIT = ["--git-uri", "https://github.com/org/wine.git", "--git-ref", "main"];
type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function cli(args: string[]): Promise<{ stdout: string; stderr: string }> {
  const program = new Command().exitOverride();
  register(program);
  let stdout = "";
  let stderr = "";
  vi.spyOn(process.stdout, "write").mockImplementation((s) => ((stdout += String(s)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((s) => ((stderr += String(s)), true));
  try {
    await program.parseAsync(["node", "nbbuild", "openshift", ...args]);
  } finally {
    vi.restoreAllMocks();
  }
  return { stdout, stderr };
}
const nbError = async (p: Promise<unknown>) => {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(NbbuildError);
  return (e as NbbuildError).message;
};

describe("a cluster that builds everything", () => {
  let fake: FakeOpenShift;
  let kfp: FakeKfpApi | undefined;
  let kc: string[];
  beforeAll(async () => {
    fake = await startFakeOpenShift({ dir: tempDir("nbb-ocp-"), namespace: NS, token: TOKEN, commit: COMMIT, existingTags: ["nbbuild-builder:latest"] });
    kc = ["--kubeconfig", fake.kubeconfig];
  });
  afterAll(async () => {
    await fake.close();
    await kfp?.close();
    cleanTemps();
  });
  afterEach(() => expect(fake.violations).toEqual([]));

  let firstSecret = "";
  test("apply creates every object (validated by the server), prints webhook URLs without the secret", async () => {
    const { stdout, stderr } = await cli(["apply", WINE, ...GIT, ...kc]);
    const kinds = [...fake.objects.values()].map((o) => o.kind);
    expect(kinds.filter((k) => k === "BuildConfig").length).toBeGreaterThan(3);
    expect(kinds).toEqual(expect.arrayContaining(["Secret", "RoleBinding", "ImageStream"]));
    expect(fake.requests.filter((r) => r.method === "POST").length).toBe(fake.objects.size);
    firstSecret = Buffer.from(fake.objects.get("Secret/wine-classification-webhook")!.data.WebHookSecretKey, "base64").toString();
    expect(firstSecret).toMatch(/^[0-9a-f]{40}$/);
    expect(stdout + stderr).not.toContain(firstSecret);
    expect(stdout).toContain(`${fake.url}/apis/build.openshift.io/v1/namespaces/${NS}/buildconfigs/wine-classification-split/webhooks/<secret>/github`);
    expect(stdout).toContain("/webhooks/<secret>/generic");
    expect(stdout).toMatch(/oc get secret wine-classification-webhook -n ds-team/);
    // Creating the dependency BuildConfig started its first build (ConfigChange), as on a cluster.
    expect([...fake.builds.keys()]).toEqual([expect.stringMatching(/^wine-classification-deps-[0-9a-f]{12}-1$/)]);
  });

  test("apply again: 409 → read → replace with resourceVersion; the Secret the git host knows is kept; --show-secret prints it", async () => {
    const before = fake.requests.length;
    const { stdout, stderr } = await cli(["apply", WINE, ...GIT, ...kc, "--show-secret"]);
    const again = fake.requests.slice(before);
    const puts = again.filter((r) => r.method === "PUT");
    expect(puts.length).toBe(fake.objects.size);
    for (const p of puts) expect(p.body!.metadata.resourceVersion).toMatch(/^\d+$/);
    expect(again.filter((r) => r.method === "POST").length).toBe(fake.objects.size);
    expect(stderr).toMatch(/updated BuildConfig wine-classification-split/);
    expect(Buffer.from(fake.objects.get("Secret/wine-classification-webhook")!.data.WebHookSecretKey, "base64").toString()).toBe(firstSecret);
    expect(stdout).toContain(`/buildconfigs/wine-classification-split/webhooks/${firstSecret}/github`);
  });

  test("pipeline before any step image exists: one clear error naming every step", async () => {
    const msg = await nbError(cli(["pipeline", WINE, ...kc, "-o", path.join(tempDir("nbb-ocp-"), "p.yaml")]));
    expect(msg).toMatch(/step load_data: no image yet \(ImageStreamTag wine-classification-load-data:latest not found in ds-team\)/);
    expect(msg).toMatch(/step compare: no image yet/);
    expect(msg).toMatch(/nbbuild openshift build/);
  });

  const stepConfigs = () => [...fake.objects.values()].filter((o) => o.kind === "BuildConfig" && !o.metadata.name.includes("-deps-")).map((o) => o.metadata.name as string).sort();

  test("build --follow: waits for the dependency build and the step builds its image triggered, streams logs prefixed by step", async () => {
    const before = fake.requests.length;
    const { stdout, stderr } = await cli(["build", WINE, ...kc, "--follow", "--poll-interval", "0.01"]);
    const reqs = fake.requests.slice(before);
    // The new dependency image started every step build (ImageChange): nothing is started twice.
    expect(reqs.filter((r) => r.path.endsWith("/instantiate"))).toEqual([]);
    expect(stderr).toMatch(/split: waiting for wine-classification-split-1 \(already started by the cluster\)/);
    expect(stderr).toMatch(/deps [0-9a-f]{12}: waiting for wine-classification-deps-[0-9a-f]{12}-1/);
    expect(stderr).toMatch(/split: build wine-classification-split-1 Running/);
    expect(stderr).toMatch(/split: build wine-classification-split-1 Complete/);
    expect(stdout).toMatch(/^\[split\] nbbuild assemble: step split$/m);
    expect(stdout).toMatch(/^\[load_data\] Push successful$/m);
    expect(stdout).toMatch(/^\[deps [0-9a-f]{12}\] Cloning "https:\/\/github.com\/org\/wine.git" \.\.\.$/m);
    expect(reqs.filter((r) => r.path.endsWith("/log")).every((r) => r.query.follow === "true")).toBe(true);
    for (const b of fake.builds.values()) expect(b.status.phase).toBe("Complete");
  });

  test("build again: the dependency image exists, so it instantiates each step (a BuildRequest per BuildConfig)", async () => {
    const before = fake.requests.length;
    const { stderr } = await cli(["build", WINE, ...kc, "--poll-interval", "0.01"]);
    const instantiate = fake.requests.slice(before).filter((r) => r.path.endsWith("/instantiate"));
    expect(instantiate.map((r) => r.path.split("/").at(-2)).sort()).toEqual(stepConfigs());
    for (const r of instantiate) expect(r.body).toMatchObject({ kind: "BuildRequest", apiVersion: "build.openshift.io/v1", metadata: { name: r.path.split("/").at(-2) } });
    expect(stderr).toMatch(/split: started wine-classification-split-2/);
    expect(stderr).toMatch(/split: build wine-classification-split-2 Complete/);
    expect(stderr).not.toMatch(/deps [0-9a-f]{12}:/);
  });

  test("pipeline: each step's image by digest in the internal registry; --upload names the version after the commit", async () => {
    const out = path.join(tempDir("nbb-ocp-"), "wine.yaml");
    const { stdout } = await cli(["pipeline", WINE, ...kc, "-o", out]);
    expect(stdout).toMatch(/images by digest from commit 3f2a9c1d7e5b/);
    const ir = parseYamlDocuments(readFileSync(out, "utf8"))[0] as Any;
    const images = Object.values(ir.deploymentSpec.executors as Record<string, Any>).map((e) => e.container.image as string);
    // The latest build of each step (build 2) is what its tag points at; build 1's digest is gone.
    const steps = [...fake.builds.values()].filter((b) => !b.metadata.name.includes("-deps-"));
    expect(images.length).toBe(stepConfigs().length);
    for (const b of steps) {
      const is = b.spec.output.to.name.split(":")[0];
      const ref = `image-registry.openshift-image-registry.svc:5000/${NS}/${is}@${b.status.output.to.imageDigest}`;
      if (b.metadata.name.endsWith("-2")) expect(images).toContain(ref);
      else expect(images).not.toContain(ref);
    }

    kfp = await startFakeKfpApi({ token: "kfp-token" });
    process.env.NBB_TEST_KFP_TOKEN = "kfp-token";
    try {
      await cli(["pipeline", WINE, ...kc, "-o", out, "--upload", "--host", kfp.url, "--token-env", "NBB_TEST_KFP_TOKEN"]);
      const { stdout: second } = await cli(["pipeline", WINE, ...kc, "-o", out, "--upload", "--host", kfp.url, "--token-env", "NBB_TEST_KFP_TOKEN"]);
      expect(second).toMatch(/uploaded version wine-classification-3f2a9c1d7e5b of pipeline wine-classification/);
      expect(kfp.versions.map((v) => v.name)).toContain("wine-classification-3f2a9c1d7e5b");
    } finally {
      delete process.env.NBB_TEST_KFP_TOKEN;
    }
  });

  test("build --triggered starts nothing and waits for the builds a push started", async () => {
    const pushed = ["wine-classification-split", "wine-classification-compare"].map((bc) => fake.pushTrigger(bc));
    const before = fake.requests.length;
    const outcomes = await buildOnCluster(WINE, { kubeconfig: fake.kubeconfig, triggered: true, steps: ["split", "compare"], pollMs: 5 });
    expect(fake.requests.slice(before).some((r) => r.path.endsWith("/instantiate"))).toBe(false);
    expect(outcomes.map((o) => o.build).sort()).toEqual(pushed.sort());
    expect(outcomes.every((o) => o.phase === "Complete")).toBe(true);
  });
});

describe("failures", () => {
  let fake: FakeOpenShift;
  beforeAll(async () => {
    fake = await startFakeOpenShift({ dir: tempDir("nbb-ocp-"), namespace: NS, token: TOKEN, existingTags: ["nbbuild-builder:latest"], failing: ["wine-classification-split"] });
  });
  afterAll(async () => {
    await fake.close();
    cleanTemps();
  });

  test("a failed build fails clearly: step, build, reason, the last log lines, how to read the log", async () => {
    await cli(["apply", WINE, ...GIT, "--kubeconfig", fake.kubeconfig]);
    const msg = await nbError(buildOnCluster(WINE, { kubeconfig: fake.kubeconfig, pollMs: 5 }));
    expect(msg).toMatch(/split: build wine-classification-split-1 Failed \(AssembleFailed: Assemble script failed\.\)/);
    expect(msg).toMatch(/ModuleNotFoundError: No module named 'sklearn'/);
    expect(msg).toMatch(/fix: read the whole log: oc logs build\/wine-classification-split-1 -n ds-team/);
    expect(msg).not.toMatch(/load_data: build/);
    expect(fake.violations).toEqual([]);
  });

  test("wrong token, unknown namespace, no kubeconfig: clear errors with a fix", async () => {
    const bad = path.join(tempDir("nbb-ocp-"), "kubeconfig");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(bad, readFileSync(fake.kubeconfig, "utf8").replace(TOKEN, "expired"));
    expect(await nbError(buildOnCluster(WINE, { kubeconfig: bad }))).toMatch(/refused the credentials[\s\S]*fix: log in again: oc login/);
    expect(await nbError(buildOnCluster(WINE, { kubeconfig: fake.kubeconfig, namespace: "other" }))).toMatch(/403 Forbidden[\s\S]*fix: ask for the edit role in namespace other/);
    expect(await nbError(buildOnCluster(WINE, { kubeconfig: path.join(tempDir("nbb-ocp-"), "missing") }))).toMatch(/cannot load a kubeconfig[\s\S]*oc login/);
  });
});
