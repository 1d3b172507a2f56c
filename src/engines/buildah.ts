import { ContainersCliEngine } from "./containers-cli.js";
import type { Engine } from "./engine.js";

/** Builds with `buildah bud` (chroot isolation, vfs storage) through execa. */
export class BuildahEngine extends ContainersCliEngine implements Engine {
  readonly name = "buildah" as const;
  protected readonly buildVerb = "bud";
}
