/**
 * Acceptance of `--engine oci`, the way a notebook user in a pod meets it: a non-root user (a
 * random uid, no groups, HOME in a temp dir) with no docker socket runs the built CLI. It builds
 * and pushes the wine notebook; a fresh copy with an empty HOME (`--engine auto`, which must pick
 * oci) gives identical digests. Independent readers check the result: skopeo, umoci (rootless
 * unpack of the OCI layout nbbuild wrote) and docker (pull + run under another uid, read-only,
 * no network).
 */
import { randomInt } from "node:crypto";
import { chmodSync, chownSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BuildRecord } from "../../src/images/record-types.js";
import { BASE, REGISTRY, REPO, sh, skopeoInspect } from "./image-helpers.js";

const CLI = path.join(REPO, "bin/nbbuild.js");
const UID = randomInt(20_000, 60_000);
const STEPS = ["load_data", "split", "train_lr", "train_rf", "compare"];
const prefix = `${REGISTRY}/nbbuild-e2e-oci-${UID}`;

/**
 * Every folder of this file under one root, removed asynchronously at the end: the stores and the
 * unpacked root file system hold a Debian Python tree, whose synchronous removal would stall the
 * test worker past vitest's RPC timeout. 0755 so the test user can reach its own folders.
 */
const ROOT = mkdtempSync(path.join(tmpdir(), "nbbuild-oci-e2e-"));
chmodSync(ROOT, 0o755);
const tempDir = (prefix: string) => mkdtempSync(path.join(ROOT, prefix));
afterAll(() => rm(ROOT, { recursive: true, force: true }));

/** Gives the whole tree to the test user. */
function chownTree(dir: string): void {
  chownSync(dir, UID, UID);
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) chownSync(path.join(e.parentPath, e.name), UID, UID);
}

/** A copy of examples/wine and an empty HOME, both owned by the test user. */
function freshCopy(): { nb: string; home: string } {
  const dir = tempDir("nbbuild-oci-e2e-");
  cpSync(path.join(REPO, "examples", "wine"), dir, { recursive: true, filter: (src) => !src.endsWith("/.nbbuild") });
  const home = tempDir("nbbuild-oci-home-");
  chownTree(dir);
  chownTree(home);
  return { nb: path.join(dir, "wine.ipynb"), home };
}

/** Runs the CLI as the test user: no groups, no docker socket, nothing of root's environment. */
async function asUser(home: string, args: string[]) {
  return execa(
    "setpriv",
    [`--reuid=${UID}`, `--regid=${UID}`, "--clear-groups", "env", "-i", `HOME=${home}`, `PATH=${process.env.PATH}`, "DOCKER_HOST=unix:///nonexistent/docker.sock", "node", CLI, ...args],
    { reject: false, timeout: 900_000, cwd: home },
  );
}

const recordOf = (nb: string) => JSON.parse(readFileSync(path.join(path.dirname(nb), ".nbbuild", "wine.ipynb.wine-classification.build.json"), "utf8")) as BuildRecord;

