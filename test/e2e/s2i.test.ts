/**
 * S2I end to end on the wine example, without a cluster: the builder image builds on the
 * debootstrap base; every step is built (1) by `nbbuild image --engine s2i` (the upstream s2i
 * contract on docker) and (2) through the Dockerfile OpenShift 4's builder generates
 * (`s2i build --as-dockerfile`), built with buildah. Both give images that run under a random UID
 * with --network none --read-only, hold the same files under /opt/app-root as `nbbuild image`, and
 * pass the equivalence check. A notebook edit then rebuilds only code on the dependency image.
 */
import { buildRecordPath } from "../../src/images/record.js";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BuildahEngine } from "../../src/engines/buildah.js";
import { DockerEngine } from "../../src/engines/docker.js";
import { S2IEngine } from "../../src/engines/s2i.js";
import { buildImages } from "../../src/images/build-images.js";
import type { BuildEvent } from "../../src/images/build-images.js";
import { loadPlan } from "../../src/readers.js";
import type { Plan } from "../../src/plan/types.js";
import { buildImagesS2I, s2iDepsTag } from "../../src/s2i/build-s2i.js";
import { buildBuilderImage, staleDist } from "../../src/s2i/builder-image.js";
import { builderBaseFromLabels, renderForBuilder } from "../../src/s2i/builder-base.js";
import { asDockerfileContext } from "../../src/s2i/dockerfile.js";
import { expectedStepOutput, pipelineRun, printed, referenceRun } from "./equivalence.helpers.js";
import { BASE, copyExample, runRestricted, sh, shAsync } from "./image-helpers.js";
import { cleanTemps, tempDir } from "../support/temp.js";
import { buildWheel, serveIndex, wheelName } from "../support/pip-index.js";
import { writeTaggedNotebook } from "../support/tagged-notebook.js";

const RUN_ID = `${process.pid}-${Date.now()}`;
const BUILDER = `nbbuild-builder:e2e-${RUN_ID}`;
const docker = new DockerEngine();
const s2i = new S2IEngine(docker);
const made: string[] = [];
const madeBuildah: string[] = [];

/** path → [sha256 or "dir", mode, uid, gid] of everything under /opt/app-root, read inside the image. */
const TREE_PY = `
import hashlib, json, os, stat
out = {}
for root, dirs, files in os.walk("/opt/app-root"):
    for n in dirs + files:
        p = os.path.join(root, n)
        st = os.lstat(p)
        kind = "dir" if stat.S_ISDIR(st.st_mode) else hashlib.sha256(open(p, "rb").read()).hexdigest()
        out[p] = [kind, oct(st.st_mode & 0o7777), st.st_uid, st.st_gid]
print(json.dumps(out, sort_keys=True))
`;
const appRootTree = (image: string) => JSON.parse(runRestricted(image, TREE_PY)) as Record<string, [string, string, number, number]>;

let dir: string;
let plan: Plan;

beforeAll(async () => {
  expect(BASE).not.toBe("");
  // The builder carries dist/: compile it when the source is newer (a single-file run after an edit).
  if (staleDist()) await execa("npx", ["tsc", "-p", "tsconfig.json"], { cwd: path.resolve(import.meta.dirname, "../.."), timeout: 300_000 });
  const r = await buildBuilderImage(docker, BASE, BUILDER);
  made.push(BUILDER);
  expect(r.base.ref).toBe(BASE);
  dir = copyExample("wine");
  plan = await loadPlan(path.join(dir, "wine.ipynb"));
});

afterAll(async () => {
  await execa("docker", ["rmi", "-f", ...made], { reject: false });
  if (madeBuildah.length) await execa("buildah", ["rmi", "-f", ...madeBuildah], { reject: false });
  cleanTemps();
});

