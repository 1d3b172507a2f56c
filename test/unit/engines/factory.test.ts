import { describe, expect, it } from "vitest";
import { BuildahEngine } from "../../../src/engines/buildah.js";
import { ContainersCliEngine } from "../../../src/engines/containers-cli.js";
import { DockerEngine } from "../../../src/engines/docker.js";
import { makeBuilder } from "../../../src/engines/factory.js";
import { PodmanEngine } from "../../../src/engines/podman.js";
import { NbbuildError } from "../../../src/errors.js";

describe("makeBuilder", () => {
  it("wires each named engine", async () => {
    expect(await makeBuilder("docker")).toBeInstanceOf(DockerEngine);
    expect(await makeBuilder("buildah")).toBeInstanceOf(BuildahEngine);
    expect(await makeBuilder("podman")).toBeInstanceOf(PodmanEngine);
  });

  it("rejects an unknown engine with the list of choices", async () => {
    const err = await makeBuilder("kaniko").catch((e: unknown) => e);
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
    const picked = makeBuilder("auto", (m) => said.push(m));
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

  it("auto without a daemon and without buildah/podman on PATH says what to install", async () => {
    const saved = { DOCKER_HOST: process.env.DOCKER_HOST, PATH: process.env.PATH };
    process.env.DOCKER_HOST = "unix:///nonexistent/docker.sock";
    process.env.PATH = "/nonexistent";
    try {
      const said: string[] = [];
      const err = await makeBuilder("auto", (m) => said.push(m)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NbbuildError);
      expect((err as NbbuildError).message).toContain("no container engine found");
      expect(said).toEqual([]);
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
  });
});
