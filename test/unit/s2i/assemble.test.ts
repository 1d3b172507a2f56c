/**
 * assemble() on the host, with the S2I paths in a temporary folder: the files it leaves under
 * APP_ROOT are the rendered step's (the bytes `nbbuild image` copies), the dependency marker
 * decides whether pip runs, and bad inputs fail with a clear NbbuildError. The fixture imports the
 * standard library only, so the real installer runs without reaching a package index.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { NbbuildError } from "../../../src/errors.js";
import { loadPlan } from "../../../src/readers.js";
import { assemble, type AssemblePaths } from "../../../src/s2i/assemble.js";
import { dependencyHashForBuilder, renderForBuilder } from "../../../src/s2i/builder-base.js";
import { cleanTemps, tempDir } from "../../support/temp.js";

const REPO = path.resolve(import.meta.dirname, "../../..");
const BASE = `127.0.0.1:5000/nbbuild/python@sha256:${"ab".repeat(32)}`;

afterEach(cleanTemps);

/** Puts the source where the S2I build injects it (assemble removes it when done). */
function inject(paths: AssemblePaths): void {
  rmSync(paths.source, { recursive: true, force: true });
  mkdirSync(path.join(paths.source, "nb"), { recursive: true });
  cpSync(path.join(REPO, "test/fixtures/notebooks/diamond.ipynb"), path.join(paths.source, "nb", "diamond.ipynb"));
  writeFileSync(path.join(paths.source, "nb", "helper.txt"), "data\n");
  symlinkSync("helper.txt", path.join(paths.source, "nb", "link.txt"));
}

function setup(): { paths: AssemblePaths; env: NodeJS.ProcessEnv } {
  const root = tempDir("nbbuild-assemble-");
  const paths: AssemblePaths = {
    source: path.join(root, "src"),
    artifacts: path.join(root, "artifacts"),
    appRoot: path.join(root, "app-root"),
    depsMarker: path.join(root, "state", "deps.json"),
    work: path.join(root, "work"),
  };
  inject(paths);
  for (const d of ["src", "nbbuild", "deps"]) mkdirSync(path.join(paths.appRoot, d), { recursive: true });
  const env = { PATH: process.env.PATH, NBBUILD_BUILDER_BASE: BASE, NBBUILD_BUILDER_BASE_USER: "", NBBUILD_NOTEBOOK: "nb/diamond.ipynb", NBBUILD_STEP: "b" };
  return { paths, env };
}

/** path → [mode, bytes] of every file under a folder. */
function tree(dir: string): Record<string, [number, string]> {
  const out: Record<string, [number, string]> = {};
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const abs = path.join(e.parentPath, e.name);
    out[path.relative(dir, abs)] = [statSync(abs).mode & 0o777, readFileSync(abs, "utf8")];
  }
  return out;
}

