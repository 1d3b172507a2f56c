/**
 * `nbbuild context` against the real docker daemon: the written folder, built with plain
 * `docker build` (build.sh), gives the very image `nbbuild image` built (a full cache hit means
 * the same instructions over the same bytes), and an uncached build of the step context gives an
 * image with the same files, modes, owner, user and labels.
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImages } from "../../src/images/build-images.js";
import type { BuildRecord } from "../../src/images/record-types.js";
import { writeStepContext, type StepContextManifest } from "../../src/images/step-context.js";
import { DockerEngine } from "../../src/engines/docker.js";
import type { Plan } from "../../src/plan/types.js";
import { BASE, copyExample, runRestricted, sh, shAsync, winePlan } from "./image-helpers.js";
import { cleanTemps, tempDir } from "../support/temp.js";

const STEP = "split";
/** Lists /opt/app-root/{nbbuild,src} as "path mode uid:gid sha256" lines. */
const LIST = [
  "import hashlib, os",
  "for top in ('/opt/app-root/nbbuild', '/opt/app-root/src'):",
  "    for d, dirs, files in sorted(os.walk(top)):",
  "        dirs.sort()",
  "        for n in sorted(files):",
  "            p = os.path.join(d, n); st = os.stat(p)",
  "            print(p, oct(st.st_mode), f'{st.st_uid}:{st.st_gid}', hashlib.sha256(open(p, 'rb').read()).hexdigest())",
].join("\n");

const inspect = (ref: string) =>
  (JSON.parse(sh("docker", ["image", "inspect", ref])) as { Id: string; Config: { User: string; Labels: Record<string, string> } }[])[0]!;

describe("nbbuild context with docker build", () => {
  const env = { ...process.env, SOURCE_DATE_EPOCH: "1700000000" };
  const extraTag = `nbbuild-ctx-e2e:${randomBytes(6).toString("hex")}`;
  let plan: Plan;
  let record: BuildRecord;
  let out: string;
  let manifest: StepContextManifest;
  const engine = new DockerEngine();

  beforeAll(async () => {
    expect(BASE, "NBBUILD_TEST_BASE comes from .ci/stack.sh").toMatch(/@sha256:/);
    plan = await winePlan(copyExample("wine"));
    // A marker of this run: the step's tag is this test's own.
    plan.steps.find((s) => s.name === STEP)!.code.at(-1)!.source += `\n# context e2e ${randomBytes(8).toString("hex")}`;
    record = await buildImages(plan, { engine, base: BASE, env });
    out = path.join(tempDir("nbbuild-render-"), "ctx");
    manifest = await writeStepContext(plan, STEP, out, { engine, base: BASE, env });
  }, 600_000);
  afterAll(async () => {
    for (const ref of [extraTag, record?.steps[STEP]?.tag]) if (ref) sh("docker", ["rmi", "-f", ref]);
    await engine.close();
    cleanTemps();
  });

  it("describes the image `nbbuild image` built", () => {
    const s = record.steps[STEP]!;
    expect(manifest.contentHash).toBe(s.contentHash);
    expect(manifest.dependencyHash).toBe(s.dependencyHash);
    expect(manifest.builds.map((b) => b.name)).toEqual(["deps", "src", "step"]);
    expect(manifest.builds.at(-1)!.tag).toBe(s.tag);
    expect(inspect(s.tag).Config.Labels).toEqual(manifest.labels);
  });

  it("build.sh with plain docker build reproduces the same image ids (every build a cache hit)", () => {
    const ids = manifest.builds.map((b) => inspect(b.tag).Id);
    sh("sh", [path.join(out, "build.sh"), "-q"], 600_000);
    expect(manifest.builds.map((b) => inspect(b.tag).Id)).toEqual(ids);
    expect(ids.at(-1)).toBe(record.steps[STEP]!.id);
  }, 600_000);

  it("an uncached docker build of the step context has the same files, owner, user and labels", async () => {
    const ours = record.steps[STEP]!.tag;
    await shAsync("docker", ["build", "--no-cache", "-q", "-f", path.join(out, "step/Containerfile"), "-t", extraTag, path.join(out, "step")], 600_000);
    const a = inspect(ours);
    const b = inspect(extraTag);
    expect(b.Id).not.toBe(a.Id);
    expect(b.Config.User).toBe(a.Config.User);
    expect(b.Config.User).toMatch(/^[1-9]\d*$/);
    expect(b.Config.Labels).toEqual(a.Config.Labels);
    const listA = runRestricted(ours, LIST);
    expect(listA).toContain("/opt/app-root/nbbuild/step.py");
    expect(listA).toContain("/opt/app-root/src/data/class_names.csv");
    expect(runRestricted(extraTag, LIST)).toBe(listA);
  }, 600_000);
});
