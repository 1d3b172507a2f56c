/**
 * Plan → kfp-kubernetes platform spec (the second YAML document): secrets as env, PVC mounts,
 * image pull secrets, tolerations, pod labels/annotations, /dev/shm size, in the plain forms the oldest
 * backends read (kubernetes_platform/proto/kubernetes_executor_config.proto). Only secret
 * references are written, never values.
 */
import type { Plan, Step } from "../plan/types.js";
import type { KubernetesExecutorConfig, PlatformSpec } from "./kfp-types.js";
import { executorLabel } from "./names.js";

export interface PlatformOptions {
  imagePullSecrets: string[];
}

/** The executor config of one step, or undefined when it needs none. */
export function executorConfig(step: Step, options: PlatformOptions, warnings: string[]): KubernetesExecutorConfig | undefined {
  const c: KubernetesExecutorConfig = {};
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
      if (v.readOnly) warnings.push(`step ${step.name}: KFP cannot mount PVC ${v.pvc} read-only; it is mounted read-write`);
      return { constant: v.pvc, mountPath: v.mountPath, ...(v.subPath ? { subPath: v.subPath } : {}) };
    });
  }
  if (options.imagePullSecrets.length) c.imagePullSecret = options.imagePullSecrets.map((secretName) => ({ secretName }));
  if (step.tolerations.length) {
    c.tolerations = step.tolerations.map((t) => {
      const out: NonNullable<KubernetesExecutorConfig["tolerations"]>[number] = {};
      if (t.key !== undefined) out.key = t.key;
      if (t.operator !== undefined) out.operator = t.operator;
      if (t.value !== undefined) out.value = t.value;
      if (t.effect !== undefined) out.effect = t.effect;
      return out;
    });
  }
  const labels = Object.keys(step.labels).length ? step.labels : undefined;
  const annotations = Object.keys(step.annotations).length ? step.annotations : undefined;
  if (labels || annotations) {
    c.podMetadata = { ...(labels ? { labels: { ...labels } } : {}), ...(annotations ? { annotations: { ...annotations } } : {}) };
  }
  if (step.sharedMemory) {
    // Elyra's kubernetes_shared_mem_size: a memory-backed emptyDir at /dev/shm.
    c.emptyDirMounts = [{ volumeName: "shm", mountPath: "/dev/shm", medium: "Memory", sizeLimit: step.sharedMemory }];
  }
  return Object.keys(c).length ? c : undefined;
}

/** The platform spec for a Plan, or no spec when no step needs one. */
export function toPlatformSpec(plan: Plan, options: PlatformOptions): { spec?: PlatformSpec; warnings: string[] } {
  const warnings: string[] = [];
  const executors: Record<string, KubernetesExecutorConfig> = {};
  for (const step of plan.steps) {
    const c = executorConfig(step, options, warnings);
    if (c) executors[executorLabel(step.name)] = c;
  }
  if (!Object.keys(executors).length) return { warnings };
  return { spec: { platforms: { kubernetes: { deploymentSpec: { executors } } } }, warnings };
}
