/**
 * `--engine oci` and a notebook's `%pip install`: a wheel this test builds, served from a PEP 503
 * index on 127.0.0.1 behind basic auth, is installed with no engine at all (the CLI runs with no
 * docker socket and no buildah/podman on its PATH); the image runs under a random uid with no
 * network, imports the package and runs its console script and data script; the password is in no
 * layer, config or build record. A requirement that exists only as an sdist falls back to an
 * engine (docker here) for the dependency image, and the output says so.
 */
import { randomBytes, randomInt } from "node:crypto";
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BuildRecord } from "../../src/images/record-types.js";
import { BASE, REGISTRY, REPO, sh, shAsync } from "./image-helpers.js";
import { buildSdist, buildWheel, serveIndex } from "../support/pip-index.js";
import { cleanTemps, tempDir } from "../support/temp.js";

afterAll(cleanTemps);

/** Images this file leaves in docker (pulled step images, the fallback's dependency image): removed at the end. */
const dockerImages: string[] = [];
afterAll(async () => {
  if (dockerImages.length) await execa("docker", ["rmi", "-f", ...dockerImages], { reject: false });
});

const CLI = path.join(REPO, "bin/nbbuild.js");
const RUN_UID = randomInt(20_000, 60_000);
const prefix = `${REGISTRY}/nbbuild-e2e-oci-deps-${RUN_UID}`;

/** A notebook whose one step needs `requirement` (a %pip line) and runs `code`. */
function notebook(dir: string, name: string, requirement: string, module: string): string {
  const cell = (id: string, tags: string[], source: string) => ({ cell_type: "code", id, metadata: { tags }, execution_count: null, outputs: [], source });
  const nb = {
    nbformat: 4, nbformat_minor: 5,
    metadata: { kernelspec: { name: "python3", display_name: "Python 3", language: "python" }, kubeflow_notebook: { pipeline_name: name } },
    cells: [
      cell("c0", ["imports"], `%pip install ${requirement}\nimport ${module}`),
      cell("c1", ["step:use"], `value = ${module}.VALUE\nprint(value)`),
    ],
  };
  const file = path.join(dir, `${name}.ipynb`);
  writeFileSync(file, JSON.stringify(nb, null, 1));
  return file;
}

const recordOf = (nb: string, plan: string) => JSON.parse(readFileSync(path.join(path.dirname(nb), ".nbbuild", `${path.basename(nb)}.${plan}.build.json`), "utf8")) as BuildRecord;

/** Runs python3 code in an image as a random uid of group 0, no network. */
function runIn(image: string, args: string[]): string {
  return sh("docker", ["run", "--rm", "--network", "none", "--user", `${randomInt(100_000, 200_000)}:0`, image, ...args]);
}

