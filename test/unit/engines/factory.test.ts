import { describe, expect, it } from "vitest";
import { BuildahEngine } from "../../../src/engines/buildah.js";
import { DockerEngine } from "../../../src/engines/docker.js";
import { makeBuilder, outputPublisher } from "../../../src/engines/factory.js";
import { OciBuilder } from "../../../src/engines/oci/builder.js";
import { PodmanEngine } from "../../../src/engines/podman.js";
import { NbbuildError } from "../../../src/errors.js";

describe("makeBuilder", () => {
  it("wires each named engine", async () => {
    expect(await makeBuilder("docker")).toBeInstanceOf(DockerEngine);
    expect(await makeBuilder("buildah")).toBeInstanceOf(BuildahEngine);
    expect(await makeBuilder("podman")).toBeInstanceOf(PodmanEngine);
    expect(await makeBuilder("oci")).toBeInstanceOf(OciBuilder);
  });

  it("rejects an unknown engine with the list of choices", async () => {
    const err = await makeBuilder("kaniko").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NbbuildError);
    expect((err as NbbuildError).problems[0]!.fix).toContain("auto, docker, buildah, podman");
  });

  it("auto picks docker when its daemon answers here, else oci, and says which", async () => {
    // What this machine offers, probed independently of the factory.
    const docker = await DockerEngine.available();
    const said: string[] = [];
    const engine = await makeBuilder("auto", (m) => said.push(m));
    expect(engine).toBeInstanceOf(docker ? DockerEngine : OciBuilder);
    expect(said).toEqual([expect.stringContaining(`engine: ${engine.name} (`)]);
  });

  it("auto without a docker daemon picks the daemonless oci engine, whatever else is on PATH", async () => {
    const saved = { DOCKER_HOST: process.env.DOCKER_HOST, PATH: process.env.PATH };
    process.env.DOCKER_HOST = "unix:///nonexistent/docker.sock";
    process.env.PATH = "/nonexistent";
    try {
      const said: string[] = [];
      const engine = await makeBuilder("auto", (m) => said.push(m));
      expect(engine).toBeInstanceOf(OciBuilder);
      expect(said).toEqual(["engine: oci (no docker daemon answered; builds without a container runtime)"]);
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
  });

  it("only the oci engine writes --output sinks", async () => {
    const err = await outputPublisher(await makeBuilder("docker"), "oci:/tmp/x").catch((e: unknown) => e);
    expect((err as NbbuildError).message).toContain("--output needs --engine oci");
    await expect(outputPublisher(await makeBuilder("oci"), "tarball:/x")).rejects.toThrow(/unknown output "tarball:\/x"/);
  });
});
