/**
 * The rooms of src/ depend on each other in one direction: no run-time import cycle between
 * folders, nor between files (type-only imports are not checked here).
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { findCycle } from "../../../src/plan/dag.js";

const SRC = path.resolve(import.meta.dirname, "../../../src");

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** Relative imports and re-exports of every source file: [from, to, type-only]. */
const edges: [string, string, boolean][] = sources(SRC).flatMap((file) =>
  [...fs.readFileSync(file, "utf8").matchAll(/^(import|export)(\s+type)?\s[^;]*?from\s+"(\.[^"]+)"/gms)].map(
    (m): [string, string, boolean] => [path.relative(SRC, file), path.relative(SRC, path.resolve(path.dirname(file), m[3]!.replace(/\.js$/, ".ts"))), !!m[2]],
  ),
);

/** A cycle of the graph whose nodes are `key` of each file, or undefined. */
function cycleOf(key: (file: string) => string): string[] | undefined {
  const after = new Map<string, string[]>();
  for (const [from, to, typeOnly] of edges) {
    if (typeOnly || key(from) === key(to)) continue;
    after.set(key(from), [...(after.get(key(from)) ?? []), key(to)]);
  }
  return findCycle([...after.keys()].sort(), after);
}

describe("import structure of src/", () => {
  test("the scan sees the imports", () => {
    // cli/ now imports its stages lazily (import("…")), which this scan does not read: probe a static edge.
    expect(edges).toContainEqual(["s2i/assemble.ts", "readers.ts", false]);
  });
  test("no cycle between folders", () => {
    expect(cycleOf((f) => (f.includes("/") ? f.split("/")[0]! : f))).toBeUndefined();
  });
  test("no run-time cycle between files", () => {
    expect(cycleOf((f) => f)).toBeUndefined();
  });
});
