import { describe, expect, it } from "vitest";
import { BuildahEngine } from "../../../src/engines/buildah.js";
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

  it("auto says which engine it picked", async () => {
    const said: string[] = [];
    const engine = await makeEngine("auto", (m) => said.push(m)).catch(() => undefined);
    if (engine) expect(said.join("\n")).toContain(`engine: ${engine.name}`);
    else expect(said).toEqual([]);
  });
});
