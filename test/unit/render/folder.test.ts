import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { describeSkipped, imageMode, listFolder } from "../../../src/render/folder.js";
import { noteOwnOutput, writeOwnOutput } from "../../../src/io/own-outputs.js";
import { cleanTemps, tempDir } from "../../support/temp.js";

afterAll(cleanTemps);

function tree(files: Record<string, string>, dir = tempDir("nbbuild-folder-")): string {
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), content);
  }
  return dir;
}
const names = (dir: string, opts: Parameters<typeof listFolder>[1] = {}) => listFolder(dir, opts).files.map((f) => f.path);

describe("listFolder: ignore files", () => {
  it("honours .gitignore in a plain folder and with an empty .git, the same way", () => {
    const files = { ".gitignore": "*.log\nout/\n!keep.log\n", "nb.ipynb": "{}", "a.py": "", "x.log": "", "keep.log": "", "out/big": "", "data/d.csv": "1", "data/y.log": "" };
    const plain = tree(files);
    const emptyGit = tree(files);
    mkdirSync(path.join(emptyGit, ".git"));
    const want = [".gitignore", "a.py", "data/d.csv", "keep.log"];
    expect(names(plain, { exclude: ["nb.ipynb"] })).toEqual(want);
    expect(names(emptyGit, { exclude: ["nb.ipynb"] })).toEqual(want);
  });

  it("applies nested .gitignore files inside their folder and the checkout's .gitignore above the folder", () => {
    const repo = tree({ ".gitignore": "/notebooks/scratch/\n*.tmp\n", "notebooks/a.py": "", "notebooks/x.tmp": "", "notebooks/scratch/s.py": "", "notebooks/sub/.gitignore": "/local.txt\n", "notebooks/sub/local.txt": "", "notebooks/local.txt": "" });
    mkdirSync(path.join(repo, ".git"));
    expect(names(path.join(repo, "notebooks"))).toEqual(["a.py", "local.txt", "sub/.gitignore"]);
  });

  it("honours .dockerignore (anchored) and lets .nbbuildignore have the last word", () => {
    const dir = tree({ ".dockerignore": "*.bin\n", ".gitignore": "*.csv\n", ".nbbuildignore": "!wanted.csv\nnotes.md\n", "a.bin": "", "sub/b.bin": "", "x.csv": "", "wanted.csv": "", "notes.md": "" });
    expect(names(dir)).toEqual([".dockerignore", ".gitignore", ".nbbuildignore", "sub/b.bin", "wanted.csv"]);
  });

  it("leaves checkpoints, __pycache__ and nbbuild's .nbbuild/ out; .nbbuild even when .nbbuildignore asks for it", () => {
    const dir = tree({ "nb.ipynb": "{}", "run.sh": "#!/bin/sh", ".ipynb_checkpoints/nb.ipynb": "{}", ".nbbuild/x": "", "__pycache__/m.pyc": "", ".nbbuildignore": "!.nbbuild/\n" });
    expect(names(dir, { exclude: ["nb.ipynb"] })).toEqual([".nbbuildignore", "run.sh"]);
  });
});

describe("listFolder: secret-looking files", () => {
  const secrets = {
    ".env": "TOKEN=x",
    ".env.prod": "TOKEN=y",
    id_rsa: "KEY",
    "id_ed25519.pub": "PUB",
    "certs/server.pem": "PEM",
    "tls.key": "KEY",
    ".netrc": "machine x password y",
    ".ssh/config": "Host x",
    ".aws/credentials": "[default]",
    ".git/config": "[remote]",
    "ok.py": "print(1)",
  };

  it("are left out by default (.git/ quietly), each named in a warning that says how to re-include it", () => {
    const dir = tree(secrets);
    const { files, skipped } = listFolder(dir);
    expect(files.map((f) => f.path)).toEqual(["ok.py"]);
    expect(skipped.map((s) => s.path).sort()).toEqual([".aws/", ".env", ".env.prod", ".netrc", ".ssh/", "certs/server.pem", "id_ed25519.pub", "id_rsa", "tls.key"]);
    const idRsa = skipped.find((s) => s.path === "id_rsa")!;
    expect(describeSkipped(idRsa)).toMatch(/id_rsa.*looks like a secret.*!id_rsa to \.nbbuildignore/);
    expect(describeSkipped(skipped.find((s) => s.path === ".ssh/")!)).toContain("!.ssh/ to .nbbuildignore");
  });

  it("a .gitignore that already excludes them silences the warning", () => {
    const dir = tree({ ".env": "x", ".gitignore": ".env\n" });
    expect(listFolder(dir).skipped).toEqual([]);
  });

  it("come back with !pattern in .nbbuildignore, and a 0600 file is never made world-readable", () => {
    const dir = tree({ ...secrets, ".nbbuildignore": "!id_rsa\n!.ssh/\n" });
    chmodSync(path.join(dir, "id_rsa"), 0o600);
    const { files, skipped } = listFolder(dir);
    expect(files.map((f) => f.path)).toEqual([".nbbuildignore", ".ssh/config", "id_rsa", "ok.py"]);
    expect(files.find((f) => f.path === "id_rsa")!.mode.toString(8)).toBe("660");
    expect(skipped.map((s) => s.path)).not.toContain("id_rsa");
  });

  it("image modes: owner bits copied to group 0, others never more than the owner and never write", () => {
    expect([0o600, 0o644, 0o755, 0o700, 0o666, 0o407].map((m) => imageMode(m).toString(8))).toEqual(["660", "664", "775", "770", "664", "444"]);
  });
});

