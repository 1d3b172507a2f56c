/**
 * The cluster objects of a plan (pure: Plan + options → objects): per step an ImageStream and a
 * Source-strategy BuildConfig that a git push rebuilds; per distinct dependency set a BuildConfig
 * whose image the step builds start from (so a notebook edit re-renders code, not pip); the
 * webhook Secret and the RoleBinding that lets the git host call the webhook on OpenShift ≥ 4.16.
 * No pod security fields anywhere: builds run under the namespace's restricted-v2 range.
 */
import { NbbuildError } from "../errors.js";
import type { Plan } from "../plan/types.js";
import { stripCredentials } from "../render/pip.js";
import { planNames, WEBHOOK_ROLEBINDING } from "./names.js";

/** The key OpenShift reads from a webhook Secret. */
export const WEBHOOK_SECRET_KEY = "WebHookSecretKey";

/** A Kubernetes object as nbbuild writes it. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; resourceVersion?: string };
  [field: string]: unknown;
}

/** The S2I builder image: an ImageStreamTag (`[namespace/]name:tag`) or a registry reference. */
export type BuilderRef = { kind: "ImageStreamTag"; name: string; namespace?: string } | { kind: "DockerImage"; name: string };

/** Everything the objects depend on besides the plan. */
export interface ManifestOptions {
  git: { uri: string; ref?: string; contextDir?: string; sourceSecret?: string };
  /** The notebook or .pipeline path inside the context dir (POSIX), the builder's NBBUILD_NOTEBOOK. */
  notebookPath: string;
  namespace?: string;
  builder: BuilderRef;
  /** Dependency hash of each step (the renderer's, with the builder as the base). */
  dependencyHashes: Record<string, string>;
  /**
   * True when the hashes were rendered with the base the builder reports (its io.nbbuild.base
   * label): then the dependency builds ask assemble to check it (NBBUILD_EXPECT_DEPENDENCY_HASH).
   */
  hashesMatchBuilder?: boolean;
  /** The webhook secret value (random; the caller decides whether it is ever shown). */
  webhookSecret: string;
  /** Add the RoleBinding of system:webhook to system:unauthenticated (default true). */
  webhookRoleBinding?: boolean;
}

/** The objects, in the order they must be created, and what the caller should tell the user. */
export interface Manifests {
  objects: KubeObject[];
  /** Step name → its BuildConfig name (the ones the webhooks trigger). */
  stepBuildConfigs: Record<string, string>;
  warnings: string[];
}

