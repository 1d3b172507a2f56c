import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { fnmatch, matchDependencies, readRequirements } from "../../../src/elyra/files.js";
import { pipelineName, stepNameFromLabel, uniqueNames } from "../../../src/elyra/names.js";
import { ancestorsOf, closedCycle, topoSort } from "../../../src/plan/dag.js";
import { cleanTemps, tempDir } from "../../support/temp.js";

afterAll(cleanTemps);

describe("fnmatch follows Python's rules", () => {
  test.each([
    ["a.csv", "*.csv", true],
    ["data/a.csv", "*.csv", true], // * crosses "/"
    ["data/a.csv", "data/*", true],
    ["data/sub/a.csv", "data/*", true],
    ["a.csv", "?.csv", true],
    ["ab.csv", "?.csv", false],
    ["a1.txt", "a[0-9].txt", true],
    ["ab.txt", "a[!0-9].txt", true],
    ["a1.txt", "a[!0-9].txt", false],
    ["a[.txt", "a[.txt", true], // unclosed [ is literal
    ["a.csv", "A.csv", false], // case-sensitive
    ["x+y(1).py", "x+y(1).py", true], // regex characters are literal
  ])("%s ~ %s → %s", (name, pattern, expected) => {
    expect(fnmatch(name, pattern)).toBe(expected);
  });
});

describe("dependency selection mirrors Elyra's archive", () => {
  let dir = "";
  beforeAll(() => {
    dir = tempDir("elyra-deps-");
    for (const f of ["node.py", "a.json", "notes.txt", ".env", "data/x.csv", "data/deep/y.csv", "cfg/c.json", ".git/config.json", "cfg/.cache/z.json"]) {
      fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      fs.writeFileSync(path.join(dir, f), f);
    }
  });
  const match = (patterns: string[], recursive = false) => matchDependencies(dir, patterns, recursive);

  test("plain names and flat wildcards stay in the node's folder without include_subdirectories", () => {
    expect(match(["node.py", "*.json"])).toEqual({ files: ["a.json", "node.py"], unmatched: [] });
  });
  test("flat wildcards match by base name in every sub-folder with include_subdirectories, hidden folders skipped", () => {
    expect(match(["node.py", "*.json"], true)).toEqual({ files: ["a.json", "cfg/c.json", "node.py"], unmatched: [] });
  });
  test("a folder pattern enters that folder (and, as in Elyra, * also crosses into its sub-folders)", () => {
    expect(match(["node.py", "data/*"])).toEqual({ files: ["data/deep/y.csv", "data/x.csv", "node.py"], unmatched: [] });
  });
  test("'*' takes every file of the node's folder, hidden files included, sub-folders only when recursive", () => {
    expect(match(["*"]).files).toEqual([".env", "a.json", "node.py", "notes.txt"]);
    expect(match(["*"], true).files).toEqual([".env", "a.json", "cfg/c.json", "data/deep/y.csv", "data/x.csv", "node.py", "notes.txt"]);
  });
  test("patterns that match nothing are returned", () => {
    expect(match(["node.py", "missing.txt", "data/*.parquet", "x.json"])).toEqual({
      files: ["node.py"],
      unmatched: ["missing.txt", "data/*.parquet", "x.json"],
    });
  });
  test("requirements.txt: comments, blanks and pip options are left out", () => {
    fs.writeFileSync(path.join(dir, "requirements.txt"), "# c\npandas==1.5.3  # pinned\n\n-r other.txt\nnumpy\npandas==1.5.3\n");
    expect(readRequirements(path.join(dir, "requirements.txt"))).toEqual({ requirements: ["pandas==1.5.3", "numpy"], skipped: ["-r other.txt"] });
    expect(readRequirements(path.join(dir, "none.txt"))).toEqual({ requirements: [], skipped: [] });
  });
  test("a requirements.txt that links out of the node's folder is refused, never read", () => {
    const outside = tempDir("elyra-outside-");
    fs.writeFileSync(path.join(outside, "shadow"), "SECRET-LINE\n");
    const node = tempDir("elyra-req-");
    fs.symlinkSync(path.join(outside, "shadow"), path.join(node, "requirements.txt"));
    expect(() => readRequirements(path.join(node, "requirements.txt"))).toThrow(/outside the node's folder/);
  });
  test("never walks through a linked folder (it may leave the node's folder); the link itself is listed", () => {
    const outside = tempDir("elyra-outside-");
    fs.writeFileSync(path.join(outside, "o.csv"), "x");
    const node = tempDir("elyra-links-");
    fs.writeFileSync(path.join(node, "n.py"), "");
    fs.symlinkSync(outside, path.join(node, "out"));
    expect(matchDependencies(node, ["*"], true).files).toEqual(["n.py", "out"]);
    expect(matchDependencies(node, ["*.csv"], true).files).toEqual([]);
  });
});

describe("graph (the one DAG module, plan/dag.ts) and names", () => {
  test("topological order breaks ties by source position", () => {
    const parents = new Map([["d", ["b", "c"]], ["c", ["a"]], ["b", ["a"]], ["a", []]]);
    expect(topoSort(["d", "c", "b", "a"], parents)).toEqual(["a", "c", "b", "d"]);
  });
  test("a cycle comes back as a closed path starting at its first vertex in the source", () => {
    const parents = new Map([["x", []], ["p", ["r", "x"]], ["q", ["p"]], ["r", ["q"]]]);
    expect(closedCycle(["x", "p", "q", "r"], parents)).toEqual(["p", "q", "r", "p"]);
  });
  test("ancestors are transitive", () => {
    const parents = new Map([["d", ["c"]], ["c", ["a", "b"]], ["b", ["a"]], ["a", []]]);
    expect([...ancestorsOf(["d", "c", "b", "a"], parents).get("d")!].sort()).toEqual(["a", "b", "c"]);
  });
  test("step names from labels, unique in order; pipeline names DNS-1123-ish", () => {
    expect(["Load Data.ipynb", "load-data", "train.py", "2nd pass", "!!!", "Load data"].map(stepNameFromLabel)).toEqual([
      "load_data", "load_data", "train", "node_2nd_pass", "node", "load_data",
    ]);
    expect(uniqueNames(["a", "a", "b", "a", "a_1"])).toEqual(["a", "a_1", "b", "a_2", "a_1_1"]);
    expect(pipelineName("Four Node Fixture!")).toBe("four-node-fixture");
    expect(pipelineName("x".repeat(70))).toHaveLength(63);
  });
});
