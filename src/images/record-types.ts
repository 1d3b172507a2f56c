/**
 * The build record: what `nbbuild image` built, read by `nbbuild pipeline` and `nbbuild run`.
 * Written atomically to `<root>/.nbbuild/<file>.<plan name>.build.json` (see record.ts).
 */
export const BUILD_RECORD_VERSION = 1 as const;

export interface StepImage {
  /** Reference to run: `registry/repo@sha256:…` after a push, else a local `name:tag` (or id). */
  image: string;
  /** Local tag (content-addressed) the engine knows the image by. */
  tag: string;
  /** Image id / config digest as the engine reports it. */
  id: string;
  /** Manifest digest in the registry, when pushed. */
  digest?: string;
  /** True when the image already existed and nothing was built. */
  cached: boolean;
  /** Content hash that decided "cached": everything that goes into the image. */
  contentHash: string;
  /** Hash of the dependency set (base digest + requirements + pip options without secrets). */
  dependencyHash: string;
  /** Requirements baked in (after removing what the base already has, when known). */
  requirements: string[];
  /** Base image as given and its digest when known. */
  base: string;
  baseDigest?: string;
  seconds: number;
}

export interface BuildRecord {
  recordVersion: typeof BUILD_RECORD_VERSION;
  plan: string;
  /** The notebook or .pipeline file (relative to the plan root) the images were built for. */
  source?: string;
  engine: string;
  /** sha256 of the plan JSON the images were built from (pipeline writers warn on mismatch). */
  planHash: string;
  steps: Record<string, StepImage>;
}
