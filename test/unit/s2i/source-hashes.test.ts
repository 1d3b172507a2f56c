/**
 * assemble's render inside the builder must give the host's content hash (the local S2I engine
 * passes it as NBBUILD_EXPECT_CONTENT_HASH). The source reaches assemble the way each path sends
 * it — the local engine's tar unpacked as the container's non-root user does (umask 022, no owner
 * or mode preservation), and OpenShift 4's as-dockerfile context (`COPY upload/src /tmp/src`) —
 * and assemble runs on that copy only: no .git, no .nbbuild, no parent folders.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { writeContextDir } from "../../../src/engines/containers-cli.js";
import { injectionTar } from "../../../src/engines/s2i.js";
import { loadPlan } from "../../../src/readers.js";
import { assemble, type AssemblePaths } from "../../../src/s2i/assemble.js";
import { renderForBuilder } from "../../../src/s2i/builder-base.js";
import { asDockerfileContext } from "../../../src/s2i/dockerfile.js";
import { readProvenance } from "../../../src/images/provenance.js";
import { cleanTemps, tempDir } from "../../support/temp.js";

const REPO = path.resolve(import.meta.dirname, "../../..");
const BASE = `127.0.0.1:5000/nbbuild/python@sha256:${"cd".repeat(32)}`;
const NOTEBOOK = "diamond.ipynb";

afterEach(cleanTemps);

type Delivery = "local engine tar" | "as-dockerfile context";

/** The S2I paths of one build, with the source delivered into `source` as `how` sends it. */
async function deliver(root: string, how: Delivery): Promise<AssemblePaths> {
  const t = tempDir("nbbuild-s2i-build-");
  const paths: AssemblePaths = { source: path.join(t, "src"), artifacts: path.join(t, "artifacts"), appRoot: path.join(t, "app-root"), depsMarker: path.join(t, "state", "deps.json"), work: path.join(t, "work") };
  if (how === "local engine tar") {
    const tar = await injectionTar({ from: "builder", source: root, env: {}, tag: "t", network: "none" });
    execFileSync("sh", ["-c", `umask 022; tar -C "${t}" --no-same-owner --no-same-permissions -xf -`], { input: tar });
  } else {
    const dir = await writeContextDir(asDockerfileContext({ builder: "builder", builderInfo: { labels: {} }, env: {}, tag: "t", source: root }), t);
    cpSync(path.join(dir, "upload", "src"), paths.source, { recursive: true, verbatimSymlinks: true });
  }
  for (const d of ["src", "nbbuild", "deps"]) mkdirSync(path.join(paths.appRoot, d), { recursive: true });
  return paths;
}

/** For every step: [host content hash, assemble's] (assemble finds a matching dependency image: no pip). */
async function hashes(root: string, how: Delivery, hostEnv: NodeJS.ProcessEnv = {}): Promise<[string, string][]> {
  const plan = await loadPlan(path.join(root, NOTEBOOK));
  const out: [string, string][] = [];
  for (const step of plan.steps) {
    // The host renders as buildImagesS2I does (with provenance from git and the environment).
    const host = renderForBuilder(plan, step.name, { ref: BASE, user: "" }, { provenance: readProvenance(plan, hostEnv), env: hostEnv });
    const paths = await deliver(root, how);
    mkdirSync(path.dirname(paths.depsMarker), { recursive: true });
    writeFileSync(paths.depsMarker, JSON.stringify({ dependencyHash: host.deps.hash, requirements: [] }));
    const env = { PATH: process.env.PATH, NBBUILD_BUILDER_BASE: BASE, NBBUILD_NOTEBOOK: NOTEBOOK, NBBUILD_STEP: step.name, NBBUILD_DEPS_ONLY: "0", NBBUILD_EXPECT_CONTENT_HASH: host.contentHash };
    const r = await assemble(env, () => {}, paths);
    out.push([host.contentHash, r.manifest.contentHash]);
  }
  return out;
}