describe("listFolder: symbolic links", () => {
  it("never reads through a link that leaves the folder; in-folder links stay links; dangling ones are reported", () => {
    const outside = tree({ "secret.txt": "OUTSIDE", "dir/f.txt": "OUTSIDE" });
    const dir = tree({ "data/real.csv": "1", "a.py": "" });
    symlinkSync("/etc/passwd", path.join(dir, "passwd"));
    symlinkSync(path.join(outside, "secret.txt"), path.join(dir, "abs-out.txt"));
    symlinkSync(path.relative(dir, path.join(outside, "dir")), path.join(dir, "rel-out-dir"));
    symlinkSync("data/real.csv", path.join(dir, "in.csv"));
    symlinkSync(path.join(dir, "data"), path.join(dir, "data-abs")); // absolute, but inside
    symlinkSync("nowhere", path.join(dir, "dangling"));
    const { files, skipped } = listFolder(dir);
    expect(files.map((f) => [f.path, f.linkTarget ?? null])).toEqual([
      ["a.py", null],
      ["data-abs", "data"],
      ["data/real.csv", null],
      ["in.csv", "data/real.csv"],
    ]);
    expect(files.every((f) => !f.data.toString().includes("OUTSIDE"))).toBe(true);
    expect(skipped.map((s) => [s.path, s.reason]).sort()).toEqual([
      ["abs-out.txt", "symlink-outside"],
      ["dangling", "symlink-dangling"],
      ["passwd", "symlink-outside"],
      ["rel-out-dir", "symlink-outside"],
    ]);
    expect(describeSkipped(skipped.find((s) => s.path === "passwd")!)).toMatch(/outside the folder/);
  });

  it("an explicit include list (Elyra dependencies) obeys the same rules, but not .gitignore", () => {
    const outside = tree({ "o.csv": "OUTSIDE" });
    const dir = tree({ "b.txt": "b", ".env": "x", ".gitignore": "*.txt\n" });
    symlinkSync(outside, path.join(dir, "linked"));
    symlinkSync("/etc/shadow", path.join(dir, "shadow"));
    const { files, skipped } = listFolder(dir, { include: ["b.txt", "missing.txt", ".env", "linked/o.csv", "shadow"] });
    expect(files.map((f) => f.path)).toEqual(["b.txt"]);
    expect(skipped.map((s) => [s.path, s.reason]).sort()).toEqual([[".env", "secret"], ["linked/o.csv", "symlink-outside"], ["shadow", "symlink-outside"]]);
  });
});

describe("listFolder: nbbuild's own outputs", () => {
  it("leaves out files and run folders nbbuild wrote into the folder (registered in .nbbuild/outputs.json)", () => {
    const dir = tree({ "a.py": "", "train.yaml": "user's own", "runs/x/log.txt": "", "sub/s.py": "" });
    writeOwnOutput(dir, path.join(dir, "pipe.yaml"), "# PIPELINE DEFINITION\n");
    writeOwnOutput(dir, path.join(dir, "dag.svg"), "<svg/>");
    noteOwnOutput(dir, path.join(dir, "runs"));
    noteOwnOutput(dir, "/tmp/elsewhere.yaml"); // outside: nothing to remember
    expect(names(dir)).toEqual(["a.py", "sub/s.py", "train.yaml"]);
    // A sub-folder step reads the register of the plan's root.
    writeOwnOutput(dir, path.join(dir, "sub", "sub.argo.yaml"), "kind: Workflow\n");
    expect(names(path.join(dir, "sub"), { root: dir })).toEqual(["s.py"]);
  });
});
