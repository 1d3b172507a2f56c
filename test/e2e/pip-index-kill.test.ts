/**
 * A private index (basic auth on 127.0.0.1, a password holding "@") while the docker daemon is
 * watched: every image (dangling ones too), its history and config, and every container are
 * checked for the password during builds by the real CLI — one killed with SIGKILL while the
 * wheel is being fetched, one killed while the engine builds, one that completes — and
 * `pipeline --build` / `run --build` read the same PIP_INDEX_URL as `image` (same dependency image).
 */
import { randomBytes } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import Dockerode from "dockerode";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BASE, REPO } from "./image-helpers.js";
import { buildWheel, serveIndex, wheelName } from "../support/pip-index.js";
import { cleanTemps, tempDir } from "../support/temp.js";

afterAll(cleanTemps);

const CLI = path.join(REPO, "bin/nbbuild.js");
const WHEEL = wheelName("nbbuild-probe", "0.1.0");

/** A one-step notebook whose %pip line needs the probe wheel (`requirement` makes its dependency set unique). */
function probeNotebook(dir: string, requirement: string, name: string): string {
  const cell = (id: string, tags: string[], source: string) => ({ cell_type: "code", id, metadata: { tags }, execution_count: null, outputs: [], source });
  const file = path.join(dir, "probe.ipynb");
  writeFileSync(file, JSON.stringify({
    nbformat: 4, nbformat_minor: 5,
    metadata: { kernelspec: { name: "python3", display_name: "Python 3", language: "python" }, kubeflow_notebook: { pipeline_name: name } },
    cells: [
      cell("c0", ["imports"], `%pip install "${requirement}"\nimport nbbuild_probe`),
      cell("c1", ["step:probe"], "value = nbbuild_probe.VALUE\nprint(value)"),
    ],
  }));
  return file;
}

/**
 * Watches the docker daemon: every image (`docker image ls -a`), its history (`docker history
 * --no-trunc`) and config (`docker inspect`), and every container's config, each checked for
 * `secret` as it appears. `stop()` sweeps once more and says what it saw.
 */
function watchDaemon(secret: string): { stop: () => Promise<{ images: number; leaks: string[] }> } {
  const docker = new Dockerode();
  const checked = new Set<string>();
  const leaks: string[] = [];
  let running = true;
  const sweep = async () => {
    for (const img of await docker.listImages({ all: true })) {
      if (checked.has(img.Id)) continue;
      try {
        const image = docker.getImage(img.Id);
        const text = JSON.stringify(await image.history()) + JSON.stringify(await image.inspect());
        checked.add(img.Id);
        if (text.includes(secret)) leaks.push(`image ${img.Id} ${(img.RepoTags ?? []).join(",")}`);
      } catch {
        /* removed meanwhile */
      }
    }
    for (const c of await docker.listContainers({ all: true })) {
      try {
        if (JSON.stringify(await docker.getContainer(c.Id).inspect()).includes(secret)) leaks.push(`container ${c.Id}`);
      } catch {
        /* removed meanwhile */
      }
    }
  };
  const loop = (async () => {
    for (let i = 0; running && i < 10_000; i++) {
      await sweep().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 150));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      await sweep();
      return { images: checked.size, leaks };
    },
  };
}