describe("S2I builder image", () => {
  it("has the S2I labels, numeric USER 1001, a group-writable APP_ROOT and runs under any UID", async () => {
    const info = (await docker.inspect(BUILDER))!;
    expect(info.user).toBe("1001");
    expect(info.labels["io.openshift.s2i.scripts-url"]).toBe("image:///usr/libexec/s2i");
    expect(info.labels["io.openshift.s2i.destination"]).toBe("/tmp");
    expect(info.labels["io.k8s.description"]).toMatch(/notebook/);
    expect(info.labels["io.openshift.tags"]).toContain("builder");
    expect(info.labels["io.nbbuild.base"]).toBe(BASE);
    const out = runRestricted(BUILDER, "import os, subprocess; st = os.stat('/opt/app-root'); print(st.st_uid, st.st_gid, oct(st.st_mode & 0o777)); print(subprocess.run(['/opt/nbbuild/node/bin/node', '/opt/nbbuild/lib/bin/nbbuild.js', '--version'], capture_output=True, text=True).stdout.strip()); open('/opt/app-root/src/probe', 'w')", ["--tmpfs", "/opt/app-root/src"]);
    expect(out).toContain("1001 0 0o775");
    expect(out).toMatch(/^\d+\.\d+\.\d+$/m);
  });
});

describe("nbbuild image --engine s2i", () => {
  it("builds every wine step on a dependency image, with the files `nbbuild image` puts under /opt/app-root", async () => {
    const local = await buildImages(plan, { engine: docker, base: BASE });
    const events: BuildEvent[] = [];
    const record = await buildImagesS2I(plan, { engine: s2i, builder: BUILDER, onEvent: (e) => events.push(e) });
    made.push(...Object.values(record.steps).map((s) => s.tag), ...new Set(Object.values(record.steps).map((s) => s2iDepsTag(s.dependencyHash))));
    expect(record.engine).toBe("s2i");
    // Wine has one dependency set: one dependency image (built, or cached from an earlier run).
    const deps = events.filter((e) => e.subject.startsWith("deps ") && e.state !== "building");
    expect(deps.length).toBe(1);
    expect(["built", "cached"]).toContain(deps[0]!.state);
    for (const step of plan.steps) {
      const a = local.steps[step.name]!;
      const b = record.steps[step.name]!;
      // Same render on the builder's base: same content and dependency hashes.
      expect(b.contentHash).toBe(a.contentHash);
      expect(b.dependencyHash).toBe(a.dependencyHash);
      expect(appRootTree(b.image), `files under /opt/app-root of step ${step.name}`).toEqual(appRootTree(a.image));
      const info = (await docker.inspect(b.image))!;
      expect(info.user).toBe("1001");
      expect(info.labels["io.nbbuild.content-hash"]).toBe(b.contentHash);
      // assemble removed the injected source: the commit holds no copy of the user's folder.
      expect(sh("docker", ["run", "--rm", "--network", "none", b.image, "python3", "-c", "import os; print(os.path.exists('/tmp/src'))"]).trim()).toBe("False");
    }
  });

  it("S2I-built images pass the equivalence check through nbbuild run (random UID, --network none, --read-only)", async () => {
    const nb = path.join(dir, "wine.ipynb");
    const { plan: p, run, lines } = await pipelineRun(nb, BASE, [], (pl) => buildImagesS2I(pl, { engine: s2i, builder: BUILDER }));
    const record = JSON.parse(readFileSync(buildRecordPath(p), "utf8")) as { engine: string };
    expect(record.engine).toBe("s2i");
    const ref = await referenceRun(p, BASE);
    expect(ref.exitCode, ref.lines.join("\n")).toBe(0);
    expect(run.status).toBe("succeeded");
    for (const step of p.steps) {
      // Run output is keyed by step name (`load_data`), as in equivalence.test.ts.
      expect(printed(lines.get(step.name)), `printed output of step ${step.name}`).toEqual(expectedStepOutput(p, step.name, ref));
    }
    expect(printed(lines.get(p.steps.at(-1)!.name)).length, "the final step prints something").toBeGreaterThan(0);
    expect(run.metrics).toEqual(ref.metrics);
    expect(Object.keys(run.metrics)).toContain("accuracy");
  });

  it("after a notebook edit only the edited step is assembled, on the cached dependency image, without pip", async () => {
    const nbFile = path.join(dir, "wine.ipynb");
    const nb = JSON.parse(readFileSync(nbFile, "utf8")) as { cells: { id?: string; source: string | string[] }[] };
    const cell = nb.cells.find((c) => c.id === "14f2e13b")!; // step:compare
    cell.source = [...(Array.isArray(cell.source) ? cell.source : [cell.source]), `\nprint('edited-${RUN_ID}')`];
    writeFileSync(nbFile, JSON.stringify(nb, null, 1));
    const edited = await loadPlan(nbFile);
    const events: BuildEvent[] = [];
    const logs: string[] = [];
    const t0 = performance.now();
    const record = await buildImagesS2I(edited, { engine: s2i, builder: BUILDER, onEvent: (e) => events.push(e), onLog: (s, l) => logs.push(`${s}: ${l}`) });
    const seconds = (performance.now() - t0) / 1000;
    made.push(record.steps.compare!.tag);
    const built = events.filter((e) => e.state === "built").map((e) => e.subject);
    expect(built).toEqual(["compare"]);
    expect(events.find((e) => e.subject.startsWith("deps "))?.state).toBe("cached");
    expect(logs.join("\n")).toMatch(/compare: nbbuild: dependencies [0-9a-f]{12} are in the builder image already \(dependency image\): no pip run/);
    expect(logs.join("\n")).not.toMatch(/compare: nbbuild: installing/);
    console.log(`[s2i] rebuild after a one-cell edit: ${seconds.toFixed(1)} s (compare assembled in ${events.find((e) => e.subject === "compare" && e.state === "built")?.seconds} s)`);
    expect(runRestricted(record.steps.compare!.image, "print('edited-" + RUN_ID + "' in open('/opt/app-root/nbbuild/step.py').read())").trim()).toBe("True");
  });
});

