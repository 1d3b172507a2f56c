import { describe, expect, it } from "vitest";
import { BuildahEngine } from "../../../src/engines/buildah.js";
import { ContainersCliEngine } from "../../../src/engines/containers-cli.js";
import { DockerEngine } from "../../../src/engines/docker.js";
import { makeEngine } from "../../../src/engines/factory.js";
import { PodmanEngine } from "../../../src/engines/podman.js";
import { NbbuildError } from "../../../src/errors.js";

describe("makeEngine", () => {
  it("wires each named engine", async () => {
    expect(await makeEngine("docker")).toBeInstanceOf(DockerEngine);
    expect(await makeEngine("buildah")).toBeInstanceOf(BuildahEngine);
    expect(await makeEngine("podman")).toBeInstanceOf(PodmanEngine);
  });

  it("rejects an unknown engine with the list of choices", async () => {
    const err = await makeEngine("kaniko").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NbbuildError);
    expect((err as NbbuildError).problems[0]!.fix).toContain("auto, docker, buildah, podman");
  });

  it("auto picks the first engine that answers here and says which", async () => {
    // What this machine offers, probed independently of the factory's order of checks.
    const [docker, buildah, podman] = await Promise.all([
      DockerEngine.available(),
      ContainersCliEngine.toolAvailable("buildah"),
      ContainersCliEngine.toolAvailable("podman"),
    ]);
    const expected = docker ? DockerEngine : buildah ? BuildahEngine : podman ? PodmanEngine : undefined;
    const said: string[] = [];
    const picked = makeEngine("auto", (m) => said.push(m));
    if (!expected) {
      const err = await picked.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NbbuildError);
      expect((err as NbbuildError).message).toContain("no container engine found");
      expect(said).toEqual([]);
      return;
    }
    const engine = await picked;
    expect(engine).toBeInstanceOf(expected);
    expect(said).toEqual([expect.stringContaining(`engine: ${engine.name} (`)]);
  });
});
