/**
 * Names of the cluster objects nbbuild creates for a plan: DNS-1123 labels, deterministic (the
 * same plan gives the same names on every machine), short enough for the build names and pod
 * labels OpenShift derives from them.
 */
import { sha256 } from "../render/hash.js";

/** Longest object name: OpenShift appends `-<build number>` to a BuildConfig name for its builds. */
export const MAX_NAME = 57;

/** A DNS-1123 label from any text: lowercase [a-z0-9-], alphanumeric at both ends, at most `max` chars. */
export function dnsLabel(text: string, max = MAX_NAME): string {
  const clean = text.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/-{2,}/g, "-").replace(/^-+|-+$/g, "") || "x";
  if (clean.length <= max) return clean;
  // Truncated names keep a hash of the full text so two long names stay distinct.
  const suffix = sha256(text).slice(0, 8);
  return `${clean.slice(0, max - suffix.length - 1).replace(/-+$/, "")}-${suffix}`;
}

/** Object names of one plan. */
export interface PlanNames {
  /** The plan's own short name, the prefix of every object and the `part-of` label. */
  plan: string;
  /** ImageStream and BuildConfig of a step: `<plan>-<step>`. */
  step(stepName: string): string;
  /** ImageStream holding the dependency images of the plan: `<plan>-deps`. */
  depsStream: string;
  /** Tag of a dependency image in `depsStream`: the first 12 hex of the dependency hash. */
  depsTag(dependencyHash: string): string;
  /** BuildConfig of one dependency set: `<plan>-deps-<hash12>`. */
  depsBuildConfig(dependencyHash: string): string;
  /** ImageStream a DockerImage builder is imported into: `<plan>-builder`. */
  builderStream: string;
  /** Secret holding the webhook secret: `<plan>-webhook`. */
  webhookSecret: string;
}

/** RoleBinding (one per namespace) that lets anonymous webhook calls reach the build API again. */
export const WEBHOOK_ROLEBINDING = "nbbuild-webhook-unauthenticated";

export function planNames(planName: string): PlanNames {
  const plan = dnsLabel(planName, 30);
  const depsTag = (h: string) => h.slice(0, 12);
  return {
    plan,
    step: (s) => dnsLabel(`${plan}-${s}`),
    depsStream: `${plan}-deps`,
    depsTag,
    depsBuildConfig: (h) => `${plan}-deps-${depsTag(h)}`,
    builderStream: `${plan}-builder`,
    webhookSecret: `${plan}-webhook`,
  };
}
