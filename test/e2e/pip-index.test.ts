/**
 * A wheel this test builds itself, served from a PEP 503 index on 127.0.0.1 that requires basic
 * auth: the %pip requirement is baked into the image (importable with --network none), and the
 * password appears in no history entry, label, env, layer or build record.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImages } from "../../src/images/build-images.js";
import { buildRecordPath } from "../../src/images/record.js";
import { makeBuilder } from "../../src/engines/factory.js";
import { loadPlan } from "../../src/readers.js";
import type { Plan } from "../../src/plan/types.js";
import { BASE, REGISTRY, dropLocalImages, runRestricted, sh, shAsync } from "./image-helpers.js";
import { buildWheel, serveIndex, wheelName } from "../support/pip-index.js";
import { cleanTemps, tempDir } from "../support/temp.js";

afterAll(cleanTemps);

const WHEEL = wheelName("nbbuild-probe", "0.1.0");

/** The probe notebook: one step whose %pip line needs the wheel. */
function probeNotebook(dir: string): string {
  const cell = (id: string, tags: string[], source: string) => ({ cell_type: "code", id, metadata: { tags }, execution_count: null, outputs: [], source });
  const nb = {
    nbformat: 4, nbformat_minor: 5,
    metadata: { kernelspec: { name: "python3", display_name: "Python 3", language: "python" }, kubeflow_notebook: { pipeline_name: "pip-probe" } },
    cells: [
      cell("c0", ["imports"], "%pip install nbbuild-probe==0.1.0\nimport nbbuild_probe"),
      cell("c1", ["step:probe"], "value = nbbuild_probe.VALUE\nprint(value)"),
    ],
  };
  const file = path.join(dir, "probe.ipynb");
  writeFileSync(file, JSON.stringify(nb, null, 1));
  return file;
}

/** The plan of the probe notebook, by hand when the compiler is not there yet. */
async function probePlan(dir: string, file: string): Promise<Plan> {
  try {
    return await loadPlan(file);
  } catch {
    const imports = { role: "imports" as const, file: "probe.ipynb", cell: { index: 0, id: "c0" }, source: "import nbbuild_probe" };
    const own = { role: "step" as const, file: "probe.ipynb", cell: { index: 1, id: "c1" }, source: "value = nbbuild_probe.VALUE\nprint(value)" };
    return {
      schemaVersion: 1, name: "pip-probe", root: dir, source: { file: "probe.ipynb", kind: "notebook" }, parameters: [], metrics: [],
      steps: [{
        name: "probe", kind: "notebook", after: [], cells: ["c1"], code: [imports, own], inputs: [], outputs: [], parameters: [],
        metrics: [], fileInputs: [], fileOutputs: [], fileHints: [], context: { dir: "." }, requirements: ["nbbuild-probe==0.1.0"],
        limits: {}, requests: {}, env: {}, secrets: [], volumes: [], tolerations: [], labels: {}, annotations: {}, cache: true,
        report: false, uiOutputs: false, source: { file: "probe.ipynb", cells: [{ index: 1, id: "c1" }] },
      }],
      volumes: [], unassigned: [], diagnostics: [],
    };
  }
}

/** Images in buildah's store created at or after `since` (ms). */
function buildahImagesSince(since: number): { id: string; names?: string[] }[] {
  const images = JSON.parse(sh("buildah", ["images", "--all", "--json"]) || "[]") as { id: string; names?: string[]; created: number }[];
  return images.filter((i) => i.created * 1000 >= since);
}

/** True when `needle` occurs anywhere in the stdout of a command (streamed, chunk overlap kept). */
function streamContains(cmd: string, args: string[], needle: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "inherit"] });
    const n = Buffer.from(needle);
    let tail = Buffer.alloc(0);
    let found = false;
    let bytes = 0;
    child.stdout.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      const buf = Buffer.concat([tail, chunk]);
      if (buf.includes(n)) found = true;
      tail = buf.subarray(Math.max(0, buf.length - n.length + 1));
    });
    const timer = setTimeout(() => child.kill(), 300_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code !== 0 || bytes === 0) reject(new Error(`${cmd} ${args.join(" ")} exited ${code} after ${bytes} bytes`));
      else resolve(found);
    });
  });
}