describe("nbbuild image --engine oci as a non-root user without a docker socket", () => {
  let first: BuildRecord;
  let layout: string;

  beforeAll(async () => {
    expect(BASE, "NBBUILD_TEST_BASE comes from .ci/stack.sh").toMatch(/@sha256:/);
    await execa("npm", ["run", "build"], { cwd: REPO, timeout: 300_000 });
  });

  it("builds and pushes; a fresh copy with empty caches (auto picks oci) gives identical digests", async () => {
    const a = freshCopy();
    layout = path.join(a.home, "layout");
    const r1 = await asUser(a.home, ["image", a.nb, "--engine", "oci", "--base", BASE, "--push", prefix, "--output", `oci:${layout}`]);
    expect(r1.exitCode, r1.stderr).toBe(0);
    first = recordOf(a.nb);
    expect(first.engine).toBe("oci");
    expect(Object.keys(first.steps)).toEqual(STEPS);
    for (const s of STEPS) expect(first.steps[s]!.image).toBe(`${prefix}/wine-classification-${s}@${first.steps[s]!.digest}`);
    // The store lives in the user's HOME, not in root's or the repository's.
    expect(existsSync(path.join(a.home, ".cache", "nbbuild", "oci", "blobs", "sha256"))).toBe(true);
    expect(statSync(path.join(a.home, ".cache", "nbbuild", "oci")).uid).toBe(UID);

    const b = freshCopy();
    const r2 = await asUser(b.home, ["image", b.nb, "--base", BASE, "--push", prefix]);
    expect(r2.exitCode, r2.stderr).toBe(0);
    expect(r2.stderr).toContain("engine: oci (no docker daemon answered");
    const second = recordOf(b.nb);
    for (const s of STEPS) expect(second.steps[s]!.digest, s).toBe(first.steps[s]!.digest);
  });

  it("every pushed image has an SBOM and a provenance referrer; nbbuild sbom prints them", async () => {
    for (const s of STEPS) {
      const r = await execa("node", [CLI, "sbom", first.steps[s]!.image], { reject: false, timeout: 120_000 });
      expect(r.exitCode, r.stderr).toBe(0);
      const sbom = JSON.parse(r.stdout) as { spdxVersion: string; packages: { name: string }[]; files: { fileName: string }[] };
      expect(sbom.spdxVersion).toBe("SPDX-2.3");
      expect(sbom.packages.map((p) => p.name.toLowerCase())).toEqual(expect.arrayContaining(["pandas", "scikit-learn"]));
      expect(sbom.files.map((f) => f.fileName)).toContain("/opt/app-root/nbbuild/step.py");
    }
    const prov = await execa("node", [CLI, "sbom", "--provenance", first.steps.split!.image], { timeout: 120_000 });
    expect(JSON.parse(prov.stdout).subject[0].digest.sha256).toBe(first.steps.split!.digest!.slice(7));
    // The fallback tag of the referrers (OCI 1.1) as an independent reader sees it.
    const index = JSON.parse(sh("skopeo", ["inspect", "--tls-verify=false", "--raw", `docker://${prefix}/wine-classification-split:sha256-${first.steps.split!.digest!.slice(7)}`])) as { manifests: { artifactType: string }[] };
    expect(index.manifests.map((m) => m.artifactType).sort()).toEqual(["application/spdx+json", "application/vnd.in-toto+json"]);
  });

  it("skopeo reads the pushed image: non-root user, labels, the base's layers first", () => {
    const ref = first.steps.split!.image;
    const info = skopeoInspect(ref) as { Labels: Record<string, string>; Layers: string[] };
    expect(info.Labels["io.nbbuild.step"]).toBe("split");
    const config = JSON.parse(sh("skopeo", ["inspect", "--tls-verify=false", "--config", `docker://${ref}`])) as { config: { User: string; WorkingDir: string } };
    expect(config.config.User).toBe("1001");
    expect(config.config.WorkingDir).toBe("/opt/app-root/src");
    const base = skopeoInspect(BASE) as { Layers: string[] };
    expect(info.Layers.slice(0, base.Layers.length)).toEqual(base.Layers);
    expect(info.Layers).toHaveLength(base.Layers.length + 3);
  });

  it("umoci unpacks the OCI layout nbbuild wrote, rootless, with the step's files", async () => {
    const index = JSON.parse(readFileSync(path.join(layout, "index.json"), "utf8")) as { manifests: { annotations: Record<string, string>; digest: string }[] };
    const tag = first.steps.split!.tag;
    const entry = index.manifests.find((m) => m.annotations["org.opencontainers.image.ref.name"] === tag)!;
    expect(entry.digest).toBe(first.steps.split!.digest);
    const bundle = path.join(tempDir("nbbuild-umoci-"), "bundle");
    chownTree(path.dirname(bundle));
    const r = await execa("setpriv", [`--reuid=${UID}`, `--regid=${UID}`, "--clear-groups", "env", `HOME=${path.dirname(layout)}`, "umoci", "unpack", "--rootless", "--image", `${layout}:${tag}`, bundle], { reject: false, timeout: 600_000 });
    expect(r.exitCode, r.stderr).toBe(0);
    const step = readFileSync(path.join(bundle, "rootfs", "opt/app-root/nbbuild/step.py"), "utf8");
    expect(step).toContain("split");
    expect(existsSync(path.join(bundle, "rootfs", "opt/app-root/src/data/class_names.csv"))).toBe(true);
    expect(existsSync(path.join(bundle, "rootfs", "usr/bin/python3"))).toBe(true);
  });

  it("docker pulls and runs it under a random uid, read-only, without network: HOME is group-0 writable", async () => {
    const image = first.steps.train_lr!.image;
    await execa("docker", ["pull", "-q", image], { timeout: 600_000 });
    const { stdout: out } = await execa("docker", [
      "run", "--rm", "--user", "123457:0", "--read-only", "--tmpfs", "/tmp", "--network", "none", image, "python3", "-c",
      "import os, pandas, sklearn; s = os.stat('/opt/app-root/src'); f = os.stat('/opt/app-root/nbbuild/step.py'); " +
        "print(os.getuid(), os.getcwd(), os.environ['HOME'], s.st_gid, oct(s.st_mode & 0o070), f.st_uid, f.st_gid, oct(f.st_mode & 0o777))",
    ], { timeout: 300_000 });
    expect(out.trim()).toBe("123457 /opt/app-root/src /opt/app-root/src 0 0o70 1001 0 0o664");
  });
});
