import { NbbuildError } from "../errors.js";
import type { Builder, Engine, EngineName, Publisher } from "./engine.js";
import type { ContainerRunner } from "./runner.js";

/** Engine names accepted by --engine of `nbbuild image`. */
const BUILDER_NAMES: readonly EngineName[] = ["auto", "docker", "buildah", "podman", "oci"];

/** Options of the builders that talk to registries themselves (oci). */
export interface BuilderOptions {
  /** Plain http for non-loopback registries (--insecure). */
  insecure?: boolean;
}
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
async function storeEngine(name: "docker" | "buildah" | "podman", say: (msg: string) => void): Promise<Engine> {
  if (name === "docker") return new (await import("./docker.js")).DockerEngine();
  const engine = name === "buildah" ? new (await import("./buildah.js")).BuildahEngine() : new (await import("./podman.js")).PodmanEngine();
  say(`storage: ${(await engine.storageChoice()).description}`);
  return engine;
}

/**
 * The only place that picks and wires an image builder. "auto": docker when its daemon answers,
 * else oci (daemonless: needs no container runtime, no root); `say` is told which and why.
 */
export async function makeBuilder(name: EngineName | string = "auto", say: (msg: string) => void = () => {}, opts: BuilderOptions = {}): Promise<Builder> {
  switch (name) {
    case "docker":
    case "buildah":
    case "podman":
      return storeEngine(name, say);
    case "oci":
      return new (await import("./oci/builder.js")).OciBuilder({ insecure: opts.insecure });
    case "auto":
      if (await dockerAnswers()) {
        say("engine: docker (the docker daemon answers)");
        return storeEngine("docker", say);
      }
      say("engine: oci (no docker daemon answered; builds without a container runtime)");
      return new (await import("./oci/builder.js")).OciBuilder({ insecure: opts.insecure });
    default:
      throw NbbuildError.at({ file: `--engine ${name}` }, `unknown engine "${name}"`, `use one of ${BUILDER_NAMES.join(", ")}`);
  }
}

/**
 * The engine that builds a dependency image the oci engine cannot install without one (some
 * requirement has no wheel): docker when its daemon answers, else buildah, else podman;
 * undefined when none does. `say` is told which.
 */
export async function makeInstallEngine(say: (msg: string) => void = () => {}): Promise<Engine | undefined> {
  if (await dockerAnswers()) return storeEngine("docker", say);
  for (const tool of ["buildah", "podman"] as const) if (await toolRuns(tool)) return storeEngine(tool, say);
  return undefined;
}

/** The publisher for `--push REGISTRY/PREFIX`: a store engine pushes from its own store, oci through its registry client. */
export async function registryPublisher(builder: Builder): Promise<Publisher> {
  if (builder.name === "oci") return (builder as import("./oci/builder.js").OciBuilder).registryPublisher();
  return builder as Engine;
}

/**
 * The publisher for `--output SINK`: `oci:DIR` (an OCI image layout), `docker-archive:FILE`
 * (a `docker load` tarball), `docker-daemon`. Needs the oci builder, whose store holds images as
 * OCI blobs (docker, buildah and podman keep theirs in their own stores).
 */
export async function outputPublisher(builder: Builder, sink: string): Promise<Publisher> {
  if (builder.name !== "oci") {
    throw NbbuildError.at({ file: `--output ${sink}` }, `--output needs --engine oci (the ${builder.name} engine keeps images in its own store)`, "pass --engine oci, or --push REGISTRY/PREFIX");
  }
  return (builder as import("./oci/builder.js").OciBuilder).outputPublisher(sink);
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
    case "oci":
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
