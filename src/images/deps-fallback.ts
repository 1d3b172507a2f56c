/**
 * A dependency image the oci engine cannot install without an engine (some requirement has no
 * wheel for the base: an sdist only, say): one engine that answers here (docker, else buildah,
 * else podman) builds that image once, exactly as it builds dependency images itself; the oci
 * store adopts its layers above the base (rewritten reproducibly) under the image's tag, so the
 * folder and step layers go on top with oci and later builds reuse it from the store.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { BuildContextFiles, BuildOptions, Builder, Engine } from "../engines/engine.js";
import { makeInstallEngine } from "../engines/factory.js";
import type { OciBuilder } from "../engines/oci/builder.js";
import type { NeedsEngine } from "../engines/oci/needs-engine.js";
import { NbbuildError } from "../errors.js";
import { secretBuildArgs } from "../render/pip.js";
import type { DependencyContext } from "../render/types.js";

/** How a context is made ready for a given engine (build-images' `prepare`). */
export type PrepareFor = (engine: Builder) => Promise<{ context: BuildContextFiles; buildArgs: Record<string, string>; network: BuildOptions["network"] }>;

/**
 * Builds `deps` with an engine and adopts it into the oci store; returns what to tell the user.
 * Throws an NbbuildError naming the requirements and the fix when no engine answers.
 */
export async function buildDepsWithEngine(
  oci: OciBuilder,
  deps: DependencyContext,
  why: NeedsEngine,
  prepare: PrepareFor,
  onLog: (line: string) => void,
  pickEngine: () => Promise<Engine | undefined> = () => makeInstallEngine(onLog),
): Promise<string> {
  const engine = await pickEngine();
  if (!engine) {
    const names = why.requirements.join(", ");
    throw NbbuildError.at(
      { file: deps.requirementsFile ?? "requirements" },
      `${why.message}, and no container engine answers here to install ${names} from source (the docker daemon does not answer; buildah and podman do not run)`,
      `start dockerd or install buildah or podman (the oci engine then builds only this dependency image with it), use a base image that already has ${names}, or publish a wheel of ${names} for the base's Python to the index`,
    );
  }
  onLog(`nbbuild: ${why.message}; building this dependency image with ${engine.name}, then the steps on it with oci`);
  const dir = await mkdtemp(path.join(tmpdir(), "nbbuild-deps-archive-"));
  try {
    await engine.pull(deps.resolvedBase.ref);
    const { context, buildArgs, network } = await prepare(engine);
    await engine.build(context, deps.tag, { buildArgs, secretArgs: secretBuildArgs(buildArgs), network, onLog });
    const archive = path.join(dir, "deps.tar");
    await engine.exportArchive(deps.tag, archive);
    await oci.adoptArchive(archive, deps.image, deps.tag, engine.name);
    return `with ${engine.name}: ${why.message}`;
  } finally {
    await rm(dir, { recursive: true, force: true });
    await engine.close();
  }
}
