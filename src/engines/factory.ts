import { NbbuildError } from "../errors.js";
import { BuildahEngine } from "./buildah.js";
import { ContainersCliEngine } from "./containers-cli.js";
import { DockerEngine } from "./docker.js";
import type { Engine, EngineName } from "./engine.js";
import { PodmanEngine } from "./podman.js";

/** Engine names accepted by --engine. */
export const ENGINE_NAMES: readonly EngineName[] = ["auto", "docker", "buildah", "podman"];

/**
 * The only place that picks and wires an engine. "auto": docker when its socket answers, else
 * buildah, else podman; `say` is told which and why.
 */
export async function makeEngine(name: EngineName | string = "auto", say: (msg: string) => void = () => {}): Promise<Engine> {
  switch (name) {
    case "docker":
      return new DockerEngine();
    case "buildah":
      return new BuildahEngine();
    case "podman":
      return new PodmanEngine();
    case "auto": {
      if (await DockerEngine.available()) {
        say("engine: docker (the docker daemon answers)");
        return new DockerEngine();
      }
      if (await ContainersCliEngine.toolAvailable("buildah")) {
        say("engine: buildah (no docker daemon answered)");
        return new BuildahEngine();
      }
      if (await ContainersCliEngine.toolAvailable("podman")) {
        say("engine: podman (no docker daemon, no buildah)");
        return new PodmanEngine();
      }
      throw NbbuildError.at(
        { file: "--engine auto" },
        "no container engine found: the docker daemon does not answer and neither buildah nor podman runs",
        "start dockerd, or install buildah or podman",
      );
    }
    default:
      throw NbbuildError.at({ file: `--engine ${name}` }, `unknown engine "${name}"`, `use one of ${ENGINE_NAMES.join(", ")}`);
  }
}
