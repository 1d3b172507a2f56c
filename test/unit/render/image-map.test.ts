import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { NbbuildError } from "../../../src/errors.js";
import { collectImageMap, imageMapFromEnv, mapImage, normalizeReference, parseImageMapFile, parseImageMapRule } from "../../../src/render/image-map.js";
import { writeStepContext } from "../../../src/images/step-context.js";
import { chooseBase } from "../../../src/render/render-step.js";
import { neutralPlan, neutralStep } from "../../support/plan-builders.js";
import { cleanTemps, tempDir } from "../../support/temp.js";

afterAll(cleanTemps);

const rules = (...texts: string[]) => texts.map((t) => parseImageMapRule(t, "--image-map"));
const DIGEST = "sha256:" + "b".repeat(64);

describe("image map", () => {
  it("normalises references as docker does", () => {
    expect(normalizeReference("python:3.11")).toBe("docker.io/library/python:3.11");
    expect(normalizeReference("python")).toBe("docker.io/library/python:latest");
    expect(normalizeReference("docker.io/amancevice/pandas:1.1.1")).toBe("docker.io/amancevice/pandas:1.1.1");
    expect(normalizeReference("index.docker.io/library/python:3.11")).toBe("docker.io/library/python:3.11");
    expect(normalizeReference("127.0.0.1:5000/x/py:1")).toBe("127.0.0.1:5000/x/py:1");
    expect(normalizeReference("localhost/py")).toBe("localhost/py:latest");
    expect(normalizeReference(`quay.io/a/b@${DIGEST}`)).toBe(`quay.io/a/b@${DIGEST}`);
  });

  it("maps an exact reference in any spelling, and only that tag", () => {
    const m = rules("python:3.11=registry.local/py:3.11");
    expect(mapImage(m, "python:3.11")).toBe("registry.local/py:3.11");
    expect(mapImage(m, "docker.io/library/python:3.11")).toBe("registry.local/py:3.11");
    expect(mapImage(m, "library/python:3.11")).toBe("registry.local/py:3.11");
    expect(mapImage(m, "python:3.12")).toBe("python:3.12");
    expect(mapImage(m, "other/python:3.11")).toBe("other/python:3.11");
  });

  it("maps every tag and digest of a repository and below with a prefix rule, keeping the tag", () => {
    const m = rules("docker.io/library/python=registry.local/python", "docker.io/tensorflow=registry.local/mirror/tf");
    expect(mapImage(m, "python:3.11-slim")).toBe("registry.local/python:3.11-slim");
    expect(mapImage(m, "python")).toBe("registry.local/python");
    expect(mapImage(m, `python@${DIGEST}`)).toBe(`registry.local/python@${DIGEST}`);
    expect(mapImage(m, "tensorflow/tensorflow:2.8.0")).toBe("registry.local/mirror/tf/tensorflow:2.8.0");
    // a prefix ends at a path separator
    expect(mapImage(m, "docker.io/library/python3:1")).toBe("docker.io/library/python3:1");
    // a TO with its own tag replaces the tag
    expect(mapImage(rules("python=registry.local/py:pinned"), "python:3.9")).toBe("registry.local/py:pinned");
  });

  it("prefers exact rules, then the longest prefix, then the first rule given", () => {
    const m = rules("docker.io=mirror.local/all", "python=mirror.local/py", "python:3.11=mirror.local/exact:1", "python=mirror.local/second");
    expect(mapImage(m, "python:3.11")).toBe("mirror.local/exact:1");
    expect(mapImage(m, "python:3.10")).toBe("mirror.local/py:3.10");
    expect(mapImage(m, "amancevice/pandas:1.1.1")).toBe("mirror.local/all/amancevice/pandas:1.1.1");
    expect(mapImage(m, "quay.io/a/b:1")).toBe("quay.io/a/b:1");
  });

  it("reads a file of lines with comments, and $NBBUILD_IMAGE_MAP split by commas and newlines", () => {
    const dir = tempDir("nbbuild-imagemap-");
    const file = path.join(dir, "map.txt");
    writeFileSync(file, "# mirrors\n\ntensorflow/tensorflow:2.8.0 = r.local/tf:2.8   # pinned\npython=r.local/python\n");
    expect(parseImageMapFile(file).map((r) => [r.from, r.to, r.origin])).toEqual([
      ["tensorflow/tensorflow:2.8.0", "r.local/tf:2.8", `${file}:3`],
      ["python", "r.local/python", `${file}:4`],
    ]);
    expect(imageMapFromEnv({ NBBUILD_IMAGE_MAP: "a:1=r.local/a:1, b=r.local/b\nc:2=r.local/c:2" }).map((r) => r.to)).toEqual(["r.local/a:1", "r.local/b", "r.local/c:2"]);
    // flags first, then the file, then the environment
    const all = collectImageMap({ imageMap: ["python=flag.local/py"], imageMapFile: [file] }, { NBBUILD_IMAGE_MAP: "python=env.local/py" });
    expect(mapImage(all, "python:3.11")).toBe("flag.local/py:3.11");
  });

  it("refuses malformed entries naming where they were written", () => {
    expect(() => parseImageMapRule("python:3.11", "--image-map")).toThrow(NbbuildError);
    expect(() => parseImageMapRule("python:3.11=", "--image-map")).toThrow(/not FROM=TO/);
    expect(() => imageMapFromEnv({ NBBUILD_IMAGE_MAP: "ok=r.local/ok,bad ref=x" })).toThrow(/NBBUILD_IMAGE_MAP: image map entry "bad ref=x"/);
    const dir = tempDir("nbbuild-imagemap-");
    writeFileSync(path.join(dir, "m"), "a=r.local/a\nnot a rule\n");
    expect(() => parseImageMapFile(path.join(dir, "m"))).toThrow(/m:2: image map entry "not a rule"/);
    expect(() => parseImageMapFile(path.join(dir, "missing"))).toThrow(/cannot be read/);
  });

  it("applies wherever the base is chosen: step image, --base, metadata, NBBUILD_BASE, default", () => {
    const m = rules("docker.io=mirror.local/hub", "python=mirror.local/python");
    const plan = neutralPlan([neutralStep("a")], "/tmp");
    const s = plan.steps[0]!;
    const pick = (p = plan, step = s, o = {}) => chooseBase(p, step, { imageMap: m, env: {}, ...o });
    expect(pick()).toEqual({ ref: "mirror.local/python:3.11-slim", written: "python:3.11-slim", origin: "the default base" });
    expect(pick(plan, s, { env: { NBBUILD_BASE: "org/base:1" } }).ref).toBe("mirror.local/hub/org/base:1");
    expect(pick({ ...plan, baseImage: "org/meta:1" }).ref).toBe("mirror.local/hub/org/meta:1");
    expect(pick(plan, s, { base: "python:3.9" }).ref).toBe("mirror.local/python:3.9");
    expect(pick(plan, { ...s, image: "tensorflow/tensorflow:2.8.0" })).toMatchObject({ ref: "mirror.local/hub/tensorflow/tensorflow:2.8.0", origin: "the step's image: tag" });
    // without rules in the options, $NBBUILD_IMAGE_MAP of the environment applies
    expect(chooseBase(plan, s, { env: { NBBUILD_IMAGE_MAP: "python:3.11-slim=r.local/py:1" } }).ref).toBe("r.local/py:1");
  });

  it("nbbuild context writes the mapped base into the dependency Containerfile", async () => {
    const dir = tempDir("nbbuild-imagemap-ctx-");
    const plan = neutralPlan([neutralStep("a", { image: "tensorflow/tensorflow:2.8.0" })], dir);
    const out = path.join(dir, "ctx");
    await writeStepContext(plan, "a", out, { imageMap: rules("tensorflow/tensorflow:2.8.0=registry.local/tf:2.8"), env: {} });
    expect(readFileSync(path.join(out, "deps", "Containerfile"), "utf8")).toMatch(/^FROM registry\.local\/tf:2\.8 AS install$/m);
  });
});
