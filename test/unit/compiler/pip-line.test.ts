/** `pip install` lines read as a shell and pip read them (issue 14.4). */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Problem } from "../../../src/errors.js";
import { rewriteMagics } from "../../../src/notebook/magics.js";
import { parsePipInstall } from "../../../src/notebook/pip-line.js";
import { cleanTemps, tempDir } from "../../support/temp.js";

afterAll(cleanTemps);

const loc = { file: "nb.ipynb", cellIndex: 2, cellId: "p1" };
function rw(src: string, dir = tempDir("nbb-pip-")) {
  const problems: Problem[] = [];
  return { ...rewriteMagics(src, { loc, notebookDir: dir }, problems), problems };
}

describe("shell syntax ends the install command", () => {
  it.each([
    ["requests > /dev/null 2>&1", ["requests"]],
    ["requests 2>&1 >/dev/null", ["requests"]],
    ["-q requests &> pip.log", ["requests"]],
    ["requests >> pip.log", ["requests"]],
    ["requests | tail -n 1", ["requests"]],
    ["requests || true", ["requests"]],
    ["'pandas>=2' numpy; echo done", ["pandas>=2", "numpy"]],
    ["rich && python -c 'import rich'", ["rich"]],
    ["tqdm # progress bars", ["tqdm"]],
  ])("pip install %s", (args, reqs) => {
    const r = parsePipInstall(args);
    expect(r.requirements).toEqual(reqs);
    expect(r.errors).toEqual([]);
  });

  it("a command after ; or && still runs in the step, on the same line", () => {
    const r = rw("!pip install rich && python -c 'import rich'\nx = 1");
    expect(r.requirements).toEqual(["rich"]);
    expect(r.source).toBe(`__import__("subprocess").run("python -c 'import rich'", shell=True, check=True)  # nbbuild: pip install moved into the image\nx = 1`);
    expect(r.problems).toEqual([]);
  });

  it("what follows | or || is dropped with the install (pip runs at build time)", () => {
    expect(rw("!pip install requests > /dev/null 2>&1 || echo failed").source).toBe("# nbbuild: dropped !pip install requests > /dev/null 2>&1 || echo failed (installed into the image)");
  });

  it("an unquoted >= is a redirection, as in Jupyter, and a note says so", () => {
    const r = rw("!pip install pandas>=1.5");
    expect(r.requirements).toEqual(["pandas"]);
    expect(r.notes?.[0]).toMatch(/reads pandas>=1\.5 as pandas with its output redirected to the file "=1\.5".*quote it \("pandas>=1\.5"\)/);
  });
});

describe("options are pip's, never packages", () => {
  it("flags, combined short flags and valued options are skipped with their value", () => {
    const r = parsePipInstall("-qU --no-cache-dir --progress-bar off --timeout=60 --upgrade-strategy eager numpy==1.26.4 -v 'scipy<2'");
    expect(r.requirements).toEqual(["numpy==1.26.4", "scipy<2"]);
    expect(r.errors).toEqual([]);
  });

  it("-r FILE, -rFILE and --requirement=FILE read the file beside the notebook", () => {
    const dir = tempDir("nbb-pipr-");
    writeFileSync(join(dir, "a.txt"), "requests==2.31.0\n");
    writeFileSync(join(dir, "b.txt"), "rich # pretty\n");
    writeFileSync(join(dir, "c.txt"), "tqdm\n");
    const r = rw("%pip install -q -r a.txt -rb.txt --requirement=c.txt click", dir);
    expect(r.requirements).toEqual(["click", "requests==2.31.0", "rich", "tqdm"]);
    expect(r.problems).toEqual([]);
  });

  it("index options are refused with the nbbuild flag that does it, and their value is not a package", () => {
    const r = rw("!pip install --index-url https://pypi.example/simple torch");
    expect(r.requirements).toEqual(["torch"]);
    expect(r.problems).toEqual([
      { location: { ...loc, line: 1 }, message: "!pip install --index-url https://pypi.example/simple torch: pip option --index-url is not supported in a notebook install line", fix: expect.stringMatching(/nbbuild image --index-url URL/) },
    ]);
    expect(parsePipInstall("-i https://x/simple --no-index torch").errors.map((e) => e.message)).toEqual([
      "pip option -i is not supported in a notebook install line",
      "pip option --no-index is not supported in a notebook install line",
    ]);
  });

  it("an option without its value, an unknown option", () => {
    expect(parsePipInstall("numpy -r").errors[0]!.message).toBe("pip option -r needs a value");
    expect(parsePipInstall("--frobnicate numpy").errors[0]!.message).toBe("pip option --frobnicate is not supported in a notebook install line");
  });
});

describe("a line nbbuild cannot read is an error naming the cell", () => {
  it("an unterminated quote", () => {
    const r = rw("x = 1\n!pip install 'pandas>=2");
    expect(r.problems.map((p) => [p.location, p.message])).toEqual([[{ ...loc, line: 2 }, "!pip install 'pandas>=2: the pip install line has an unterminated quote"]]);
  });

  it("a variable only known at run time", () => {
    const r = rw("!pip install {package} $EXTRA");
    expect(r.problems.map((p) => p.message)).toEqual([
      "!pip install {package} $EXTRA: the pip install line uses a shell or Python variable ({package}), which is only known when the notebook runs",
      "!pip install {package} $EXTRA: the pip install line uses a shell or Python variable ($EXTRA), which is only known when the notebook runs",
    ]);
    expect(r.requirements).toEqual([]);
  });
});
