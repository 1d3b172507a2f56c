import { symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Problem } from "../../../src/errors.js";
import { rewriteMagics } from "../../../src/notebook/magics.js";
import { cleanTemps, tempDir } from "../../support/temp.js";

afterAll(cleanTemps);

const loc = { file: "nb.ipynb", cellIndex: 3, cellId: "abc" };
function rw(src: string, dir = tmpdir()) {
  const problems: Problem[] = [];
  const r = rewriteMagics(src, { loc, notebookDir: dir }, problems);
  return { ...r, problems };
}

describe("rewriteMagics", () => {
  it("keeps plain Python untouched", () => {
    const src = "x = 1\nif x:\n    print('!not a shell line')\n";
    expect(rw(src)).toEqual({ source: src, requirements: [], problems: [] });
  });

  it("%pip / !pip / python -m pip lines become requirements (flags ignored, specifiers kept)", () => {
    const r = rw('%pip install -q "pandas>=1.5" numpy\n!pip3 install --upgrade scikit-learn==1.2.2\n!python -m pip install --no-cache-dir rich\nimport pandas');
    expect(r.requirements).toEqual(["pandas>=1.5", "numpy", "scikit-learn==1.2.2", "rich"]);
    expect(r.source.split("\n")).toHaveLength(4);
    expect(r.source.split("\n")[3]).toBe("import pandas");
    expect(r.problems).toEqual([]);
  });

  it("pip -r FILE reads the file beside the notebook; a missing file is an error", () => {
    const dir = tempDir("nbb-magic-");
    writeFileSync(join(dir, "reqs.txt"), "# deps\nrequests==2.31.0\n\nrich  # pretty\n");
    expect(rw("%pip install -r reqs.txt", dir).requirements).toEqual(["requests==2.31.0", "rich"]);
    const bad = rw("%pip install -r nope.txt", dir);
    expect(bad.problems[0]!.message).toMatch(/requirements file "nope.txt" not found/);
    expect(bad.problems[0]!.location).toEqual({ ...loc, line: 1 });
  });

  it("pip -r/-c never read a file outside the notebook's folder (absolute, ../ or a link), naming the cell", () => {
    const outside = tempDir("nbb-outside-");
    writeFileSync(join(outside, "secret.txt"), "SECRET-LINE\n");
    const dir = tempDir("nbb-magic-");
    symlinkSync(join(outside, "secret.txt"), join(dir, "link.txt"));
    for (const line of [`%pip install -r ${join(outside, "secret.txt")}`, "%pip install -r /etc/shadow", `!pip install --requirement=../${basename(outside)}/secret.txt`, "%pip install -r link.txt"]) {
      const r = rw(line, dir);
      expect(r.requirements, line).toEqual([]);
      expect(r.problems, line).toHaveLength(1);
      expect(r.problems[0]!.message, line).toMatch(/is outside the notebook's folder/);
      expect(r.problems[0]!.location).toEqual({ ...loc, line: 1 });
      expect(r.problems[0]!.fix).toMatch(/copy the requirements file into the notebook's folder/);
      expect(JSON.stringify(r), line).not.toContain("SECRET-LINE");
    }
    const c = rw(`%pip install -c ${join(outside, "secret.txt")} pandas`, dir);
    expect(c.problems[0]!.message).toMatch(/pip option -c is not supported/);
    expect(JSON.stringify(c)).not.toContain("SECRET-LINE");
  });

  it("unsupported pip options are errors", () => {
    expect(rw("%pip install --index-url http://x pkg").problems[0]!.message).toMatch(/pip option --index-url is not supported/);
  });

  it("indented dropped lines become `pass` so the block stays valid", () => {
    expect(rw("if True:\n    %matplotlib inline\n").source).toBe("if True:\n    pass  # nbbuild: dropped %matplotlib inline\n");
  });

  it("shell lines run through subprocess; {var} is interpolated like IPython, other braces stay literal", () => {
    expect(rw("!ls {path} | awk '{print $1}'").source).toBe(
      "__import__(\"subprocess\").run(f\"ls {path} | awk '{{print $1}}'\", shell=True, check=True)",
    );
    expect(rw("out = !echo hi").source).toBe(
      'out = __import__("subprocess").run("echo hi", shell=True, check=True, capture_output=True, text=True).stdout.splitlines()',
    );
  });

  it("%time / %timeit run the statement once; %env sets os.environ", () => {
    expect(rw("%time y = f(x)\n%timeit -n 10 -r 2 g()\n%env MODE=fast").source).toBe('y = f(x)\ng()\n__import__("os").environ["MODE"] = "fast"');
  });

  it("%%sh cells run through bash; a body with ''' falls back to a one-line literal with the same line count", () => {
    expect(rw("%%sh\necho a").source).toBe('__import__("subprocess").run(r\'\'\'\necho a\'\'\', shell=True, executable="/bin/bash", check=True)');
    const r = rw("%%bash\necho '''\necho b");
    expect(r.source.split("\n")).toHaveLength(3);
    expect(r.source.split("\n")[0]).toBe('__import__("subprocess").run("echo \'\'\'\\necho b", shell=True, executable="/bin/bash", check=True)');
  });

  it("%%capture unwraps its body and rewrites the body's magics (problem lines point into the cell)", () => {
    const r = rw("%%capture out\n!echo x\n%bogus");
    expect(r.source.split("\n")[1]).toBe('__import__("subprocess").run("echo x", shell=True, check=True)');
    expect(r.problems.map((p) => [p.location.line, p.message])).toEqual([[3, "unsupported magic %bogus"]]);
  });

  it("unknown magics are errors naming the magic, with a fix", () => {
    const r = rw("x = 1\n%store x\n%load_ext tensorboard\n%%bogus");
    expect(r.problems.map((p) => [p.location.line, p.message])).toEqual([
      [2, "unsupported magic %store"],
      [3, "unsupported magic %load_ext tensorboard"],
      [4, "cell magic %%bogus is not on the first line of the cell"],
    ]);
    expect(r.problems[0]!.fix).toMatch(/skip/);
    expect(rw("%%perl a.txt\nhi").problems[0]!.message).toBe("unsupported cell magic %%perl");
  });

  it("lines inside triple-quoted strings are never magics", () => {
    const src = 'doc = """\n!not shell\n%not magic\n"""';
    expect(rw(src)).toEqual({ source: src, requirements: [], problems: [] });
  });

  it("conda installs are errors", () => {
    expect(rw("%conda install numpy").problems[0]!.fix).toMatch(/%pip install/);
  });
});