describe("OpenShift 4's path: the as-dockerfile Containerfile built with buildah", () => {
  it("builds the dependency image and every step; the files under /opt/app-root equal --engine s2i's", async () => {
    const buildah = new BuildahEngine();
    const src = copyExample("wine");
    const p = await loadPlan(path.join(src, "wine.ipynb"));
    const s2iRecord = await buildImagesS2I(p, { engine: s2i, builder: BUILDER });
    // The builder exists only in the docker daemon (beforeAll built it there): copy it into the
    // tests' buildah store explicitly, whatever that store held before.
    await shAsync("buildah", ["pull", "--quiet", `docker-daemon:${BUILDER}`], 600_000);
    madeBuildah.push(BUILDER);
    expect((await buildah.inspect(BUILDER))?.id).toBe((await docker.inspect(BUILDER))!.id);
    const builderInfo = (await docker.inspect(BUILDER))!;
    const base = builderBaseFromLabels(builderInfo.labels, BUILDER);
    expect(base).toEqual({ ref: BASE, user: "" });
    const first = renderForBuilder(p, p.steps[0]!.name, base);
    const depsTag = `localhost/nbbuild-s2i-df-deps:${RUN_ID}`;
    const depsCtx = asDockerfileContext({
      builder: BUILDER, builderInfo, source: src, tag: depsTag,
      env: { NBBUILD_NOTEBOOK: "wine.ipynb", NBBUILD_STEP: p.steps[0]!.name, NBBUILD_DEPS_ONLY: "1", NBBUILD_EXPECT_DEPENDENCY_HASH: first.deps.hash.slice(0, 12) },
    });
    const dockerfile = depsCtx.files[0]!.data.toString("utf8");
    expect(dockerfile).toMatch(/^FROM nbbuild-builder:e2e-/);
    expect(dockerfile).toContain("COPY upload/src /tmp/src\n");
    expect(dockerfile).toContain("RUN chown -R 1001:0 /tmp/src\nUSER 1001\n");
    expect(dockerfile).toContain("RUN /usr/libexec/s2i/assemble\n");
    expect(dockerfile).toMatch(/\nCMD \/usr\/libexec\/s2i\/run\n$/);
    await buildah.build(depsCtx, depsTag, { network: "host" });
    madeBuildah.push(depsTag);
    for (const step of p.steps) {
      const tag = `localhost/nbbuild-s2i-df-${step.name.replace(/_/g, "-")}:${RUN_ID}`;
      const ctx = asDockerfileContext({
        builder: depsTag, builderInfo, source: src, tag,
        // assemble fails unless it renders the content hash this host renders.
        env: { NBBUILD_NOTEBOOK: "wine.ipynb", NBBUILD_STEP: step.name, NBBUILD_DEPS_ONLY: "0", NBBUILD_EXPECT_CONTENT_HASH: renderForBuilder(p, step.name, base).contentHash },
      });
      await buildah.build(ctx, tag, { network: "none" });
      madeBuildah.push(tag);
      // Into the docker daemon, to run it as OpenShift would (random UID, read-only, no network).
      await shAsync("buildah", ["push", tag, `docker-daemon:${tag}`], 600_000);
      made.push(tag);
      expect(appRootTree(tag), `files under /opt/app-root of step ${step.name}`).toEqual(appRootTree(s2iRecord.steps[step.name]!.image));
      const info = (await docker.inspect(tag))!;
      expect(info.user).toBe("1001");
    }
  }, 45 * 60_000); // vfs copies the 1.4 GB root file system for every build and every export
});

