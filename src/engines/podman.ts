import { ContainersCliEngine } from "./containers-cli.js";
import type { Engine } from "./engine.js";

/** Builds with `podman build` (chroot isolation, vfs storage shared with buildah) through execa. */
export class PodmanEngine extends ContainersCliEngine implements Engine {
  readonly name = "podman" as const;
  protected readonly buildVerb = "build";
}
