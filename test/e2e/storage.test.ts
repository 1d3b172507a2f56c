/**
 * nbbuild leaves the user's containers storage as it is: on a store podman initialised with
 * overlay (where forcing `--storage-driver vfs` fails: "database storage graph driver … does not
 * match"), the podman engine uses the user's configuration and says so; NBBUILD_STORAGE_ROOT gives
 * it an isolated store of its own instead.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { makeBuilder } from "../../src/engines/factory.js";
import { BASE } from "./image-helpers.js";
import { cleanTemps, tempDir } from "../support/temp.js";

const saved = { ...process.env };
afterEach(() => {
  for (const k of ["CONTAINERS_STORAGE_CONF", "NBBUILD_STORAGE_ROOT", "NBBUILD_STORAGE_DRIVER"]) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});
afterAll(async () => {
  cleanTemps();
});

/** A tiny build context that needs no base image. */
const scratch = { containerfile: "Containerfile", files: [{ path: "Containerfile", data: Buffer.from("FROM scratch\nLABEL io.nbbuild.test=storage\n"), mode: 0o664 }] };

describe("containers storage", () => {
  it("uses a user's overlay store as configured (no forced driver) and says which", async () => {
    const dir = tempDir("nbbuild-storage-");
    const [graph, run] = [path.join(dir, "graph"), path.join(dir, "run")];
    mkdirSync(graph);
    // The user's podman initialised the store with overlay.
    await execa("podman", ["--root", graph, "--runroot", run, "--storage-driver", "overlay", "images"], { timeout: 60_000 });
    const conf = path.join(dir, "storage.conf");
    writeFileSync(conf, `[storage]\ndriver = "overlay"\ngraphroot = "${graph}"\nrunroot = "${run}"\n`);
    process.env.CONTAINERS_STORAGE_CONF = conf;
    // What nbbuild used to do fails on such a store.
    const forced = await execa("podman", ["--storage-driver", "vfs", "images"], { reject: false, timeout: 60_000 });
    expect(forced.stderr).toMatch(/does not match/);

    const said: string[] = [];
    const engine = await makeBuilder("podman", (m) => said.push(m));
    try {
      expect(said).toContain(`storage: the user's containers storage (driver overlay, ${graph})`);
      const tag = `localhost/nbbuild-storage-test:${process.pid}`;
      const info = await engine.build(scratch, tag);
      expect(info.labels["io.nbbuild.test"]).toBe("storage");
      expect((await engine.pull(BASE)).id).toMatch(/^sha256:/);
      // Built into the user's store: the user's podman sees it.
      const listed = await execa("podman", ["images", "--format", "{{.Repository}}:{{.Tag}}"], { timeout: 60_000 });
      expect(listed.stdout).toContain(tag);
    } finally {
      await engine.close();
      await execa("podman", ["rmi", "-af"], { reject: false, timeout: 120_000 });
      await execa("podman", ["system", "reset", "-f"], { reject: false, timeout: 120_000 });
    }
  });

  it("uses an isolated store of its own with NBBUILD_STORAGE_ROOT, and says so", async () => {
    const root = path.join(tempDir("nbbuild-storage-own-"), "store");
    process.env.NBBUILD_STORAGE_ROOT = root;
    const said: string[] = [];
    const engine = await makeBuilder("buildah", (m) => said.push(m));
    expect(said.join("\n")).toContain(`storage: nbbuild's own containers storage (driver vfs, ${root};`);
    const tag = `localhost/nbbuild-storage-own:${process.pid}`;
    const info = await engine.build(scratch, tag);
    expect(info.labels["io.nbbuild.test"]).toBe("storage");
    // In that store, not in the user's.
    const own = await execa("buildah", ["--root", root, "--runroot", path.join(root, "run"), "--storage-driver", "vfs", "images", "--format", "{{.Name}}:{{.Tag}}"], { timeout: 60_000 });
    expect(own.stdout).toContain(tag);
    const users = await execa("buildah", ["images", "--format", "{{.Name}}:{{.Tag}}"], { timeout: 60_000 });
    expect(users.stdout).not.toContain(tag);
    await execa("buildah", ["--root", root, "--runroot", path.join(root, "run"), "--storage-driver", "vfs", "rmi", "-af"], { reject: false, timeout: 60_000 });
  });
});
