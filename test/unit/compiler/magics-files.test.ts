import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Problem } from "../../../src/errors.js";
import { planNotebook } from "../../../src/notebook/compile.js";
import { rewriteMagics } from "../../../src/notebook/magics.js";
import { cleanTemps, tempDir } from "../../support/temp.js";

afterAll(cleanTemps);

const loc = { file: "nb.ipynb", cellIndex: 2, cellId: "w" };
function rw(src: string) {
  const problems: Problem[] = [];
  const r = rewriteMagics(src, { loc, notebookDir: tmpdir() }, problems);
  return { ...r, problems };
}

/** Runs rewritten cells with python3 in a fresh folder; returns that folder and stdout. */
function runPython(sources: string[]): { dir: string; stdout: string } {
  const dir = tempDir("nbbuild-wf-");
  writeFileSync(join(dir, "cells.py"), sources.join("\n"));
  const stdout = execFileSync("python3", ["cells.py"], { cwd: dir, encoding: "utf8", timeout: 20_000 });
  return { dir, stdout };
}

describe("%%writefile", () => {
  it("writes the body verbatim (plus IPython's final newline), relative to the working dir, keeping the line count", () => {
    const bodies = ["def f(x):\n    return '''no''' if x else r'C:\\dir\\'", "a = {'k': \"v\"}  # {braces} \\n stay", "ends with a quote '", "ends with a backslash \\", "kept\n"];
    const cells = bodies.map((b, i) => `%%writefile f${i}.txt\n${b}`);
    const out = cells.map((c) => rw(c));
    out.forEach((r, i) => {
      expect(r.problems).toEqual([]);
      expect(r.source.split("\n").length).toBe(cells[i]!.split("\n").length);
      expect(r.notes).toEqual([`%%writefile f${i}.txt: the cell writes its body to f${i}.txt (relative to the working dir) when the step runs`]);
    });
    const { dir, stdout } = runPython(out.map((r) => r.source));
    bodies.forEach((b, i) => expect(readFileSync(join(dir, `f${i}.txt`), "utf8")).toBe(b.endsWith("\n") ? b : b + "\n"));
    expect(stdout).toBe(bodies.map((_, i) => `Writing f${i}.txt\n`).join(""));
  });
  it("-a appends, quoted paths may hold spaces, an empty body writes an empty file, rewriting says Overwriting", () => {
    const cells = ['%%writefile "my notes.txt"\nfirst', "%%writefile -a 'my notes.txt'\nsecond", "%%writefile empty.txt", "%%writefile empty.txt\nnow full"];
    const { dir, stdout } = runPython(cells.map((c) => rw(c).source));
    expect(readFileSync(join(dir, "my notes.txt"), "utf8")).toBe("first\nsecond\n");
    expect(readFileSync(join(dir, "empty.txt"), "utf8")).toBe("now full\n");
    expect(stdout).toBe("Writing my notes.txt\nAppending to my notes.txt\nWriting empty.txt\nOverwriting empty.txt\n");
    expect(rw("%%writefile -a x.txt\ny").notes![0]).toMatch(/appends its body to x\.txt/);
  });
  it("without exactly one path it is an error naming the cell", () => {
    const r = rw("%%writefile\nbody");
    expect(r.problems.map((p) => [p.location, p.message])).toEqual([[{ ...loc, line: 1 }, '%%writefile needs exactly one file path (got "")']]);
    expect(rw("%%writefile a b\nx").problems).toHaveLength(1);
  });
  it("the literal path shows up as a file hint", async () => {
    expect(rw("%%writefile out/model.txt\nx").source).toContain('open("out/model.txt", "w", encoding="utf-8")');
  });
});

describe("%env, %cd, %pwd and display-only cells", () => {
  it("%env K=V, %env K V, %set_env and {var} expansion set os.environ, line for line", () => {
    const r = rw("%env A=1\n%env B two words\n%set_env C=x=y\n%env D={name}");
    expect(r.source).toBe(['__import__("os").environ["A"] = "1"', '__import__("os").environ["B"] = "two words"', '__import__("os").environ["C"] = "x=y"', '__import__("os").environ["D"] = f"{name}"'].join("\n"));
    expect(rw("%env ONLYKEY").problems[0]!.message).toBe("%env without NAME=VALUE: %env ONLYKEY");
  });
  it("%cd DIR changes directory (printing it unless -q), relative to the working dir", () => {
    const r = rw("import os\nos.makedirs('sub', exist_ok=True)\n%cd sub\nopen('here.txt', 'w').write('x')\n%cd -q ..\n%pwd");
    expect(r.problems).toEqual([]);
    expect(r.source.split("\n")).toHaveLength(6);
    const { dir, stdout } = runPython([r.source]);
    expect(readFileSync(join(dir, "sub", "here.txt"), "utf8")).toBe("x");
    expect(stdout.trim().split("\n").map((l) => l.replace(/.*\//, ""))).toEqual(["sub", dir.replace(/.*\//, "")]);
    expect(rw("%cd").problems[0]!.message).toBe("%cd needs exactly one folder: %cd");
  });
  it("%%html / %%markdown / %%latex / %%javascript cells are dropped with a note, keeping the line count", () => {
    for (const m of ["html", "markdown", "latex", "javascript"]) {
      const r = rw(`%%${m}\n<b>x</b>\ny`);
      expect(r.problems).toEqual([]);
      expect(r.source).toBe(`# nbbuild: dropped display-only %%${m} cell\n# <b>x</b>\n# y`);
      expect(r.notes).toEqual([`dropped the display-only %%${m} cell (it only renders in a notebook front end)`]);
    }
  });
  it("in a notebook: notes become info diagnostics on their cells; the written file is a hint", async () => {
    const p = await planNotebook(resolve(__dirname, "../../fixtures/notebooks/magics_files.ipynb"));
    expect(p.diagnostics.map((d) => [d.level, d.location.cellIndex, d.message.split(":")[0]])).toEqual([
      ["info", 1, "%%writefile helper.py"],
      ["info", 3, "dropped the display-only %%html cell (it only renders in a notebook front end)"],
      ["info", 5, "%%writefile out/log.txt"],
      ["info", 6, "dropped the display-only %%markdown cell (it only renders in a notebook front end)"],
    ]);
    expect(p.steps.map((s) => [s.name, s.after, s.inputs.map((i) => `${i.name}<-${i.from}`), s.outputs])).toEqual([
      ["write", [], [], ["result"]],
      ["show", ["write"], ["result<-write"], []],
    ]);
    expect(p.steps[0]!.fileHints).toEqual(["helper.py"]);
    expect(p.steps[1]!.fileHints).toContain("out/log.txt");
    expect(p.steps[0]!.code[2]!.source.split("\n")[0]).toBe('__import__("os").environ["MODE"] = "fast"');
  });
});
