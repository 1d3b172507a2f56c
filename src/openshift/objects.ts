/**
 * The `nbbuild openshift manifests` stage (and the first half of `apply`): plan the notebook, find
 * where it sits in its git repository, compute each step's dependency hash with the one renderer
 * (the builder image is every step's base under S2I), and build the objects.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import { NbbuildError } from "../errors.js";
import { loadPlan } from "../readers.js";
import type { Plan } from "../plan/types.js";
import { renderPlan } from "../render/render-step.js";
import { writeFileAtomic } from "../io/atomic.js";
import { dumpYaml } from "../pipeline/yaml.js";
import { buildManifests, parseBuilder, type KubeObject, type Manifests } from "./manifests.js";

import { DEFAULT_BUILDER } from "./defaults.js";


/** Flags shared by `manifests` and `apply`. */
export interface ClusterObjectOptions {
  gitUri: string;
  gitRef?: string;
  /** Folder of the repository the build starts in (OpenShift `contextDir`). */
  contextDir?: string;
  sourceSecret?: string;
  namespace?: string;
  builder?: string;
  /**
   * The base the builder image was built FROM (its io.nbbuild.base label): dependency hashes are
   * then the ones assemble computes, and the dependency builds check them.
   */
  builderBase?: string;
  /** That base's configured user (its io.nbbuild.base-user label; "" = root, the default). */
  builderBaseUser?: string;
  /** False: no RoleBinding for anonymous webhook calls (--no-webhook-rolebinding). */
  webhookRoleBinding?: boolean;
  onWarning?: (w: string) => void;
}

/** The top of the git checkout holding `dir` (a folder with `.git`), or undefined. */
function gitTopLevel(dir: string): string | undefined {
  for (let d = path.resolve(dir), i = 0; i < 64; i++) {
    if (existsSync(path.join(d, ".git"))) return d;
    const up = path.dirname(d);
    if (up === d) return undefined;
    d = up;
  }
  return undefined;
}

/** NBBUILD_NOTEBOOK: the plan's file relative to the build's context dir inside the repository. */
export function notebookPathInRepo(plan: Plan, contextDir: string | undefined, onWarning?: (w: string) => void): string {
  const file = path.join(plan.root, plan.source.file);
  let top = gitTopLevel(plan.root);
  if (!top) {
    top = process.cwd();
    onWarning?.(`${plan.source.file} is not in a git checkout; its path in the repository is taken relative to the current folder`);
  }
  const context = path.resolve(top, contextDir ?? ".");
  const rel = path.relative(context, file);
  if (rel.startsWith("..") || path.isAbsolute(rel)) {
    throw NbbuildError.at({ file: plan.source.file }, `the notebook is outside the build's context dir ${contextDir ?? "."} (repository ${top})`,
      "pass --context-dir with a folder of the repository that contains the notebook");
  }
  return rel.split(path.sep).join("/");
}

/**
 * Each step's dependency hash with one base for every step (under S2I the builder image is every
 * step's base): the builder's own base when known (`base`, user root, as assemble renders), else
 * the builder reference as written, which names dependency sets just as deterministically.
 */
export function dependencyHashes(plan: Plan, base: string, user: string, onWarning?: (w: string) => void): Record<string, string> {
  for (const s of plan.steps.filter((x) => x.image)) {
    onWarning?.(`step ${s.name} names its own image ${s.image}; S2I builds start from the builder image instead`);
  }
  const s2iPlan: Plan = { ...plan, baseImage: undefined, steps: plan.steps.map((s) => ({ ...s, image: undefined })) };
  const digest = /@(sha256:[0-9a-f]{64})$/.exec(base)?.[1];
  const rendered = renderPlan(s2iPlan, { base, bases: { [base]: { ref: base, ...(digest ? { digest } : {}), user } }, env: {} });
  return Object.fromEntries(rendered.map((r) => [r.step, r.deps.hash]));
}

/** A fresh random webhook secret (160 bits, hex). */
export function newWebhookSecret(): string {
  return randomBytes(20).toString("hex");
}

/** Plans `file` and builds its cluster objects. */
export async function clusterObjects(file: string, opts: ClusterObjectOptions, webhookSecret = newWebhookSecret()): Promise<{ plan: Plan; manifests: Manifests }> {
  const plan = await loadPlan(file);
  const builderText = opts.builder ?? DEFAULT_BUILDER;
  const manifests = buildManifests(plan, {
    git: { uri: opts.gitUri, ref: opts.gitRef, contextDir: opts.contextDir, sourceSecret: opts.sourceSecret },
    notebookPath: notebookPathInRepo(plan, opts.contextDir, opts.onWarning),
    namespace: opts.namespace,
    builder: parseBuilder(builderText),
    dependencyHashes: dependencyHashes(plan, opts.builderBase ?? builderText, opts.builderBaseUser ?? "", opts.onWarning),
    hashesMatchBuilder: opts.builderBase !== undefined,
    webhookSecret,
    webhookRoleBinding: opts.webhookRoleBinding,
  });
  for (const w of manifests.warnings) opts.onWarning?.(w);
  return { plan, manifests };
}

/** What `writeManifests` did. */
export interface WrittenManifests {
  /** The file written (mode 0600: it holds the webhook secret), or undefined for stdout. */
  path?: string;
  /** The YAML for stdout when no file was named. */
  text?: string;
  objects: number;
  /** Name of the webhook Secret left out of stdout (never printed without --show-secret). */
  secretOmitted?: string;
}

/**
 * The `nbbuild openshift manifests` stage: the objects as YAML, to a file (0600, atomically) or
 * for stdout — where the webhook Secret appears only with `showSecret`.
 */
export async function writeManifests(file: string, opts: ClusterObjectOptions & { output?: string; showSecret?: boolean }): Promise<WrittenManifests> {
  const { manifests } = await clusterObjects(file, opts);
  if (opts.output) {
    const out = path.resolve(opts.output);
    writeFileAtomic(out, manifestsYaml(manifests.objects), 0o600);
    return { path: out, objects: manifests.objects.length };
  }
  if (opts.showSecret) return { text: manifestsYaml(manifests.objects), objects: manifests.objects.length };
  const secret = manifests.objects.find((o) => o.kind === "Secret")!;
  const rest = manifests.objects.filter((o) => o !== secret);
  return { text: manifestsYaml(rest), objects: rest.length, secretOmitted: secret.metadata.name };
}

/** The objects as one multi-document YAML stream (deterministic key order). */
export function manifestsYaml(objects: KubeObject[]): string {
  return objects.map((o) => `---\n${dumpYaml(o)}`).join("");
}