/** A notebook folder with a data file, a private file, a link, in a 0700 folder (as mkdtemp makes). */
function notebookFolder(parent: string): string {
  const root = path.join(parent, "nb");
  mkdirSync(path.join(root, "data"), { recursive: true });
  cpSync(path.join(REPO, "test/fixtures/notebooks/diamond.ipynb"), path.join(root, NOTEBOOK));
  writeFileSync(path.join(root, "data", "table.csv"), "a,b\n1,2\n");
  writeFileSync(path.join(root, "private.txt"), "owner only\n");
  chmodSync(path.join(root, "private.txt"), 0o600);
  symlinkSync("data/table.csv", path.join(root, "table.csv"));
  chmodSync(root, 0o700);
  return root;
}

const git = (dir: string, ...args: string[]) => execFileSync("git", ["-C", dir, "-c", "user.name=t", "-c", "user.email=t@t", ...args], { stdio: "ignore" });

describe.each<Delivery>(["local engine tar", "as-dockerfile context"])("assemble renders the host's content hash from the source the %s delivers", (how) => {
  it("a plain folder (0700, a private file, a link), whatever SOURCE_DATE_EPOCH the host has", async () => {
    const root = notebookFolder(tempDir("nbbuild-plain-"));
    for (const [host, inside] of await hashes(root, how, { SOURCE_DATE_EPOCH: "1700000000" })) expect(inside).toBe(host);
  });

  it("a folder inside a git checkout whose parent .gitignore and .git/info/exclude leave files out (with git provenance)", async () => {
    const top = tempDir("nbbuild-checkout-");
    git(top, "init", "-q");
    writeFileSync(path.join(top, ".gitignore"), "*.log\n");
    const root = notebookFolder(top);
    writeFileSync(path.join(root, "train.log"), "ignored by the parent .gitignore\n");
    writeFileSync(path.join(top, ".git", "info", "exclude"), "nb/scratch.txt\n");
    writeFileSync(path.join(root, "scratch.txt"), "ignored by .git/info/exclude\n");
    git(top, "add", "-A");
    git(top, "commit", "-qm", "notebook");
    for (const [host, inside] of await hashes(root, how)) expect(inside).toBe(host);
  });

  it("nbbuild's own outputs in the folder (a pipeline file, a run folder), listed in .nbbuild/outputs.json", async () => {
    const root = notebookFolder(tempDir("nbbuild-outputs-"));
    writeFileSync(path.join(root, "pipeline.yaml"), "kind: Workflow\n");
    mkdirSync(path.join(root, "runs", "r1"), { recursive: true });
    writeFileSync(path.join(root, "runs", "r1", "report.html"), "<p>run</p>\n");
    mkdirSync(path.join(root, ".nbbuild"));
    writeFileSync(path.join(root, ".nbbuild", "outputs.json"), JSON.stringify({ outputs: ["pipeline.yaml", "runs/r1"] }));
    for (const [host, inside] of await hashes(root, how)) expect(inside).toBe(host);
  });
});

describe("the content hash check in assemble", () => {
  it("fails a build whose source differs from what the host rendered (a file the host did not see)", async () => {
    const root = notebookFolder(tempDir("nbbuild-differs-"));
    const plan = await loadPlan(path.join(root, NOTEBOOK));
    const host = renderForBuilder(plan, plan.steps[0]!.name, { ref: BASE, user: "" });
    const paths = await deliver(root, "local engine tar");
    writeFileSync(path.join(paths.source, "extra.txt"), "only inside\n");
    mkdirSync(path.dirname(paths.depsMarker), { recursive: true });
    writeFileSync(paths.depsMarker, JSON.stringify({ dependencyHash: host.deps.hash, requirements: [] }));
    const env = { PATH: process.env.PATH, NBBUILD_BUILDER_BASE: BASE, NBBUILD_NOTEBOOK: NOTEBOOK, NBBUILD_STEP: plan.steps[0]!.name, NBBUILD_EXPECT_CONTENT_HASH: host.contentHash };
    await expect(assemble(env, () => {}, paths)).rejects.toThrow(/the content hash is [0-9a-f]{12}, the BuildConfig expects/);
    expect(existsSync(path.join(paths.appRoot, "nbbuild", "step.py"))).toBe(false);
  });
});
