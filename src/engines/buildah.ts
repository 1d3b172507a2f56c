import { repositoryOf } from "../registry/reference.js";
import { ContainersCliEngine } from "./containers-cli.js";
import type { Engine, ImageInfo } from "./engine.js";

/** `buildah inspect --type image` output, the part we read. */
interface BuildahInspect {
  FromImageID: string;
  FromImageDigest?: string;
  OCIv1?: { config?: { User?: string; Labels?: Record<string, string> } };
}

/** Builds with `buildah bud` (chroot isolation, vfs storage) through execa. */
export class BuildahEngine extends ContainersCliEngine implements Engine {
  readonly name = "buildah" as const;
  protected readonly buildVerb = "bud";

  protected inspectArgs(ref: string): string[] {
    return ["inspect", "--type", "image", ref];
  }

  protected parseInspect(stdout: string, ref: string): ImageInfo {
    const d = JSON.parse(stdout) as BuildahInspect;
    const repo = repositoryOf(ref);
    return {
      id: d.FromImageID.startsWith("sha256:") ? d.FromImageID : `sha256:${d.FromImageID}`,
      repoDigests: d.FromImageDigest ? [`${repo}@${d.FromImageDigest}`] : [],
      user: d.OCIv1?.config?.User ?? "",
      labels: d.OCIv1?.config?.Labels ?? {},
    };
  }
}