describe("s2i assemble", () => {
  it("lays out the rendered step under APP_ROOT and installs through the rendered installer", async () => {
    const { paths, env } = setup();
    const lines: string[] = [];
    const r = await assemble(env, (l) => lines.push(l), paths);
    expect(r.dependencies).toBe("installed");
    // The injected source is gone: the build commits the container's file system.
    expect(existsSync(paths.source)).toBe(false);
    inject(paths);
    const plan = await loadPlan(path.join(paths.source, "nb/diamond.ipynb"));
    const rendered = renderForBuilder(plan, "b", { ref: BASE, user: "" });
    expect(r.manifest.contentHash).toBe(rendered.contentHash);
    // Step code: exactly the rendered files (minus the Containerfile), with their modes.
    const want = Object.fromEntries(rendered.files.filter((f) => f.path.startsWith("nbbuild/")).map((f) => [f.path.slice("nbbuild/".length), [f.mode, f.data.toString("utf8")]]));
    expect(tree(path.join(paths.appRoot, "nbbuild"))).toEqual(want);
    // The folder, without the notebook; a symbolic link stays a link.
    expect(Object.keys(tree(path.join(paths.appRoot, "src")))).toEqual(["helper.txt"]);
    expect(readlinkSync(path.join(paths.appRoot, "src", "link.txt"))).toBe("helper.txt");
    expect(JSON.parse(readFileSync(path.join(paths.appRoot, "deps/.nbbuild-installed.json"), "utf8"))).toEqual({ installed: [] });
    expect(lines.join("\n")).toContain("the base image satisfies every requirement");
    expect(JSON.parse(readFileSync(paths.depsMarker, "utf8")).dependencyHash).toBe(dependencyHashForBuilder(plan, "b", { ref: BASE, user: "" }));
    expect(existsSync(paths.work)).toBe(false);
  });

  it("a dependency image (marker matches) skips pip; a deps-only build writes no step code", async () => {
    const { paths, env } = setup();
    const deps = await assemble({ ...env, NBBUILD_DEPS_ONLY: "1" }, () => {}, paths);
    expect(deps.depsOnly).toBe(true);
    expect(readdirSync(path.join(paths.appRoot, "nbbuild"))).toEqual([]);
    // The dependency image's environment says NBBUILD_DEPS_ONLY=1: a step build must override it.
    inject(paths);
    await expect(assemble({ ...env, NBBUILD_STEP: "c", NBBUILD_DEPS_ONLY: "1" }, () => {}, paths)).rejects.toThrow(/set NBBUILD_DEPS_ONLY=0/);
    inject(paths);
    const step = await assemble({ ...env, NBBUILD_STEP: "c", NBBUILD_DEPS_ONLY: "0" }, () => {}, paths);
    expect(step.dependencies).toBe("from-image");
    expect(readdirSync(path.join(paths.appRoot, "nbbuild"))).toContain("step.py");
  });

  it("a stale marker reinstalls with a warning; matching artifacts are restored instead of pip", async () => {
    const { paths, env } = setup();
    mkdirSync(path.dirname(paths.depsMarker), { recursive: true });
    writeFileSync(paths.depsMarker, JSON.stringify({ dependencyHash: "0".repeat(64), requirements: [] }));
    const lines: string[] = [];
    expect((await assemble(env, (l) => lines.push(l), paths)).dependencies).toBe("installed");
    expect(lines.join("\n")).toMatch(/dependency image holds 000000000000.*re-run `nbbuild openshift apply`/);

    const again = setup();
    const hash = JSON.parse(readFileSync(paths.depsMarker, "utf8")).dependencyHash as string;
    mkdirSync(path.join(again.paths.artifacts, "deps"), { recursive: true });
    // Unpacked by a non-root tar (umask 022): group 0 lost its write bit.
    writeFileSync(path.join(again.paths.artifacts, "deps", "restored.txt"), "from artifacts", { mode: 0o644 });
    writeFileSync(path.join(again.paths.artifacts, "deps.json"), JSON.stringify({ dependencyHash: hash, requirements: [] }));
    expect((await assemble(again.env, () => {}, again.paths)).dependencies).toBe("artifacts");
    expect(readFileSync(path.join(again.paths.appRoot, "deps/restored.txt"), "utf8")).toBe("from artifacts");
    expect(statSync(path.join(again.paths.appRoot, "deps/restored.txt")).mode & 0o777).toBe(0o664);
    expect(existsSync(again.paths.artifacts)).toBe(false);
  });

  it("reads .s2i/environment (the build env wins) and removes the pip build secret before rendering", async () => {
    const { paths, env } = setup();
    mkdirSync(path.join(paths.source, ".s2i"));
    writeFileSync(path.join(paths.source, ".s2i/environment"), "# comment\nNBBUILD_STEP=c\nNBBUILD_NOTEBOOK=elsewhere.ipynb\n");
    mkdirSync(path.join(paths.source, "nb/.nbbuild-pip"), { recursive: true });
    writeFileSync(path.join(paths.source, "nb/.nbbuild-pip/PIP_INDEX_URL"), "http://user:s3cret@127.0.0.1:1/simple\n");
    const { NBBUILD_STEP: _drop, ...rest } = env;
    const r = await assemble({ ...rest, NBBUILD_PIP_SECRET_DIR: "nb/.nbbuild-pip" }, () => {}, paths);
    expect(r.manifest.step).toBe("c");
    expect(existsSync(path.join(paths.source, "nb/.nbbuild-pip"))).toBe(false);
    const everything = JSON.stringify(tree(paths.appRoot)) + readFileSync(paths.depsMarker, "utf8");
    expect(everything).not.toContain("s3cret");
    expect(Object.keys(tree(path.join(paths.appRoot, "src")))).toEqual(["helper.txt"]);
  });

  it("fails clearly on a missing step variable, an unknown notebook and a stale BuildConfig", async () => {
    const { paths, env } = setup();
    const { NBBUILD_STEP: _s, ...noStep } = env;
    await expect(assemble(noStep, () => {}, paths)).rejects.toThrow(/NBBUILD_STEP is not set/);
    await expect(assemble({ ...env, NBBUILD_NOTEBOOK: "missing.ipynb" }, () => {}, paths)).rejects.toThrow(/not in the source/);
    await expect(assemble({ ...env, NBBUILD_EXPECT_CONTENT_HASH: "deadbeefdeadbeef" }, () => {}, paths)).rejects.toThrow(NbbuildError);
    await expect(assemble({ ...env, NBBUILD_DEPS_ONLY: "1", NBBUILD_EXPECT_DEPENDENCY_HASH: "deadbeefdeadbeef" }, () => {}, paths)).rejects.toThrow(/re-run `nbbuild openshift apply`/);
    const { NBBUILD_BUILDER_BASE: _b, ...noBase } = env;
    await expect(assemble(noBase, () => {}, paths)).rejects.toThrow(/only inside an nbbuild builder image/);
  });
});
