/**
 * `nbbuild openshift pipeline`: the KFP pipeline of the images the cluster built. Each step's
 * ImageStreamTag `<plan>-<step>:latest` gives its digest; they become a build record (the same
 * input the local pipeline writer reads), so one writer emits the file, pinned as
 * `image-registry.openshift-image-registry.svc:5000/NS/<plan>-<step>@sha256:…`. With an upload,
 * the KFP version is named after the git commit the images were built from.
 */
import path from "node:path";
import { NbbuildError, type Problem } from "../errors.js";
import { BUILD_RECORD_VERSION, type BuildRecord } from "../images/record-types.js";
import { planHash } from "../images/record.js";
import { writeFileAtomic } from "../io/atomic.js";
import { loadPlan } from "../readers.js";
import type { Plan } from "../plan/types.js";
import { uploadPipeline, type UploadOptions, type UploadResult } from "../pipeline/upload.js";
import { defaultOutput, renderPipeline, type PipelineRenderOptions } from "../pipeline/write.js";
import { Cluster, explainApiError, KubeApiError, type ConnectOptions } from "./kube.js";
import { planNames } from "./names.js";

import { INTERNAL_REGISTRY } from "./defaults.js";

/** Label OpenShift sets on every image a build pushes: the commit it was built from. */
const COMMIT_LABEL = "io.openshift.build.commit.id";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A step image as its ImageStreamTag says. */
export interface ClusterStepImage {
  step: string;
  imageStream: string;
  digest: string;
  commit?: string;
}

/** Reads each step's `<plan>-<step>:latest` ImageStreamTag; every missing one is reported at once. */
export async function readStepImages(cluster: Cluster, plan: Plan): Promise<ClusterStepImage[]> {
  const names = planNames(plan.name);
  const problems: Problem[] = [];
  const found = await Promise.all(plan.steps.map(async (s): Promise<ClusterStepImage | undefined> => {
    const imageStream = names.step(s.name);
    let tag: Obj;
    try {
      tag = await cluster.request<Obj>("GET", cluster.ns("image.openshift.io/v1", "imagestreamtags", `${imageStream}:latest`));
    } catch (e) {
      if (e instanceof KubeApiError && e.status === 404) {
        problems.push({ location: { file: plan.source.file }, message: `step ${s.name}: no image yet (ImageStreamTag ${imageStream}:latest not found in ${cluster.namespace})`, fix: "build it: nbbuild openshift build FILE --follow (or push to the repository)" });
        return undefined;
      }
      throw explainApiError(e, `reading ImageStreamTag ${imageStream}:latest`, cluster.namespace);
    }
    const digest = String(tag.image?.metadata?.name ?? "");
    if (!/^sha256:[0-9a-f]{64}$/.test(digest)) {
      problems.push({ location: { file: `ImageStreamTag ${imageStream}:latest` }, message: `step ${s.name}: the tag names no sha256 image ("${digest}")` });
      return undefined;
    }
    const commit = tag.image?.dockerImageMetadata?.Config?.Labels?.[COMMIT_LABEL];
    return { step: s.name, imageStream, digest, ...(typeof commit === "string" && commit ? { commit } : {}) };
  }));
  if (problems.length) throw new NbbuildError(problems);
  return found as ClusterStepImage[];
}

/** The build record equivalent of the cluster's images: what `nbbuild image --push` would have written. */
export function recordFromImages(plan: Plan, images: ClusterStepImage[], namespace: string, registry = INTERNAL_REGISTRY): BuildRecord {
  return {
    recordVersion: BUILD_RECORD_VERSION,
    plan: plan.name,
    engine: "openshift",
    planHash: planHash(plan),
    steps: Object.fromEntries(images.map((i) => {
      const repo = `${registry}/${namespace}/${i.imageStream}`;
      return [i.step, {
        image: `${repo}@${i.digest}`, tag: `${i.imageStream}:latest`, id: i.digest, digest: i.digest, cached: true,
        // The cluster computed these inside the build; the pipeline writer does not read them.
        contentHash: "", dependencyHash: "", requirements: [], base: "", seconds: 0,
      }];
    })),
  };
}

/** The single commit every step image was built from, or why there is none. */
export function commitOf(plan: Plan, images: ClusterStepImage[]): string | undefined {
  const commits = new Set(images.map((i) => i.commit ?? ""));
  if (commits.size === 1) return [...commits][0] || undefined;
  throw NbbuildError.at({ file: plan.source.file },
    `the step images come from different commits (${images.map((i) => `${i.step}: ${i.commit?.slice(0, 12) ?? "unknown"}`).join(", ")})`,
    "wait for the builds of the last push (nbbuild openshift build FILE --triggered --follow), or pass --version NAME");
}

export interface ClusterPipelineOptions extends ConnectOptions, PipelineRenderOptions {
  output?: string;
  registry?: string;
  /** Upload to KFP: host, token variable, version (default: `<plan>-<commit 12 hex>`). */
  upload?: Omit<UploadOptions, "name" | "description"> & { name?: string };
  onWarning?: (w: string) => void;
}

/** Runs the stage: read the digests, write the pipeline file, upload it if asked. */
export async function writeClusterPipeline(file: string, opts: ClusterPipelineOptions): Promise<{ path: string; steps: number; commit?: string; upload?: UploadResult }> {
  const plan = await loadPlan(file);
  const cluster = Cluster.connect(opts);
  const images = await readStepImages(cluster, plan);
  const record = recordFromImages(plan, images, cluster.namespace, opts.registry);
  const out = path.resolve(opts.output ?? defaultOutput(plan, opts.format));
  const { text, warnings } = renderPipeline(plan, record, opts, out);
  for (const w of warnings) opts.onWarning?.(w);
  // Before writing: a mixed-commit upload fails without leaving a half-done result.
  const commit = opts.upload && !opts.upload.version ? commitOf(plan, images) : images.every((i) => i.commit === images[0]?.commit) ? images[0]?.commit : undefined;
  writeFileAtomic(out, text);
  if (!opts.upload) return { path: out, steps: plan.steps.length, commit };
  const name = opts.upload.name ?? opts.name ?? plan.name;
  if (!opts.upload.version && !commit) opts.onWarning?.("the images carry no io.openshift.build.commit.id label: the version is named after the file's hash");
  const version = opts.upload.version ?? (commit ? `${name}-${commit.slice(0, 12)}` : undefined);
  const upload = await uploadPipeline(out, text, { ...opts.upload, name, version, description: opts.description });
  return { path: out, steps: plan.steps.length, commit, upload };
}
