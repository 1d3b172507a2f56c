/**
 * Plan → kfp-kubernetes platform spec (the second YAML document): secrets as env, PVC mounts,
 * image pull secrets, tolerations, pod labels/annotations, /dev/shm size, in the plain forms
 * (kubernetes_platform/proto/kubernetes_executor_config.proto). Only secret references are
 * written, never values. Fields the target backend's driver does not know (it parses strictly
 * and fails on them) are dropped with a warning when cosmetic, refused when they change behaviour.
 */
import type { Problem } from "../errors.js";
import type { Plan, Step } from "../plan/types.js";
import type { KubernetesExecutorConfig, PlatformSpec } from "./kfp-types.js";
import { stepLocation } from "./location.js";
import { executorLabel } from "./names.js";
import { versionAtLeast } from "./resources.js";

/** Backend versions whose driver first reads each platform field we write (upstream KFP). */
export const PLATFORM_SINCE = {
  podMetadata: "2.1.0",
  imagePullSecret: "2.1.0",
  tolerations: "2.1.0",
  emptyDirMounts: "2.3.0",
  subPath: "2.5.0",
} as const;

/** Flags that add to every executor's platform config. */
export interface PlatformOptions {
  imagePullSecrets: string[];
  /** Oldest KFP backend the file must load on. */
  kfpVersion: string;
}

interface Collect {
  warnings: string[];
  problems: Problem[];
  /** Cosmetic fields left out for an old backend: field → steps. */
  dropped: Map<"podMetadata" | "emptyDirMounts", string[]>;
}

const DROPPED_WHAT = { podMetadata: "pod labels/annotations", emptyDirMounts: "a /dev/shm size" } as const;

/** The executor config of one step, or undefined when it needs none. */
export function executorConfig(step: Step, options: PlatformOptions, out: Collect): KubernetesExecutorConfig | undefined {
  const c: KubernetesExecutorConfig = {};
  const knows = (f: keyof typeof PLATFORM_SINCE) => versionAtLeast(options.kfpVersion, PLATFORM_SINCE[f]);
  const refuse = (what: string, f: keyof typeof PLATFORM_SINCE, fix: string) =>
    out.problems.push({
      location: stepLocation(step),
      message: `${what} needs a KFP backend >= ${PLATFORM_SINCE[f]}, but the pipeline targets ${options.kfpVersion}`,
      fix: `pass --kfp-version ${PLATFORM_SINCE[f]} (or newer) if your cluster runs it; ${fix}`,
    });
  if (step.secrets.length) {
    const bySecret = new Map<string, { secretKey: string; envVar: string }[]>();
    for (const s of step.secrets) {
      if (!bySecret.has(s.secret)) bySecret.set(s.secret, []);
      bySecret.get(s.secret)!.push({ secretKey: s.key, envVar: s.env });
    }
    c.secretAsEnv = [...bySecret].map(([secretName, keyToEnv]) => ({ secretName, keyToEnv }));
  }
  if (step.volumes.length) {
    c.pvcMount = step.volumes.map((v) => {
      if (v.readOnly) out.warnings.push(`step ${step.name}: KFP cannot mount PVC ${v.pvc} read-only; it is mounted read-write`);
      if (v.subPath && !knows("subPath")) refuse(`mounting a sub-path (${v.subPath}) of PVC ${v.pvc}`, "subPath", "otherwise mount the whole volume");
      return { constant: v.pvc, mountPath: v.mountPath, ...(v.subPath ? { subPath: v.subPath } : {}) };
    });
  }
  if (options.imagePullSecrets.length) {
    if (knows("imagePullSecret")) c.imagePullSecret = options.imagePullSecrets.map((secretName) => ({ secretName }));
    else if (!out.problems.some((p) => p.message.startsWith("--image-pull-secret"))) {
      out.problems.push({
        location: { file: "--image-pull-secret" },
        message: `--image-pull-secret needs a KFP backend >= ${PLATFORM_SINCE.imagePullSecret}, but the pipeline targets ${options.kfpVersion}`,
        fix: `pass --kfp-version ${PLATFORM_SINCE.imagePullSecret} (or newer) if your cluster runs it; otherwise link the secret to the service account that runs the pipeline (OpenShift: oc secrets link pipeline-runner-<dspa name> ${options.imagePullSecrets[0]} --for=pull) and drop the flag`,
      });
    }
  }
  if (step.tolerations.length) {
    if (knows("tolerations")) {
      c.tolerations = step.tolerations.map((t) => {
        const o: NonNullable<KubernetesExecutorConfig["tolerations"]>[number] = {};
        if (t.key !== undefined) o.key = t.key;
        if (t.operator !== undefined) o.operator = t.operator;
        if (t.value !== undefined) o.value = t.value;
        if (t.effect !== undefined) o.effect = t.effect;
        return o;
      });
    } else refuse("tolerations", "tolerations", "otherwise remove the tolerations (the pods may then not schedule on tainted nodes)");
  }
  const labels = Object.keys(step.labels).length ? step.labels : undefined;
  const annotations = Object.keys(step.annotations).length ? step.annotations : undefined;
  if (labels || annotations) {
    if (knows("podMetadata")) {
      c.podMetadata = { ...(labels ? { labels: { ...labels } } : {}), ...(annotations ? { annotations: { ...annotations } } : {}) };
    } else out.dropped.set("podMetadata", [...(out.dropped.get("podMetadata") ?? []), step.name]);
  }
  if (step.sharedMemory) {
    // Elyra's kubernetes_shared_mem_size: a memory-backed emptyDir at /dev/shm.
    if (knows("emptyDirMounts")) {
      c.emptyDirMounts = [{ volumeName: "shm", mountPath: "/dev/shm", medium: "Memory", sizeLimit: step.sharedMemory }];
    } else out.dropped.set("emptyDirMounts", [...(out.dropped.get("emptyDirMounts") ?? []), step.name]);
  }
  return Object.keys(c).length ? c : undefined;
}

/** The platform spec for a Plan (none when no step needs one), warnings, and problems to throw. */
export function toPlatformSpec(plan: Plan, options: PlatformOptions): { spec?: PlatformSpec; warnings: string[]; problems: Problem[] } {
  const out: Collect = { warnings: [], problems: [], dropped: new Map() };
  const executors: Record<string, KubernetesExecutorConfig> = {};
  for (const step of plan.steps) {
    const c = executorConfig(step, options, out);
    if (c) executors[executorLabel(step.name)] = c;
  }
  for (const [field, steps] of out.dropped) {
    out.warnings.push(
      `${DROPPED_WHAT[field]} (step${steps.length > 1 ? "s" : ""} ${steps.join(", ")}) need${steps.length > 1 ? "" : "s"} KFP >= ${PLATFORM_SINCE[field]}; the target is ${options.kfpVersion}, so ${field === "podMetadata" ? "they are" : "it is"} left out — pass --kfp-version ${PLATFORM_SINCE[field]} or newer to keep ${field === "podMetadata" ? "them" : "it"}`,
    );
  }
  const { warnings, problems } = out;
  if (!Object.keys(executors).length) return { warnings, problems };
  return { spec: { platforms: { kubernetes: { deploymentSpec: { executors } } } }, warnings, problems };
}