describe("an incremental S2I build (s2i build --incremental): save-artifacts of the previous image", () => {
  it("a step built on the bare builder installs from the 127.0.0.1 index once; after an edit, the artifacts restore it with no index request", async () => {
    const seen: string[] = [];
    const value = `incr-${RUN_ID}`;
    const index = await serveIndex([buildWheel(tempDir("nbbuild-incr-wheel-"), value, "nbbuild-incr-probe")], { seen });
    try {
      const src = tempDir("nbbuild-incr-");
      writeFileSync(path.join(src, "requirements.txt"), "nbbuild-incr-probe==0.1.0\n");
      const cells = (extra: string) => [{ tags: ["step:show"], source: `import nbbuild_incr_probe\nprint('probe', nbbuild_incr_probe.VALUE)${extra}` }];
      writeTaggedNotebook(src, "incr.ipynb", cells(""));
      // One BuildConfig per step, no dependency image: from is the builder itself.
      const build = async (tag: string, incrementalFrom?: string) => {
        const logs: string[] = [];
        await s2i.sourceBuild({
          from: BUILDER, source: src, tag, incrementalFrom, network: "host", onLog: (l) => logs.push(l),
          env: { NBBUILD_NOTEBOOK: "incr.ipynb", NBBUILD_STEP: "show", NBBUILD_DEPS_ONLY: "0", PIP_INDEX_URL: index.url },
        });
        made.push(tag);
        return logs.join("\n");
      };
      const first = await build(`nbbuild-s2i-incr:1-${RUN_ID}`);
      expect(first).toMatch(/nbbuild: installing nbbuild-incr-probe==0\.1\.0/);
      expect(seen.some((l) => l.startsWith(`GET /files/${wheelName("nbbuild-incr-probe", "0.1.0")} `)), seen.join("\n")).toBe(true);

      // A one-cell edit: the same dependency set, another content hash.
      writeTaggedNotebook(src, "incr.ipynb", cells("\nprint('edited')"));
      seen.length = 0;
      const second = await build(`nbbuild-s2i-incr:2-${RUN_ID}`, `nbbuild-s2i-incr:1-${RUN_ID}`);
      expect(second).toMatch(/nbbuild: dependencies [0-9a-f]{12} restored from the previous build's artifacts: no pip run/);
      expect(second).not.toMatch(/nbbuild: installing/);
      expect(seen, "requests to the index during the incremental build").toEqual([]);

      const image = `nbbuild-s2i-incr:2-${RUN_ID}`;
      const out = runRestricted(image, "import nbbuild_incr_probe, os; print(nbbuild_incr_probe.VALUE, nbbuild_incr_probe.__file__); print('edited' in open('/opt/app-root/nbbuild/step.py').read(), os.path.exists('/tmp/artifacts'))", ["--tmpfs", "/opt/app-root/src"]);
      expect(out).toContain(`${value} /opt/app-root/deps/nbbuild_incr_probe/__init__.py`);
      expect(out).toContain("True");
      // The restored set is the installed one, byte for byte; the image keeps no second copy.
      const deps = (img: string) => Object.fromEntries(Object.entries(appRootTree(img)).filter(([p]) => p.startsWith("/opt/app-root/deps")));
      expect(deps(image)).toEqual(deps(`nbbuild-s2i-incr:1-${RUN_ID}`));
      expect(sh("docker", ["run", "--rm", "--network", "none", image, "python3", "-c", "import os; print(os.path.exists('/tmp/artifacts'), os.path.exists('/tmp/src'))"]).trim()).toBe("False False");
    } finally {
      await index.close();
    }
  });
});
