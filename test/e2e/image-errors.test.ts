/** Failures of `buildImages` with the real docker daemon: they arrive as one NbbuildError with a fix. */
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildImages } from "../../src/images/build-images.js";
import { makeBuilder } from "../../src/engines/factory.js";
import { NbbuildError } from "../../src/errors.js";
import { BASE, REGISTRY, copyExample, winePlan } from "./image-helpers.js";
import { cleanTemps, tempDir } from "../support/temp.js";

afterAll(cleanTemps);

describe("nbbuild image failures (docker)", () => {
  it("reports a base image that cannot be pulled, with the fix", async () => {
    const plan = await winePlan(copyExample("wine"));
    const engine = await makeBuilder("docker");
    const err = await buildImages(plan, { engine, base: `${REGISTRY}/nbbuild/no-such-base:1` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NbbuildError);
    const p = (err as NbbuildError).problems[0]!;
    expect(p.message).toContain("cannot pull base image");
    // The fix offers both ways out: another base, or a mirror for the image that was asked for.
    expect(p.fix).toMatch(/--base.*NBBUILD_BASE.*--image-map \S*no-such-base:1=REGISTRY\/IMAGE/);
  });

  it("reports a requirement pip cannot install at the step's cell, once for the shared dependency image", async () => {
    const plan = await winePlan(copyExample("wine"));
    plan.steps[1]!.requirements = ["nbbuild-package-that-does-not-exist==9.9.9"];
    const engine = await makeBuilder("docker");
    const empty = tempDir("nbbuild-empty-links-");
    const err = await buildImages(plan, { engine, base: BASE, pip: { findLinks: [empty], noIndex: true } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NbbuildError);
    const problems = (err as NbbuildError).problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toMatch(/installing the dependencies of step\(s\) load_data, split, train_lr, train_rf, compare failed/);
    expect(problems[0]!.message).toContain("nbbuild-package-that-does-not-exist");
    expect(problems[0]!.location.file).toBe("wine.ipynb");
  });
});
