/**
 * The cluster objects of the wine example: validated against the OpenShift OpenAPI definitions
 * (../shared/reference/openshift/build-image-openapi.json) with strict field validation.
 */
import path from "node:path";
import { describe, expect, test } from "vitest";
import { NbbuildError } from "../../../src/errors.js";
import { buildManifests, parseBuilder, type KubeObject } from "../../../src/openshift/manifests.js";
import { dnsLabel } from "../../../src/openshift/names.js";
import { clusterObjects, manifestsYaml } from "../../../src/openshift/objects.js";
import { parseYamlDocuments } from "../../../src/pipeline/yaml.js";
import { OpenShiftSchemas } from "../../support/openshift-openapi.js";
import { makePlan, makeStep } from "../pipeline/plans.js";

const WINE = path.resolve("examples/wine/wine.ipynb");
const schemas = new OpenShiftSchemas();
const SECRET = "0123456789abcdef0123456789abcdef01234567";
const byKind = (objects: KubeObject[], kind: string) => objects.filter((o) => o.kind === kind);
type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe("nbbuild openshift manifests (wine)", async () => {
  const warnings: string[] = [];
  const { plan, manifests } = await clusterObjects(WINE, {
    gitUri: "https://user:tok3n@github.com/org/repo.git", gitRef: "main", namespace: "ds-team", onWarning: (w) => warnings.push(w),
  }, SECRET);
  const objects = manifests.objects;

  test("every object validates against the OpenShift OpenAPI schemas (strict) and round-trips through YAML", () => {
    const docs = parseYamlDocuments(manifestsYaml(objects)) as Any[];
    expect(docs).toEqual(JSON.parse(JSON.stringify(objects)));
    for (const o of docs) expect({ kind: o.kind, name: o.metadata.name, issues: schemas.issues(o) }).toEqual({ kind: o.kind, name: o.metadata.name, issues: [] });
  });

  test("the validator rejects what the API server would (typos, missing fields, pod security fields)", () => {
    const bc = structuredClone(byKind(objects, "BuildConfig").at(-1)!) as Any;
    bc.spec.runPolicy = "Latest";
    bc.spec.strategy.sourceStrategy.frm = bc.spec.strategy.sourceStrategy.from;
    delete bc.spec.strategy.sourceStrategy.from;
    bc.spec.securityContext = { runAsUser: 1000 };
    const issues = schemas.issues(bc);
    expect(issues.join("\n")).toMatch(/from/);
    expect(issues.join("\n")).toMatch(/frm|additional/);
    delete bc.spec.securityContext;
    bc.spec.strategy.sourceStrategy.from = { kind: "ImageStreamTag", name: "x:y" };
    delete bc.spec.strategy.sourceStrategy.frm;
    expect(schemas.issues(bc).join("\n")).toMatch(/runPolicy "Latest"/);
  });

  test("one ImageStream and one BuildConfig per step: S2I from the dependency image, env, output, SerialLatestOnly, triggers", () => {
    expect(plan.steps.length).toBeGreaterThan(2);
    for (const s of plan.steps) {
      const name = manifests.stepBuildConfigs[s.name]!;
      expect(name).toBe(dnsLabel(`${plan.name}-${s.name}`));
      expect(byKind(objects, "ImageStream").some((o) => o.metadata.name === name)).toBe(true);
      const bc = objects.find((o) => o.kind === "BuildConfig" && o.metadata.name === name) as Any;
      expect(bc.metadata.namespace).toBe("ds-team");
      expect(bc.spec.runPolicy).toBe("SerialLatestOnly");
      expect(bc.spec.source).toEqual({ type: "Git", git: { uri: "https://github.com/org/repo.git", ref: "main" } });
      const ss = bc.spec.strategy.sourceStrategy;
      expect(bc.spec.strategy.type).toBe("Source");
      expect(ss.from.kind).toBe("ImageStreamTag");
      expect(ss.from.name).toMatch(new RegExp(`^${plan.name}-deps:[0-9a-f]{12}$`));
      expect(ss.env).toEqual([
        { name: "NBBUILD_NOTEBOOK", value: "examples/wine/wine.ipynb" },
        { name: "NBBUILD_STEP", value: s.name },
        // The dependency image's baked NBBUILD_DEPS_ONLY=1 must not turn step builds into dependency builds.
        { name: "NBBUILD_DEPS_ONLY", value: "0" },
      ]);
      expect(bc.spec.output).toEqual({ to: { kind: "ImageStreamTag", name: `${name}:latest` } });
      const hook = { secretReference: { name: `${plan.name}-webhook` } };
      expect(bc.spec.triggers).toEqual([
        { type: "GitHub", github: hook }, { type: "Generic", generic: hook }, { type: "ConfigChange" }, { type: "ImageChange", imageChange: {} },
      ]);
    }
  });

  test("one dependency BuildConfig per distinct dependency set, named by its hash, built from the builder, no webhook", () => {
    const deps = byKind(objects, "BuildConfig").filter((o) => o.metadata.name.includes("-deps-")) as Any[];
    const froms = new Set(byKind(objects, "BuildConfig").filter((o) => !o.metadata.name.includes("-deps-")).map((o: Any) => o.spec.strategy.sourceStrategy.from.name));
    expect(deps.length).toBe(froms.size);
    for (const d of deps) {
      const tag = d.spec.output.to.name as string;
      expect(froms.has(tag)).toBe(true);
      expect(d.metadata.name).toBe(`${plan.name}-deps-${tag.split(":")[1]}`);
      expect(d.spec.strategy.sourceStrategy.from).toEqual({ kind: "ImageStreamTag", name: "nbbuild-builder:latest" });
      expect(d.spec.strategy.sourceStrategy.env).toContainEqual({ name: "NBBUILD_DEPS_ONLY", value: "1" });
      expect(d.spec.triggers.map((t: Any) => t.type)).toEqual(["ConfigChange", "ImageChange"]);
    }
  });

  test("a webhook Secret with WebHookSecretKey and the RoleBinding of system:webhook to system:unauthenticated", () => {
    const secret = byKind(objects, "Secret")[0] as Any;
    expect(Buffer.from(secret.data.WebHookSecretKey, "base64").toString()).toBe(SECRET);
    const rb = byKind(objects, "RoleBinding")[0] as Any;
    expect(rb.roleRef).toEqual({ apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:webhook" });
    expect(rb.subjects).toEqual([{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "system:unauthenticated" }]);
    expect(rb.metadata.namespace).toBe("ds-team");
  });

  test("credentials in the git URL never reach an object (and the user is told)", () => {
    expect(JSON.stringify(objects)).not.toContain("tok3n");
    expect(warnings.join("\n")).toMatch(/credentials.*--source-secret/);
  });

  test("deterministic: the same input gives the same objects (except the random secret)", async () => {
    const again = await clusterObjects(WINE, { gitUri: "https://github.com/org/repo.git", gitRef: "main", namespace: "ds-team" }, SECRET);
    expect(again.manifests.objects).toEqual(objects);
    const other = await clusterObjects(WINE, { gitUri: "https://github.com/org/repo.git" });
    const key = (other.manifests.objects.find((o) => o.kind === "Secret") as Any).data.WebHookSecretKey;
    expect(Buffer.from(key, "base64").toString()).toMatch(/^[0-9a-f]{40}$/);
    expect(key).not.toBe((byKind(objects, "Secret")[0] as Any).data.WebHookSecretKey);
  });
});

describe("buildManifests options", () => {
  const plan = makePlan([makeStep("Train Model!"), makeStep("evaluate")], { name: "wine" });
  const base = { git: { uri: "git@github.com:org/repo.git", contextDir: "nb", sourceSecret: "git-creds" }, notebookPath: "nb.ipynb", builder: parseBuilder("quay.io/org/nbbuild-builder:1.0"), dependencyHashes: { "Train Model!": "a".repeat(64), evaluate: "b".repeat(64) }, webhookSecret: "s" };

  test("a registry builder is imported into an ImageStream (so a new builder triggers rebuilds); names are DNS-1123; two dependency sets", () => {
    const m = buildManifests(plan, { ...base, webhookRoleBinding: false });
    for (const o of m.objects) expect(schemas.issues(o)).toEqual([]);
    expect(byKind(m.objects, "RoleBinding")).toEqual([]);
    expect(m.stepBuildConfigs["Train Model!"]).toBe("wine-train-model");
    const builder = m.objects.find((o) => o.metadata.name === "wine-builder") as Any;
    expect(builder.spec.tags[0]).toMatchObject({ name: "latest", from: { kind: "DockerImage", name: "quay.io/org/nbbuild-builder:1.0" }, importPolicy: { scheduled: true } });
    const deps = byKind(m.objects, "BuildConfig").filter((o) => o.metadata.name.startsWith("wine-deps-")) as Any[];
    expect(deps.map((d) => d.metadata.name)).toEqual(["wine-deps-aaaaaaaaaaaa", "wine-deps-bbbbbbbbbbbb"]);
    expect(deps[0].spec.strategy.sourceStrategy.from).toEqual({ kind: "ImageStreamTag", name: "wine-builder:latest" });
    expect(deps[0].spec.strategy.sourceStrategy.env.map((e: Any) => e.name)).not.toContain("NBBUILD_EXPECT_DEPENDENCY_HASH");
    const checked = buildManifests(plan, { ...base, hashesMatchBuilder: true }).objects.find((o) => o.metadata.name === "wine-deps-aaaaaaaaaaaa") as Any;
    expect(checked.spec.strategy.sourceStrategy.env).toContainEqual({ name: "NBBUILD_EXPECT_DEPENDENCY_HASH", value: "aaaaaaaaaaaa" });
    expect(deps[0].spec.source).toEqual({ type: "Git", git: { uri: "git@github.com:org/repo.git" }, contextDir: "nb", sourceSecret: { name: "git-creds" } });
  });

  test("long names stay ≤ 57 chars, deterministic and distinct; colliding step names and bad flags are clear errors", () => {
    const long = "x".repeat(80);
    expect(dnsLabel(`${long}a`)).toHaveLength(57);
    expect(dnsLabel(`${long}a`)).not.toBe(dnsLabel(`${long}b`));
    expect(dnsLabel(`${long}a`)).toBe(dnsLabel(`${long}a`));
    const clash = makePlan([makeStep("a_b"), makeStep("a.b")], { name: "p" });
    expect(() => buildManifests(clash, { ...base, dependencyHashes: { a_b: "a".repeat(64), "a.b": "a".repeat(64) } })).toThrow(/map to the same object name p-a-b/);
    expect(() => parseBuilder("not a ref")).toThrow(NbbuildError);
    expect(parseBuilder("openshift/nbbuild-builder:2")).toEqual({ kind: "ImageStreamTag", name: "nbbuild-builder:2", namespace: "openshift" });
    expect(() => buildManifests(plan, { ...base, git: { uri: "not-a-url" } })).toThrow(/--git-uri.*not a git URL/);
  });
});

test("an Elyra pipeline: one dependency BuildConfig per node dependency set, every object valid", async () => {
  const { manifests } = await clusterObjects(path.resolve("test/fixtures/elyra/four-node/four.pipeline"), { gitUri: "https://github.com/org/repo.git" }, SECRET);
  for (const o of manifests.objects) expect({ name: o.metadata.name, issues: schemas.issues(o) }).toEqual({ name: o.metadata.name, issues: [] });
  const bcs = byKind(manifests.objects, "BuildConfig") as Any[];
  const deps = bcs.filter((b) => b.metadata.name.includes("-deps-"));
  const steps = bcs.filter((b) => !b.metadata.name.includes("-deps-"));
  expect(steps).toHaveLength(4);
  expect(deps.length).toBeGreaterThan(1);
  expect(new Set(steps.map((b) => b.spec.strategy.sourceStrategy.from.name))).toEqual(new Set(deps.map((d) => d.spec.output.to.name)));
  for (const b of bcs) expect(b.spec.strategy.sourceStrategy.env[0]).toEqual({ name: "NBBUILD_NOTEBOOK", value: "test/fixtures/elyra/four-node/four.pipeline" });
});
