/**
 * The oci engine end to end against a 127.0.0.1 distribution server: a small Python "base"
 * (layers as a Debian python3 would lay them out), the wine plan built and pushed twice from
 * fresh copies with empty stores (same digests), a no-op that costs no request, a one-cell edit
 * within the request budget, and the layer tars' order, owners and modes.
 */
import { createHash } from "node:crypto";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OciBuilder } from "../../../src/engines/oci/builder.js";
import { OCI_CONFIG, OCI_MANIFEST, jsonBytes } from "../../../src/engines/oci/image.js";
import { buildLayer } from "../../../src/engines/oci/layer.js";
import type { Manifest } from "../../../src/engines/oci/store.js";
import { NbbuildError } from "../../../src/errors.js";
import { buildImages } from "../../../src/images/build-images.js";
import type { Plan } from "../../../src/plan/types.js";
import { RegistryClient } from "../../../src/registry/client.js";
import { ATTACHMENT_TYPES, readAttachment } from "../../../src/registry/attachments.js";
import { handWinePlan } from "../render/wine-plan.js";
import { pushOneLayerImage } from "../../support/oci-image.js";
import { startTestRegistry, type TestRegistry } from "../../support/registry-server.js";
import { readTar } from "../../support/tar.js";
import { cleanTemps, tempDir } from "../../support/temp.js";

let reg: TestRegistry;
let base: string;
afterAll(async () => {
  await reg?.close();
  cleanTemps();
});

const file = (p: string, text: string) => ({ path: p, type: "file" as const, mode: 0o644, uid: 0, gid: 0, data: Buffer.from(text) });
const meta = (dir: string, name: string, version: string) => file(`usr/lib/python3/dist-packages/${dir}/METADATA`, `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\n\nbody`);

/** Pushes a one-layer base with python3.11, pandas, scikit-learn, matplotlib, numpy; returns it pinned. */
function pushBase(r: TestRegistry): Promise<string> {
  return pushOneLayerImage(r, "base/python", [
    file("usr/lib/python3.11/os.py", ""),
    { path: "usr/bin/python3", type: "symlink" as const, mode: 0o777, uid: 0, gid: 0, linkTarget: "python3.11" },
    file("usr/lib/python3/dist-packages/pandas/__init__.py", ""),
    meta("pandas-1.5.3.dist-info", "pandas", "1.5.3"),
    file("usr/lib/python3/dist-packages/sklearn/__init__.py", ""),
    meta("scikit_learn-1.2.1.dist-info", "scikit-learn", "1.2.1"),
    file("usr/lib/python3/dist-packages/matplotlib/__init__.py", ""),
    meta("matplotlib-3.6.3.dist-info", "matplotlib", "3.6.3"),
    file("usr/lib/python3/dist-packages/numpy/__init__.py", ""),
    meta("numpy-1.24.2.dist-info", "numpy", "1.24.2"),
  ], { Env: ["PATH=/usr/bin:/bin"], Cmd: ["python3"] });
}

function wine(): Plan {
  const dir = tempDir("nbbuild-oci-");
  cpSync(path.resolve(import.meta.dirname, "../../../examples/wine"), dir, { recursive: true, filter: (src) => !src.endsWith("/.nbbuild") });
  return handWinePlan(dir);
}

const ENV = { SOURCE_DATE_EPOCH: "1700000000" };
const sha = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/** name → [mode, uid, gid, mtime seconds] of a gzipped layer. */
async function entries(blob: Buffer): Promise<[string, string, number, number, number][]> {
  return (await readTar(blob, { gzipped: true })).map((e) => [e.name, e.mode.toString(8), e.uid, e.gid, e.mtime]);
}

