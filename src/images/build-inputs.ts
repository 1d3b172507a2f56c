import type { ImageMapRule } from "../render/image-map.js";
import type { PipOptions } from "../render/pip.js";

/**
 * What decides the bytes of an image beyond the plan: the same for every command that builds
 * (`image`, `context`, `pipeline --build`, `run --build`), so they all reach the same hashes.
 */
export interface BuildInputs {
  /** --base: default base image for steps without their own. */
  base?: string;
  /** --image-map rules (default: $NBBUILD_IMAGE_MAP). */
  imageMap?: ImageMapRule[];
  /** --requirements FILE. */
  requirementsFile?: string;
  /** Pip settings (may carry credentials: they never reach an engine, a file or a hash). */
  pip?: PipOptions;
}
