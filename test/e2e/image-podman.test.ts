/**
 * `--engine podman`: builds work here (chroot isolation, the tests' own vfs store: see
 * test/support/containers-conf.ts);
 * `podman run` fails in this sandbox (an rlimit restriction), so the built image is pushed and run
 * with docker instead. A unique cell edit makes sure podman itself builds a step image.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildImages } from "../../src/images/build-images.js";
import { makeBuilder } from "../../src/engines/factory.js";
import { BASE, REGISTRY, copyExample, dropLocalImages, runRestricted, sh, shAsync, skopeoInspect, winePlan } from "./image-helpers.js";
import { cleanTemps } from "../support/temp.js";

afterAll(cleanTemps);

describe("nbbuild image with podman", () => {
  it("builds an edited step, pushes it by digest, and the image runs restricted", async () => {
    const dir = copyExample("wine");
    const nbFile = path.join(dir, "wine.ipynb");
    const nb = JSON.parse(readFileSync(nbFile, "utf8")) as { cells: { id?: string; source: string | string[] }[] };
    const cell = nb.cells.find((c) => c.id === "14f2e13b")!; // step:compare
    const marker = `podman-${Date.now()}`;
    cell.source = [...(Array.isArray(cell.source) ? cell.source : [cell.source]), `\nprint('${marker}')`];
    writeFileSync(nbFile, JSON.stringify(nb, null, 1));

    const engine = await makeBuilder("podman");
    expect(engine.name).toBe("podman");
    const record = await buildImages(await winePlan(dir), { engine, base: BASE, push: `${REGISTRY}/nbbuild-e2e-podman` });
    const compare = record.steps.compare!;
    expect(compare.cached).toBe(false);
    expect(record.engine).toBe("podman");
    const remote = skopeoInspect(compare.image) as { Digest: string; Labels: Record<string, string> };
    expect(remote.Digest).toBe(compare.digest);
    expect(remote.Labels["io.nbbuild.step"]).toBe("compare");
    await shAsync("docker", ["pull", "-q", compare.image]);
    const out = runRestricted(compare.image, "import sys; src = open('/opt/app-root/nbbuild/step.py').read(); print(sys.argv, '" + marker + "' in src)");
    expect(out).toContain("True");
    dropLocalImages("podman", Object.values(record.steps).filter((s) => !s.cached).map((s) => s.tag));
  });
});
