/** Which image reference a pipeline file names for a step (pinned by digest when one is known). */
import type { BuildRecord } from "../images/record-types.js";
import { withDigest } from "../registry/reference.js";

/** The image reference a pipeline file uses for a step, and why it may not be pullable. */
export interface StepImageRef {
  image: string;
  /** Set when the reference is not pinned `@sha256:` (a cluster cannot pull a local tag). */
  warning?: string;
}

/**
 * The reference to run for `step`: `repo@sha256:…` when the record has a digest (one canonical
 * form, so KFP's cache key changes on every rebuild), else the local reference with a warning.
 * Undefined when the record has no image for the step.
 */
export function stepImageRef(record: BuildRecord, step: string): StepImageRef | undefined {
  const s = record.steps[step];
  if (!s) return undefined;
  if (s.digest) {
    if (!/^sha256:[0-9a-f]{64}$/.test(s.digest)) {
      return { image: s.image, warning: `step ${step}: build record digest "${s.digest}" is not a sha256 digest` };
    }
    return { image: withDigest(s.image, s.digest) };
  }
  if (/@sha256:[0-9a-f]{64}$/.test(s.image)) return { image: s.image };
  return {
    image: s.image,
    warning: `step ${step}: image ${s.image} is only a local tag (not pushed to a registry); a cluster cannot pull it; push the images to a registry the cluster can reach (see nbbuild image --help) before uploading`,
  };
}
