/**
 * The builder image carries dist/: in a checkout, a source file newer than the compiled CLI means
 * the builder would render steps with other code than the host (other content hashes).
 */
import { mkdirSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { staleDist } from "../../../src/s2i/builder-image.js";
import { cleanTemps, tempDir } from "../../support/temp.js";

afterEach(cleanTemps);

function checkout(): string {
  const root = tempDir("nbbuild-checkout-");
  mkdirSync(path.join(root, "src", "render"), { recursive: true });
  mkdirSync(path.join(root, "dist", "cli"), { recursive: true });
  writeFileSync(path.join(root, "src", "render", "render-step.ts"), "export {};\n");
  writeFileSync(path.join(root, "dist", "cli", "main.js"), "export {};\n");
  return root;
}

describe("staleDist", () => {
  it("names a source file edited after the last build, and nothing once dist is newer", () => {
    const root = checkout();
    utimesSync(path.join(root, "dist", "cli", "main.js"), 1_000, 1_000);
    utimesSync(path.join(root, "src", "render", "render-step.ts"), 2_000, 2_000);
    expect(staleDist(root)).toBe("render/render-step.ts");
    utimesSync(path.join(root, "dist", "cli", "main.js"), 3_000, 3_000);
    expect(staleDist(root)).toBeUndefined();
  });

  it("an installed package (no src/) is never stale", () => {
    const root = checkout();
    const installed = path.join(root, "pkg");
    mkdirSync(path.join(installed, "dist", "cli"), { recursive: true });
    writeFileSync(path.join(installed, "dist", "cli", "main.js"), "export {};\n");
    expect(staleDist(installed)).toBeUndefined();
  });
});