/** Waits (bounded) until the index saw a request for the wheel after position `from`. */
async function wheelRequested(seen: string[], from: number): Promise<boolean> {
  for (let i = 0; i < 1200; i++) {
    if (seen.slice(from).some((l) => l.includes(WHEEL) && l.endsWith("auth"))) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

describe("private index: the password never enters the engine (docker, real CLI)", () => {
  // Holds an "@": a parser that stops at the first "@" would leak its tail.
  const tail = randomBytes(8).toString("hex");
  const password = `pw@${tail}`;
  const seen: string[] = [];
  let stall = 0;
  let indexUrl = "";
  let closeIndex: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const wheelDir = tempDir("nbbuild-pipkill-wheel-");
    const index = await serveIndex([buildWheel(wheelDir, `probe-${randomBytes(4).toString("hex")}`)], { auth: { user: "user", password }, seen, delayMs: () => stall });
    closeIndex = index.close;
    // Written raw, as users do (`http://user:S3C@RETpw@host/`); pip splits at the last "@".
    indexUrl = index.url.replace("http://", `http://user:${password}@`);
    await execa("npm", ["run", "build"], { cwd: REPO, timeout: 300_000 });
  }, 600_000);
  afterAll(() => closeIndex?.());

  it("no image, history, config or container holds it — killed mid-fetch, killed mid-build, or complete — and pipeline/run --build use the same index", async () => {
    const env = { ...process.env, PIP_INDEX_URL: indexUrl };
    const watch = watchDaemon(tail); // the part after the "@" too
    const image = (nb: string, extra: string[] = []) =>
      execa("node", [CLI, "image", nb, "--engine", "docker", "--base", BASE, ...extra], { env, reject: false, timeout: 600_000 });
    try {
      // 1. SIGKILL while the wheel is being fetched (the index holds the download).
      stall = 30_000;
      const from1 = seen.length;
      const killedFetch = image(probeNotebook(tempDir("nbbuild-pipkill-1-"), "nbbuild-probe>=0.1,<0.2", "pip-kill-fetch"));
      expect(await wheelRequested(seen, from1), "the wheel was requested").toBe(true);
      killedFetch.kill("SIGKILL");
      expect((await killedFetch).signal).toBe("SIGKILL");
      stall = 0;

      // 2. SIGKILL once the wheel was served: the engine is building the dependency image.
      const from2 = seen.length;
      const killedBuild = image(probeNotebook(tempDir("nbbuild-pipkill-2-"), "nbbuild-probe>=0.1,<0.3", "pip-kill-build"));
      expect(await wheelRequested(seen, from2)).toBe(true);
      await new Promise((r) => setTimeout(r, 1500));
      killedBuild.kill("SIGKILL");
      await killedBuild;

      // 3. A complete build, then `pipeline --build` and `run --build` with the same environment.
      const dir = tempDir("nbbuild-pipkill-3-");
      const nb = probeNotebook(dir, "nbbuild-probe<1", "pip-full");
      const built = await image(nb, ["--json"]);
      expect(built.exitCode, built.stderr).toBe(0);
      expect(built.stdout + built.stderr).not.toContain(tail);
      // Records are keyed by notebook file and pipeline name: <file>.<name>.build.json.
      const recordFile = path.join(dir, ".nbbuild", `${path.basename(nb)}.pip-full.build.json`);
      const dependencyHash = (JSON.parse(readFileSync(recordFile, "utf8")) as { steps: { probe: { dependencyHash: string } } }).steps.probe.dependencyHash;
      for (const args of [["pipeline", nb, "--build", "--engine", "docker", "--base", BASE, "-o", path.join(dir, "out.yaml")], ["run", nb, "--build", "--base", BASE]]) {
        rmSync(recordFile);
        const r = await execa("node", [CLI, ...args], { env, reject: false, timeout: 600_000 });
        expect(r.exitCode, `${args[0]}: ${r.stderr}`).toBe(0);
        expect(r.stdout + r.stderr).not.toContain(tail);
        const again = JSON.parse(readFileSync(recordFile, "utf8")) as { steps: { probe: { dependencyHash: string } } };
        expect(again.steps.probe.dependencyHash, `${args[0]} --build builds the same dependency image as image`).toBe(dependencyHash);
      }
      expect(readFileSync(path.join(dir, "out.yaml"), "utf8")).not.toContain(tail);
    } finally {
      stall = 0;
      const { images, leaks } = await watch.stop();
      expect(images, "the watch looked at images").toBeGreaterThan(0);
      expect(leaks).toEqual([]);
    }
  });
});
