import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { listFolder } from "../../../src/render/folder.js";
import { cleanTemps, tempDir } from "../../support/temp.js";

afterAll(cleanTemps);

function tree(files: Record<string, string>): string {
  const dir = tempDir("nbbuild-folder-");
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), content);
  }
  return dir;
}

describe("listFolder", () => {
  it("takes git-tracked and untracked-not-ignored files in a checkout", () => {
    const dir = tree({ ".gitignore": "*.log\nout/\n", "nb.ipynb": "{}", "a.py": "", "x.log": "", "out/big": "", "data/d.csv": "1", ".nbbuild/r.json": "{}" });
    execFileSync("git", ["init", "-q", dir]);
    execFileSync("git", ["-C", dir, "add", "a.py"]);
    const names = listFolder(dir, { exclude: ["nb.ipynb"] }).map((f) => f.path);
    expect(names).toEqual([".gitignore", "a.py", "data/d.csv"]);
  });

  it("takes every file outside git, minus notebook, checkpoints and .nbbuild; g=u modes", () => {
    const dir = tree({ "nb.ipynb": "{}", "run.sh": "#!/bin/sh", "data/d.csv": "1", ".ipynb_checkpoints/nb.ipynb": "{}", ".nbbuild/x": "", "__pycache__/m.pyc": "" });
    chmodSync(path.join(dir, "run.sh"), 0o700);
    const files = listFolder(dir, { exclude: ["nb.ipynb"] });
    expect(files.map((f) => [f.path, f.mode.toString(8)])).toEqual([["data/d.csv", "664"], ["run.sh", "775"]]);
  });

  it("honours an explicit include list", () => {
    const dir = tree({ "a.txt": "a", "b.txt": "b" });
    expect(listFolder(dir, { include: ["b.txt", "missing.txt"] }).map((f) => f.path)).toEqual(["b.txt"]);
  });
});
