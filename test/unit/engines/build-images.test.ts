/** buildImages orchestration against an in-memory engine (the e2e tests use the real ones). */
import { cpSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildImages, buildRecordPath, readBuildRecord, resolveBases } from "../../../src/images/build-images.js";
import { renderPlan } from "../../../src/render/render-step.js";
import type { BuildContextFiles, BuildOptions, Engine, ImageInfo } from "../../../src/engines/engine.js";
import { NbbuildError } from "../../../src/errors.js";
import { handWinePlan } from "../render/wine-plan.js";
import { cleanTemps, tempDir } from "../../support/temp.js";

afterAll(cleanTemps);

const BASE = "127.0.0.1:5000/nbbuild/python@sha256:" + "b".repeat(64);

/** An engine that keeps images in a map and records what it was asked to do. */
class MemoryEngine implements Engine {
  readonly name = "docker" as const;
  images = new Map<string, ImageInfo>();
  builds: { tag: string; opts: BuildOptions; containerfile: string }[] = [];
  pushes: string[] = [];
  failOn?: RegExp;
  constructor() {
    this.images.set(BASE, { id: "sha256:base", repoDigests: [BASE], user: "", labels: {} });
  }
  async inspect(ref: string) {
    return this.images.get(ref);
  }
  async pull(ref: string) {
    const i = this.images.get(ref);
    if (!i) throw new Error(`no ${ref}`);
    return i;
  }
  async exportArchive(): Promise<void> {
    throw new Error("the memory engine keeps no layers");
  }
  async build(ctx: BuildContextFiles, tag: string, opts: BuildOptions = {}) {
    const containerfile = ctx.files.find((f) => f.path === ctx.containerfile)!.data.toString();
    this.builds.push({ tag, opts, containerfile });
    if (this.failOn?.test(tag)) throw new Error("pip exploded");
    const info = { id: `sha256:${this.builds.length}`, repoDigests: [], user: "1001", labels: {} };
    this.images.set(tag, info);
    return info;
  }
  async publish(tag: string, remote: string) {
    this.pushes.push(remote);
    return `sha256:${"c".repeat(63)}${this.pushes.length}`;
  }
  async close() {}
}

function wine() {
  const dir = tempDir("nbbuild-bi-");
  cpSync(path.resolve(import.meta.dirname, "../../../examples/wine"), dir, { recursive: true, filter: (src) => !src.endsWith("/.nbbuild") });
  return handWinePlan(dir);
}

describe("buildImages", () => {
  it("builds one dependency image and one folder image for five steps, then the steps; records them", async () => {
    const plan = wine();
    const engine = new MemoryEngine();
    const rec = await buildImages(plan, { engine, base: BASE, env: { SOURCE_DATE_EPOCH: "1700000000" } });
    const tags = engine.builds.map((b) => b.tag);
    expect(tags.filter((t) => t.startsWith("nbbuild-deps:"))).toHaveLength(1);
    expect(tags.filter((t) => t.startsWith("nbbuild-src:"))).toHaveLength(1);
    expect(tags.slice(0, 2).map((t) => t.split(":")[0])).toEqual(["nbbuild-deps", "nbbuild-src"]);
    expect(tags.filter((t) => t.startsWith("nbbuild/"))).toHaveLength(5);
    expect(engine.builds[0]!.opts.network).toBe("host");
    expect(engine.builds[2]!.containerfile).toContain('"org.opencontainers.image.created"="2023-11-14T22:13:20Z"');
    expect(Object.values(rec.steps).every((s) => !s.cached && s.baseDigest === "sha256:" + "b".repeat(64))).toBe(true);
    expect(readBuildRecord(plan)).toEqual(rec);
    expect(JSON.parse(readFileSync(buildRecordPath(plan), "utf8")).steps.split.image).toBe(rec.steps.split!.image);

    engine.builds = [];
    const again = await buildImages(plan, { engine, base: BASE, push: "127.0.0.1:1/team" });
    expect(engine.builds, "nothing rebuilt").toEqual([]);
    expect(Object.values(again.steps).every((s) => s.cached)).toBe(true);
    expect(again.steps.train_lr!.image).toMatch(/^127\.0\.0\.1:1\/team\/wine-classification-train_lr@sha256:c{63}\d$/);
    expect(engine.pushes).toHaveLength(5);
  });

  it("never hands credentials to the engine: no build arg, Containerfile or record holds them", async () => {
    // The dependency images are present (fetching wheels on the host is the e2e tests' job):
    // everything the engine is still given must be free of the password.
    const engine = new MemoryEngine();
    const plan = wine();
    const pip = { indexUrl: "http://u:hunter2@x@127.0.0.1:9/simple" };
    const bases = await resolveBases(plan, { engine, base: BASE });
    const rendered = renderPlan(plan, { base: BASE, bases, pip });
    expect(rendered.every((r) => r.deps.wheelhouse === "nbbuild-deps/wheelhouse")).toBe(true);
    for (const r of rendered) engine.images.set(r.deps.tag, { id: "sha256:deps", repoDigests: [], user: "1001", labels: {} });
    await buildImages(plan, { engine, base: BASE, pip });
    expect(engine.builds.filter((b) => b.tag.startsWith("nbbuild-deps:"))).toEqual([]);
    expect(engine.builds.length).toBeGreaterThan(0);
    for (const b of engine.builds) {
      expect(JSON.stringify(b)).not.toMatch(/hunter2|x@127/);
      expect(b.opts.buildArgs ?? {}).toEqual({});
    }
    expect(readFileSync(buildRecordPath(plan), "utf8")).not.toContain("hunter2");
  });

  it("fails once, naming every step of a failed dependency image, and builds no step", async () => {
    const engine = new MemoryEngine();
    engine.failOn = /^nbbuild-deps:/;
    const err = await buildImages(wine(), { engine, base: BASE }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NbbuildError);
    expect((err as NbbuildError).problems).toHaveLength(1);
    expect((err as NbbuildError).message).toMatch(/wine\.ipynb#cell 5 \(id a2fd862b\): installing the dependencies of step\(s\) load_data, split, train_lr, train_rf, compare failed: pip exploded/);
    expect(engine.builds.map((b) => b.tag.split(":")[0])).toEqual(["nbbuild-deps"]);
  });
});
