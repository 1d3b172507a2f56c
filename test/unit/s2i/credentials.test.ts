import { describe, expect, it } from "vitest";
import { buildImagesS2I } from "../../../src/s2i/build-s2i.js";
import type { S2IEngine } from "../../../src/engines/s2i.js";
import { NbbuildError } from "../../../src/errors.js";
import { neutralPlan, neutralStep } from "../../support/plan-builders.js";

describe("--engine s2i and a private index", () => {
  it("refuses an index URL with credentials before anything reaches the engine, naming the engines that can", async () => {
    const calls: string[] = [];
    // Every property access on the engine is recorded: none may happen.
    const engine = new Proxy({}, { get: (_t, prop) => { calls.push(String(prop)); return () => { throw new Error("engine used"); }; } }) as S2IEngine;
    const err = await buildImagesS2I(neutralPlan([neutralStep("train")], "/nowhere"), {
      engine,
      builder: "nbbuild-builder:test",
      pip: { indexUrl: "http://user:S3C@RETpw@127.0.0.1:9/simple" },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NbbuildError);
    const p = (err as NbbuildError).problems[0]!;
    expect(p.message).toContain("cannot be used with --engine s2i");
    expect(p.fix).toMatch(/--engine docker, buildah, podman or oci/);
    expect(String(err)).not.toContain("RETpw");
    expect(calls.filter((c) => c !== "then")).toEqual([]);
  });
});