describe("oci engine", () => {
  beforeAll(async () => {
    reg = await startTestRegistry();
    base = await pushBase(reg);
  });

  it("builds and pushes the same digests from two fresh copies with empty stores", async () => {
    const one = new OciBuilder({ storeDir: tempDir("nbbuild-store-") });
    const two = new OciBuilder({ storeDir: tempDir("nbbuild-store-") });
    const a = await buildImages(wine(), { engine: one, base, push: `${reg.host}/team`, env: ENV });
    const b = await buildImages(wine(), { engine: two, base, push: `${reg.host}/team`, env: ENV });
    expect(a.engine).toBe("oci");
    for (const step of ["load_data", "split", "train_lr", "train_rf", "compare"]) {
      expect(a.steps[step]!.digest, step).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(b.steps[step]!.digest, step).toBe(a.steps[step]!.digest);
      expect(a.steps[step]!.image).toBe(`${reg.host}/team/wine-classification-${step}@${a.steps[step]!.digest}`);
    }
  });

  it("writes sorted, 1001:0, group-writable layers with the input time, and a config from inputs only", async () => {
    const builder = new OciBuilder({ storeDir: tempDir("nbbuild-store-") });
    const rec = await buildImages(wine(), { engine: builder, base, env: ENV });
    const img = builder.image(rec.steps.split!.tag)!;
    expect(img.manifest.layers).toHaveLength(4); // base, app-root layout, folder, step
    const step = await entries(builder.store.readBlob(img.manifest.layers[3]!.digest));
    const names = step.map((e) => e[0]);
    expect(names).toEqual([...names].sort());
    expect(names[0]).toBe("opt/app-root/nbbuild/");
    expect(names).toContain("opt/app-root/nbbuild/step.py");
    for (const [name, mode, uid, gid, mtime] of step) {
      expect([uid, gid, mtime], name).toEqual([1001, 0, 1700000000]);
      expect(["775", "664"], name).toContain(mode);
    }
    const folder = await entries(builder.store.readBlob(img.manifest.layers[2]!.digest));
    expect(folder.map((e) => e[0])).toEqual(["opt/app-root/src/", "opt/app-root/src/data/", "opt/app-root/src/data/class_names.csv", "opt/app-root/src/requirements.txt"]);
    const c = img.config;
    expect(c.created).toBe("2023-11-14T22:13:20Z");
    expect(c.config?.User).toBe("1001");
    expect(c.config?.WorkingDir).toBe("/opt/app-root/src");
    expect(c.config?.Env).toContain("PATH=/opt/app-root/deps/bin:/usr/bin:/bin");
    expect(c.config?.Env).toContain("HOME=/opt/app-root/src");
    expect(c.config?.Cmd).toEqual(["python3"]);
    expect(c.config?.Labels?.["io.nbbuild.step"]).toBe("split");
    expect(c.rootfs.diff_ids).toHaveLength(4);
    expect(c.history?.every((h) => h.created === undefined || h.created === "2023-11-14T22:13:20Z")).toBe(true);
  });

  it("a no-op build makes no registry request; a one-cell edit ≤ 8 for the image, ≤ 16 with SBOM and provenance", async () => {
    const builder = new OciBuilder({ storeDir: tempDir("nbbuild-store-") });
    const plan = wine();
    const push = `${reg.host}/edit`;
    await buildImages(plan, { engine: builder, base, push, env: ENV });
    const t0 = builder.traffic().requests;
    const noop = await buildImages(plan, { engine: builder, base, push, env: ENV });
    expect(builder.traffic().requests - t0).toBe(0);
    expect(Object.values(noop.steps).every((s) => s.cached)).toBe(true);

    const train = plan.steps.find((s) => s.name === "train_lr")!;
    train.code = train.code.map((b) => (b.role === "step" ? { ...b, source: `${b.source}\n# tuned` } : b));
    const before = builder.traffic();
    const logStart = reg.log.length;
    const edited = await buildImages(plan, { engine: builder, base, push, env: ENV });
    const after = builder.traffic();
    // The image (blobs + manifest by tag) in ≤ 8 requests, with its SBOM and provenance in ≤ 16.
    const log = reg.log.slice(logStart);
    const imagePut = log.findIndex((l) => new RegExp(`^PUT /v2/edit/wine-classification-train_lr/manifests/[0-9a-f]{24}$`).test(l));
    expect(imagePut, log.join("\n")).toBeGreaterThanOrEqual(0);
    expect(imagePut + 1).toBeLessThanOrEqual(8);
    expect(after.requests - before.requests, log.join("\n")).toBeLessThanOrEqual(16);
    expect(log.at(-1)).toBe(`PUT /v2/edit/wine-classification-train_lr/manifests/sha256-${edited.steps.train_lr!.digest!.slice(7)}`);
    expect(edited.steps.train_lr!.cached).toBe(false);
    expect(edited.steps.train_lr!.digest).not.toBe(noop.steps.train_lr!.digest);
    expect(Object.entries(edited.steps).filter(([, s]) => !s.cached).map(([n]) => n)).toEqual(["train_lr"]);
    // Bytes pushed: the new step layer, its config and its manifest — nothing of the layers below.
    const img = builder.image(edited.steps.train_lr!.tag)!;
    const stepLayer = img.manifest.layers.at(-1)!;
    const attachments = (await builder.client(reg.host).referrers("edit/wine-classification-train_lr", edited.steps.train_lr!.digest!));
    expect(attachments.map((a) => a.artifactType).sort()).toEqual(["application/spdx+json", "application/vnd.in-toto+json"]);
    expect(after.bytesPushed - before.bytesPushed).toBeLessThanOrEqual(2 * stepLayer.size + img.manifest.config.size + 30_000);
    const pushed = JSON.parse(readFileSync(builder.store.blobPath(edited.steps.train_lr!.digest!), "utf8")) as Manifest;
    expect(pushed.layers.at(-1)!.digest).toBe(stepLayer.digest);
  });

  it("attaches an SPDX SBOM (base distributions, step files) and SLSA provenance that `nbbuild sbom` reads", async () => {
    const builder = new OciBuilder({ storeDir: tempDir("nbbuild-store-") });
    const rec = await buildImages(wine(), { engine: builder, base, push: `${reg.host}/sbom`, env: ENV });
    const ref = rec.steps.compare!.image;
    const sbom = JSON.parse((await readAttachment(ref, ATTACHMENT_TYPES.sbom)).toString("utf8")) as {
      spdxVersion: string; packages: { name: string; versionInfo: string }[]; files: { fileName: string; checksums: { checksumValue: string }[] }[];
    };
    expect(sbom.spdxVersion).toBe("SPDX-2.3");
    expect(sbom.packages.map((p) => `${p.name}==${p.versionInfo}`)).toEqual(expect.arrayContaining(["pandas==1.5.3", "scikit-learn==1.2.1"]));
    const stepPy = sbom.files.find((f) => f.fileName === "/opt/app-root/nbbuild/step.py")!;
    const img = builder.image(rec.steps.compare!.tag)!;
    const stepLayerFiles = await entries(builder.store.readBlob(img.manifest.layers.at(-1)!.digest));
    expect(stepLayerFiles.map((e) => e[0])).toContain("opt/app-root/nbbuild/step.py");
    expect(stepPy.checksums[0]!.checksumValue).toMatch(/^[0-9a-f]{64}$/);
    expect(sbom.files.map((f) => f.fileName)).toContain("/opt/app-root/src/data/class_names.csv");
    const prov = JSON.parse((await readAttachment(ref, ATTACHMENT_TYPES.provenance)).toString("utf8")) as {
      subject: { digest: { sha256: string } }[]; predicate: { buildDefinition: { internalParameters: { planHash: string }; resolvedDependencies: { digest: { sha256: string } }[] } };
    };
    expect(prov.subject[0]!.digest.sha256).toBe(rec.steps.compare!.digest!.slice(7));
    expect(prov.predicate.buildDefinition.internalParameters.planHash).toMatch(/^sha256:/);
    expect(prov.predicate.buildDefinition.resolvedDependencies.map((d) => d.digest.sha256)).toContain(base.split("@sha256:")[1]);
    // Nothing of the build environment: the same documents from a second, fresh store.
    const again = await buildImages(wine(), { engine: new OciBuilder({ storeDir: tempDir("nbbuild-store-") }), base, push: `${reg.host}/sbom`, env: ENV });
    expect(again.steps.compare!.digest).toBe(rec.steps.compare!.digest);
    expect((await readAttachment(ref, ATTACHMENT_TYPES.sbom)).toString("utf8")).toBe(JSON.stringify(sbom));
    expect((await readAttachment(ref, ATTACHMENT_TYPES.provenance)).toString("utf8")).toBe(JSON.stringify(prov));
    const index = await builder.client(reg.host).referrers("sbom/wine-classification-compare", rec.steps.compare!.digest!);
    expect(index.map((d) => d.artifactType).sort()).toEqual(["application/spdx+json", "application/vnd.in-toto+json"]);
  });

  it("writes a docker-archive tarball docker load reads: manifest.json, config and layers by digest", async () => {
    const builder = new OciBuilder({ storeDir: tempDir("nbbuild-store-") });
    const file = path.join(tempDir("nbbuild-archive-"), "{}.tar");
    const output = await builder.outputPublisher(`docker-archive:${file}`);
    const rec = await buildImages(wine(), { engine: builder, base, env: ENV, output });
    const tag = rec.steps.split!.tag;
    const tarFile = file.replace("{}", tag.replace(/[^\w.-]+/g, "_"));
    const names = new Map((await readTar(readFileSync(tarFile))).map((e) => [e.name, e.data]));
    const manifest = JSON.parse(names.get("manifest.json")!.toString()) as { Config: string; RepoTags: string[]; Layers: string[] }[];
    const img = builder.image(tag)!;
    expect(manifest).toEqual([{
      Config: `blobs/sha256/${img.manifest.config.digest.slice(7)}`,
      RepoTags: [tag],
      Layers: img.manifest.layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`),
    }]);
    for (const l of manifest[0]!.Layers) expect(sha(names.get(l)!)).toBe(`sha256:${l.split("/").at(-1)}`);
  });

  it("a requirement without a wheel and no engine to fall back to: an error naming it, where it was asked for, and the fix", async () => {
    const builder = new OciBuilder({ storeDir: tempDir("nbbuild-store-") });
    const plan = wine();
    const reqs = writeReqs("pandas\nxgboost==2.0.0\n");
    const noIndex = { noIndex: true, findLinks: [tempDir("nbbuild-no-wheels-")] };
    const err = await buildImages(plan, { engine: builder, base, env: ENV, requirementsFile: reqs, pip: noIndex, installEngine: async () => undefined }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NbbuildError);
    const p = (err as NbbuildError).problems[0]!;
    expect(p.message).toContain("No matching distribution found for xgboost==2.0.0");
    expect(p.message).toContain(`xgboost was asked for by ${reqs}`);
    expect(p.message).toContain("no wheel of xgboost (or of a dependency) for CPython 3.11");
    expect(p.message).toContain("no container engine answers here to install xgboost from source");
    expect(p.fix).toMatch(/^start dockerd or install buildah or podman .*use a base image that already has xgboost/);
  });
});

function writeReqs(text: string): string {
  const f = path.join(tempDir("nbbuild-req-"), "requirements.txt");
  writeFileSync(f, text);
  return f;
}