/** `--builder` text → reference: a registry host (has a dot or port, or is localhost) means DockerImage. */
export function parseBuilder(text: string): BuilderRef {
  const first = text.split("/")[0]!;
  if (text.includes("/") && (/[.:]/.test(first) || first === "localhost")) return { kind: "DockerImage", name: text };
  const m = /^(?:([a-z0-9][a-z0-9-]*)\/)?([a-z0-9][a-z0-9._-]*):([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$/.exec(text);
  if (!m) {
    throw NbbuildError.at({ file: "--builder" }, `"${text}" is neither an ImageStreamTag ([namespace/]name:tag) nor a registry reference (host/repo:tag)`,
      "pass e.g. --builder nbbuild-builder:latest or --builder quay.io/org/nbbuild-builder:1.0");
  }
  return { kind: "ImageStreamTag", name: `${m[2]}:${m[3]}`, ...(m[1] ? { namespace: m[1] } : {}) };
}

/** A git URL without credentials, and whether it had some. */
function cleanGitUri(uri: string): { uri: string; hadCredentials: boolean } {
  if (!/^(https?|ssh|git):\/\/[^\s]+$/.test(uri) && !/^[\w.-]+@[\w.-]+:[^\s]+$/.test(uri)) {
    throw NbbuildError.at({ file: "--git-uri" }, `"${stripCredentials(uri)}" is not a git URL`, "pass e.g. --git-uri https://github.com/org/repo.git");
  }
  const clean = stripCredentials(uri);
  return { uri: clean, hadCredentials: clean !== uri };
}

const env = (vars: Record<string, string>) => Object.entries(vars).map(([name, value]) => ({ name, value }));

/** Builds the objects; throws an NbbuildError when a flag is unusable. */
export function buildManifests(plan: Plan, opts: ManifestOptions): Manifests {
  const names = planNames(plan.name);
  const warnings: string[] = [];
  const git = cleanGitUri(opts.git.uri);
  if (git.hadCredentials) {
    warnings.push("the git URL carried credentials; they were removed — put them in a source Secret and pass --source-secret NAME");
  }
  const meta = (name: string, extra: Record<string, string> = {}) => ({
    name,
    ...(opts.namespace ? { namespace: opts.namespace } : {}),
    labels: { "app.kubernetes.io/managed-by": "nbbuild", "app.kubernetes.io/part-of": names.plan, ...extra },
  });
  const seen = new Map<string, string>();
  for (const s of plan.steps) {
    const n = names.step(s.name);
    if (seen.has(n)) {
      throw NbbuildError.at({ file: plan.source.file }, `steps "${seen.get(n)}" and "${s.name}" map to the same object name ${n}`, "rename one of the steps");
    }
    seen.set(n, s.name);
  }
  const source = {
    type: "Git",
    git: { uri: git.uri, ...(opts.git.ref ? { ref: opts.git.ref } : {}) },
    ...(opts.git.contextDir ? { contextDir: opts.git.contextDir } : {}),
    ...(opts.git.sourceSecret ? { sourceSecret: { name: opts.git.sourceSecret } } : {}),
  };

  const objects: KubeObject[] = [];
  objects.push({
    apiVersion: "v1",
    kind: "Secret",
    metadata: meta(names.webhookSecret),
    type: "Opaque",
    data: { [WEBHOOK_SECRET_KEY]: Buffer.from(opts.webhookSecret).toString("base64") },
  });
  if (opts.webhookRoleBinding !== false) {
    objects.push({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { ...meta(WEBHOOK_ROLEBINDING), annotations: { "nbbuild.io/why": "OpenShift >= 4.16 refuses anonymous webhook calls unless system:unauthenticated may reach them" } },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:webhook" },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "system:unauthenticated" }],
    });
  }

  // A registry builder is imported into an ImageStream so that a new builder image triggers builds.
  let builderFrom: { kind: "ImageStreamTag"; name: string; namespace?: string };
  if (opts.builder.kind === "DockerImage") {
    objects.push({
      apiVersion: "image.openshift.io/v1",
      kind: "ImageStream",
      metadata: meta(names.builderStream),
      spec: {
        lookupPolicy: { local: false },
        tags: [{ name: "latest", from: { kind: "DockerImage", name: opts.builder.name }, importPolicy: { scheduled: true }, referencePolicy: { type: "Source" } }],
      },
    });
    builderFrom = { kind: "ImageStreamTag", name: `${names.builderStream}:latest` };
  } else {
    builderFrom = opts.builder;
  }

  const imageStream = (name: string, labels: Record<string, string> = {}): KubeObject => ({
    apiVersion: "image.openshift.io/v1",
    kind: "ImageStream",
    metadata: meta(name, labels),
    spec: { lookupPolicy: { local: false } },
  });
  objects.push(imageStream(names.depsStream));
  for (const s of plan.steps) objects.push(imageStream(names.step(s.name), { "nbbuild.io/step": names.step(s.name) }));

  const buildConfig = (name: string, labels: Record<string, string>, spec: Record<string, unknown>): KubeObject => ({
    apiVersion: "build.openshift.io/v1",
    kind: "BuildConfig",
    metadata: meta(name, labels),
    spec: { runPolicy: "SerialLatestOnly", successfulBuildsHistoryLimit: 5, failedBuildsHistoryLimit: 5, source, ...spec },
  });

  // One dependency build per distinct dependency set, named by its hash: a push does not trigger
  // it (no webhook), only a new builder image or a new hash (requirements changed, apply re-run).
  const depsFirstStep = new Map<string, string>();
  for (const s of plan.steps) {
    const h = opts.dependencyHashes[s.name];
    if (!h || !/^[0-9a-f]{12,}$/.test(h)) throw new Error(`no dependency hash for step ${s.name}`);
    if (!depsFirstStep.has(h)) depsFirstStep.set(h, s.name);
  }
  for (const [h, step] of depsFirstStep) {
    objects.push(buildConfig(names.depsBuildConfig(h), { "nbbuild.io/dependency-hash": names.depsTag(h) }, {
      strategy: {
        type: "Source",
        sourceStrategy: {
          from: builderFrom,
          env: env({
            NBBUILD_NOTEBOOK: opts.notebookPath, NBBUILD_STEP: step, NBBUILD_DEPS_ONLY: "1",
            ...(opts.hashesMatchBuilder ? { NBBUILD_EXPECT_DEPENDENCY_HASH: names.depsTag(h) } : {}),
          }),
        },
      },
      output: { to: { kind: "ImageStreamTag", name: `${names.depsStream}:${names.depsTag(h)}` } },
      triggers: [{ type: "ConfigChange" }, { type: "ImageChange", imageChange: {} }],
    }));
  }

  const webhook = { secretReference: { name: names.webhookSecret } };
  const stepBuildConfigs: Record<string, string> = {};
  for (const s of plan.steps) {
    const h = opts.dependencyHashes[s.name]!;
    const name = names.step(s.name);
    stepBuildConfigs[s.name] = name;
    objects.push(buildConfig(name, { "nbbuild.io/step": name }, {
      strategy: {
        type: "Source",
        sourceStrategy: {
          from: { kind: "ImageStreamTag", name: `${names.depsStream}:${names.depsTag(h)}` },
          // S2I bakes the build env into the image: the dependency image carries NBBUILD_DEPS_ONLY=1.
          env: env({ NBBUILD_NOTEBOOK: opts.notebookPath, NBBUILD_STEP: s.name, NBBUILD_DEPS_ONLY: "0" }),
        },
      },
      output: { to: { kind: "ImageStreamTag", name: `${name}:latest` } },
      triggers: [
        { type: "GitHub", github: webhook },
        { type: "Generic", generic: webhook },
        { type: "ConfigChange" },
        { type: "ImageChange", imageChange: {} },
      ],
    }));
  }
  return { objects, stepBuildConfigs, warnings };
}
