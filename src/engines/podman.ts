import { ContainersCliEngine } from "./containers-cli.js";
import type { Engine, ImageInfo } from "./engine.js";

/** `podman image inspect` output (an array of docker-like records), the part we read. */
type PodmanInspect = { Id: string; RepoDigests?: string[]; Config?: { User?: string; Labels?: Record<string, string> | null } }[];

/** Builds with `podman build` (chroot isolation, vfs storage shared with buildah) through execa. */
export class PodmanEngine extends ContainersCliEngine implements Engine {
  readonly name = "podman" as const;
  protected readonly buildVerb = "build";

  protected inspectArgs(ref: string): string[] {
    return ["image", "inspect", ref];
  }

  protected parseInspect(stdout: string): ImageInfo {
    const d = (JSON.parse(stdout) as PodmanInspect)[0]!;
    return {
      id: d.Id.startsWith("sha256:") ? d.Id : `sha256:${d.Id}`,
      repoDigests: d.RepoDigests ?? [],
      user: d.Config?.User ?? "",
      labels: d.Config?.Labels ?? {},
    };
  }
}
