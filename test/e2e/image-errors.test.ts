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

  it("reports a registry that is down with the fix, naming the step; the built images are kept", async () => {
    const plan = await winePlan(copyExample("wine"));
    const engine = await makeBuilder("docker");
    // A loopback port nothing listens on: the registry is down.
    const down = await closedLoopbackPort();
    const err = await buildImages(plan, { engine, base: BASE, push: `127.0.0.1:${down}/nbbuild-down` }).catch((e: unknown) => e);
    await engine.close();
    expect(err).toBeInstanceOf(NbbuildError);
    const problems = (err as NbbuildError).problems;
    expect(problems.map((p) => p.message.match(/^pushing the image of step (\w+) to 127\.0\.0\.1:\d+\//)?.[1]).sort()).toEqual(plan.steps.map((s) => s.name).sort());
    for (const p of problems) {
      expect(p.location.file).toBe("wine.ipynb");
      expect(p.fix).toMatch(new RegExp(`the registry 127\\.0\\.0\\.1:${down} did not answer: start it`));
    }
    // No stray remote-named tag stays behind after the failed push.
    const { execFileSync } = await import("node:child_process");
    const tags = execFileSync("docker", ["image", "ls", "--format", "{{.Repository}}:{{.Tag}}"], { encoding: "utf8" });
    expect(tags).not.toContain(`127.0.0.1:${down}/nbbuild-down`);
  });
});

/** A 127.0.0.1 port that was free a moment ago (bound, then closed). */
async function closedLoopbackPort(): Promise<number> {
  const net = await import("node:net");
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