describe("pip index with credentials", () => {
  const password = `pw-${randomBytes(8).toString("hex")}`;
  const marker = `probe-${randomBytes(4).toString("hex")}`;
  const seen: string[] = [];
  let closeIndex: (() => Promise<void>) | undefined;
  let dir: string;
  let wheelDir: string;
  let indexUrl: string;

  beforeAll(async () => {
    dir = tempDir("nbbuild-pip-");
    wheelDir = tempDir("nbbuild-pip-wheel-"); // not in the copied folder
    const index = await serveIndex([buildWheel(wheelDir, marker)], { auth: { user: "user", password }, seen });
    closeIndex = index.close;
    indexUrl = index.url.replace("http://", `http://user:${password}@`);
    probeNotebook(dir);
  });
  afterAll(() => closeIndex?.());

  it("docker: bakes the package into the image without leaking the password", async () => {
    const plan = await probePlan(dir, path.join(dir, "probe.ipynb"));
    const engine = await makeBuilder("docker");
    const startedAt = Math.floor(Date.now() / 1000) - 2;
    const logs: string[] = [];
    const record = await buildImages(plan, { engine, base: BASE, pip: { indexUrl }, onLog: (_s, l) => logs.push(l) });
    const s = record.steps.probe!;
    expect(s.cached).toBe(false);
    expect(s.requirements).toContain("nbbuild-probe==0.1.0");
    expect(seen.some((l) => l.includes(WHEEL) && l.endsWith("auth")), seen.join("\n")).toBe(true);

    // Importable with no network, as an arbitrary uid, from the baked dependency folder.
    const out = runRestricted(s.image, "import nbbuild_probe; print(nbbuild_probe.VALUE, nbbuild_probe.__file__)");
    expect(out).toContain(marker);
    expect(out).toContain("/opt/app-root/deps/nbbuild_probe/__init__.py");

    const deps = `nbbuild-deps:${s.dependencyHash.slice(0, 24)}`;
    for (const image of [s.image, deps]) {
      expect(sh("docker", ["history", "--no-trunc", image])).not.toContain(password);
      expect(sh("docker", ["image", "inspect", image])).not.toContain(password);
      expect(await streamContains("docker", ["save", image], password), `${image} layers`).toBe(false);
    }
    // The check can fail: the marker baked into the wheel is found in the saved layers.
    expect(await streamContains("docker", ["save", s.image], marker)).toBe(true);
    expect(readFileSync(buildRecordPath(plan), "utf8")).not.toContain(password);
    expect(logs.join("\n")).not.toContain(password);
    // Not even the install stage's cached images keep it in the local store.
    const docker = new Dockerode();
    for (const img of await docker.listImages({ all: true })) {
      if (img.Created < startedAt) continue;
      const history = JSON.stringify(await docker.getImage(img.Id).history());
      expect(history, `local image ${img.Id}`).not.toContain(password);
    }
  });

  it("docker: installs from a local --find-links folder with --no-index", async () => {
    const plan = await probePlan(dir, path.join(dir, "probe.ipynb"));
    const wheels = tempDir("nbbuild-wheels-");
    writeFileSync(path.join(wheels, WHEEL), readFileSync(path.join(wheelDir, WHEEL)));
    const engine = await makeBuilder("docker");
    const before = seen.length;
    const record = await buildImages(plan, { engine, base: BASE, pip: { findLinks: [wheels], noIndex: true } });
    expect(seen.length, "the index was not asked").toBe(before);
    expect(runRestricted(record.steps.probe!.image, "import nbbuild_probe; print(nbbuild_probe.VALUE)")).toContain(marker);
    // The wheel folder stays in the install stage: the final image has no copy of it.
    const probe = "import os; print(os.path.exists('/tmp/nbbuild-deps'))";
    expect(sh("docker", ["run", "--rm", "--network", "none", record.steps.probe!.image, "python3", "-c", probe])).toContain("False");
  });

  it("buildah: bakes the package in, and no image, config or leftover stage holds the password", async () => {
    const plan = await probePlan(dir, path.join(dir, "probe.ipynb"));
    const engine = await makeBuilder("buildah");
    const startedAt = Date.now() - 2000;
    const record = await buildImages(plan, { engine, base: BASE, pip: { indexUrl }, push: `${REGISTRY}/nbbuild-e2e-pip` });
    const s = record.steps.probe!;
    try {
      expect(s.image).toMatch(/@sha256:/);
      const config = sh("skopeo", ["inspect", "--tls-verify=false", "--config", `docker://${s.image}`]);
      expect(config).toMatch(/"io\.nbbuild\.step":\s*"probe"/); // the real config: labels and history are in it
      expect(config).not.toContain(password);
      await shAsync("docker", ["pull", "-q", s.image]);
      expect(runRestricted(s.image, "import nbbuild_probe; print(nbbuild_probe.VALUE)")).toContain(marker);
      expect(await streamContains("docker", ["save", s.image], password), "layers").toBe(false);
      expect(await streamContains("docker", ["save", s.image], marker)).toBe(true);
      // Images buildah keeps locally (the install stage is not kept without --layers).
      for (const img of buildahImagesSince(startedAt)) {
        expect(sh("buildah", ["inspect", "--type", "image", img.id]), `local image ${img.id}`).not.toContain(password);
      }
    } finally {
      // Under vfs each of these is a 1.3 GB copy: drop this test's own images (the probe folder is
      // empty, so there is no folder image), leaving other tests' images alone.
      dropLocalImages("buildah", [s.tag, `nbbuild-deps:${s.dependencyHash.slice(0, 24)}`]);
    }
  });
});
