import { NbbuildError } from "../errors.js";
import type { Builder, Engine, EngineName, Publisher } from "./engine.js";
import type { ContainerRunner } from "./runner.js";

/** Engine names accepted by --engine of `nbbuild image`. */
const BUILDER_NAMES: readonly EngineName[] = ["auto", "docker", "buildah", "podman"];
/** Engine names accepted by --engine of `nbbuild run` (the engines that run containers). */
export const RUNNER_NAMES = ["auto", "docker", "podman"] as const;

/** True when the docker daemon answers (loads dockerode only when asked). */
async function dockerAnswers(): Promise<boolean> {
  const { DockerEngine } = await import("./docker.js");
  return DockerEngine.available();
}

async function toolRuns(tool: string): Promise<boolean> {
  const { ContainersCliEngine } = await import("./containers-cli.js");
  return ContainersCliEngine.toolAvailable(tool);
}

/** The engines that build into their own store and push from it (docker, buildah, podman). */
async function storeEngine(name: "docker" | "buildah" | "podman"): Promise<Engine> {
  switch (name) {
    case "docker":
      return new (await import("./docker.js")).DockerEngine();
    case "buildah":
      return new (await import("./buildah.js")).BuildahEngine();
    case "podman":
      return new (await import("./podman.js")).PodmanEngine();
  }
}

/**
 * The only place that picks and wires an image builder. "auto": docker when its daemon answers,
 * else buildah, else podman; `say` is told which and why.
 */
export async function makeBuilder(name: EngineName | string = "auto", say: (msg: string) => void = () => {}): Promise<Builder> {
  switch (name) {
    case "docker":
    case "buildah":
    case "podman":
      return storeEngine(name);
    case "auto":
      if (await dockerAnswers()) {
        say("engine: docker (the docker daemon answers)");
        return storeEngine("docker");
      }
      for (const tool of ["buildah", "podman"] as const) {
        if (await toolRuns(tool)) {
          say(`engine: ${tool} (no docker daemon answered)`);
          return storeEngine(tool);
        }
      }
      throw NbbuildError.at(
        { file: "--engine auto" },
        "no container engine found: the docker daemon does not answer and neither buildah nor podman runs",
        "start dockerd, or install buildah or podman",
      );
    default:
      throw NbbuildError.at({ file: `--engine ${name}` }, `unknown engine "${name}"`, `use one of ${BUILDER_NAMES.join(", ")}`);
  }
}

/** The publisher for `--push REGISTRY/PREFIX`: a store engine pushes from its own store. */
export function registryPublisher(builder: Builder): Publisher {
  return builder as Engine;
}

/**
 * The only place that picks a container runner (`nbbuild run`, equivalence tests). "auto" (and an
 * image-only engine name such as oci or buildah): docker when its daemon answers, else podman.
 */
export async function makeRunner(name: string = "auto", say: (msg: string) => void = () => {}): Promise<ContainerRunner> {
  switch (name) {
    case "docker":
      return new (await import("./docker-runner.js")).DockerRunner();
    case "podman":
      return new (await import("./podman-runner.js")).PodmanRunner();
    case "auto":
    case "buildah": {
      if (await dockerAnswers()) {
        say("runner: docker (the docker daemon answers)");
        return new (await import("./docker-runner.js")).DockerRunner();
      }
      if (await toolRuns("podman")) {
        say("runner: podman (no docker daemon answered)");
        return new (await import("./podman-runner.js")).PodmanRunner();
      }
      throw NbbuildError.at({ file: `--engine ${name}` }, "no container runtime found: the docker daemon does not answer and podman does not run", "start dockerd or install podman");
    }
    default:
      throw NbbuildError.at({ file: `--engine ${name}` }, `unknown engine "${name}"`, `use one of ${RUNNER_NAMES.join(", ")}`);
  }
}