describe("nbbuild image --engine oci installs a notebook's %pip requirement", () => {
  const password = `pw-${randomBytes(8).toString("hex")}`;
  const marker = `ocidemo-${randomBytes(4).toString("hex")}`;
  const seen: string[] = [];
  const closers: (() => Promise<void>)[] = [];
  let authedIndex: string;
  let openIndex: string;

  beforeAll(async () => {
    expect(BASE, "NBBUILD_TEST_BASE comes from .ci/stack.sh").toMatch(/@sha256:/);
    await execa("npm", ["run", "build"], { cwd: REPO, timeout: 300_000 });
    const wheels = tempDir("nbbuild-oci-deps-wheels-");
    const wheel = buildWheel(wheels, marker, "nbbuild-ocidemo", "0.3.0", {
      files: {
        "nbbuild_ocidemo/cli.py": "import sys\ndef main():\n    print('ocidemo says', *sys.argv[1:])\n    return 0\n",
        "nbbuild_ocidemo-0.3.0.data/scripts/ocidemo-data": "#!python\nimport nbbuild_ocidemo\nprint('data script', nbbuild_ocidemo.VALUE)\n",
      },
      modes: { "nbbuild_ocidemo-0.3.0.data/scripts/ocidemo-data": 0o755 },
      entryPoints: "[console_scripts]\nocidemo = nbbuild_ocidemo.cli:main\n",
    });
    const sdist = buildSdist(wheels, `sdist-${marker}`, "nbbuild-ocisdist", "0.1.0");
    const authed = await serveIndex([wheel], { auth: { user: "user", password }, seen });
    const open = await serveIndex([sdist]);
    closers.push(authed.close, open.close);
    authedIndex = authed.url.replace("http://", `http://user:${password}@`);
    openIndex = open.url;
  });
  afterAll(() => Promise.all(closers.map((c) => c())));

  it("from a wheel, with no engine: the package imports and its scripts run under a random uid; no credential anywhere", async () => {
    const dir = tempDir("nbbuild-oci-deps-");
    const nb = notebook(dir, "ocidemo", "nbbuild-ocidemo==0.3.0", "nbbuild_ocidemo");
    // No engine can answer: no docker socket, and a PATH with only node and python3.
    const bin = path.join(tempDir("nbbuild-oci-deps-bin-"), "bin");
    mkdirSync(bin);
    // The interpreters themselves (a version manager's shim would need its own tools on PATH).
    symlinkSync(process.execPath, path.join(bin, "node"));
    symlinkSync(sh("python3", ["-c", "import sys; print(sys.executable)"]).trim(), path.join(bin, "python3"));
    const home = tempDir("nbbuild-oci-deps-home-");
    const r = await execa("node", [CLI, "image", nb, "--engine", "oci", "--base", BASE, "--push", prefix], {
      env: { HOME: home, PATH: bin, DOCKER_HOST: "unix:///nonexistent/docker.sock", PIP_INDEX_URL: authedIndex },
      extendEnv: false,
      reject: false,
      timeout: 900_000,
    });
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stderr).not.toContain(password);
    expect(seen.some((l) => l.includes("nbbuild_ocidemo-0.3.0-py3-none-any.whl") && l.endsWith("auth")), seen.join("\n")).toBe(true);
    const step = recordOf(nb, "ocidemo").steps.use!;
    expect(step.image).toMatch(new RegExp(`^${prefix}/ocidemo-use@sha256:`));

    await execa("docker", ["pull", "-q", step.image], { timeout: 600_000 });
    dockerImages.push(step.image);
    const code = "import nbbuild_ocidemo, importlib.metadata as m; print(nbbuild_ocidemo.VALUE, nbbuild_ocidemo.__file__, m.version('nbbuild-ocidemo'), m.distribution('nbbuild-ocidemo').read_text('INSTALLER').strip())";
    expect(runIn(step.image, ["python3", "-c", code]).trim()).toBe(`${marker} /opt/app-root/deps/nbbuild_ocidemo/__init__.py 0.3.0 nbbuild`);
    expect(runIn(step.image, ["ocidemo", "hello"]).trim()).toBe("ocidemo says hello");
    expect(runIn(step.image, ["ocidemo-data"]).trim()).toBe(`data script ${marker}`);
    expect(runIn(step.image, ["sh", "-c", "head -1 /opt/app-root/deps/bin/ocidemo; stat -c '%u:%g %a' /opt/app-root/deps/bin/ocidemo; cat /opt/app-root/deps/.nbbuild-installed.json"]).trim().split("\n"))
      .toEqual(["#!/usr/bin/python3", "1001:0 775", '{"installed": ["nbbuild-ocidemo==0.3.0"]}']);

    // The password is in no config (labels, env, history), no layer, no build record.
    expect(sh("skopeo", ["inspect", "--tls-verify=false", "--config", `docker://${step.image}`])).not.toContain(password);
    const saved = path.join(tempDir("nbbuild-oci-deps-save-"), "image.tar");
    await shAsync("docker", ["save", "-o", saved, step.image]);
    const layers = (await shAsync("sh", ["-c", `mkdir -p ${saved}.d && tar -xf ${saved} -C ${saved}.d && find ${saved}.d -name layer.tar -exec tar -xOf {} \\; | grep -c -a -F -e '${marker}' || true`])).trim();
    expect(Number(layers), "the wheel's files are in the saved layers").toBeGreaterThan(0);
    expect((await shAsync("sh", ["-c", `find ${saved}.d -name layer.tar -exec tar -xOf {} \\; | grep -c -a -F -e '${password}' || true`])).trim()).toBe("0");
    expect(readFileSync(path.join(dir, ".nbbuild", "ocidemo.ipynb.ocidemo.build.json"), "utf8")).not.toContain(password);
  });

  it("an sdist-only requirement: an engine builds the dependency image once, oci the step on it, and the output says so", async () => {
    const dir = tempDir("nbbuild-oci-sdist-");
    const nb = notebook(dir, "ocisdist", "nbbuild-ocisdist==0.1.0", "nbbuild_ocisdist");
    const home = tempDir("nbbuild-oci-sdist-home-");
    const run = () => execa("node", [CLI, "image", nb, "--engine", "oci", "--base", BASE, "--push", prefix], {
      env: { HOME: home, PIP_INDEX_URL: openIndex },
      reject: false,
      timeout: 900_000,
    });
    const r = await run();
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stderr).toMatch(/deps nbbuild-deps:\S+\s+built\s+\S+s \(with docker: no wheel of nbbuild-ocisdist \(or of a dependency\) for CPython 3\.11 on manylinux_2_\d+_x86_64 could be fetched\)/);
    const record = recordOf(nb, "ocisdist");
    expect(record.engine).toBe("oci");
    const step = record.steps.use!;
    await execa("docker", ["pull", "-q", step.image], { timeout: 600_000 });
    dockerImages.push(step.image, `nbbuild-deps:${step.dependencyHash.slice(0, 24)}`);
    expect(runIn(step.image, ["python3", "-c", "import nbbuild_ocisdist; print(nbbuild_ocisdist.VALUE, nbbuild_ocisdist.__file__)"]).trim())
      .toBe(`sdist-${marker} /opt/app-root/deps/nbbuild_ocisdist/__init__.py`);
    // Built once: the next build finds the dependency image in the oci store.
    const again = await run();
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stderr).not.toContain("with docker");
    expect(recordOf(nb, "ocisdist").steps.use!.digest).toBe(step.digest);
  });
});
