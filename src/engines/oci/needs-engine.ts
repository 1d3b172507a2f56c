/**
 * The oci engine's signal that a dependency image needs a container engine: some requirement has
 * no wheel for the base's Python and platform (an sdist only, say), so pip must run inside the
 * image. The build then builds that one image with docker, buildah or podman (images/deps-fallback.ts).
 */
export class NeedsEngine extends Error {
  constructor(
    message: string,
    /** Requirement lines the engine-less install could not satisfy (all of them when unknown). */
    readonly requirements: string[],
  ) {
    super(message);
    this.name = "NeedsEngine";
  }
}
