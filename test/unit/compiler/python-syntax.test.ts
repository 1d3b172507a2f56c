/** The Python parser reads Python 3 as Python does (issue 14.13, 13.15). */
import { resolve } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { analyzeNames } from "../../../src/analysis/names.js";
import { NbbuildError, type Problem } from "../../../src/errors.js";
import { planNotebook } from "../../../src/notebook/compile.js";
import { parseParameters } from "../../../src/notebook/params.js";

const FIX = resolve(__dirname, "../../fixtures/notebooks");

afterEach(() => vi.unstubAllEnvs());

async function problems(f: string): Promise<Problem[]> {
  try {
    await planNotebook(resolve(FIX, f));
  } catch (err) {
    expect(err).toBeInstanceOf(NbbuildError);
    return (err as NbbuildError).problems;
  }
  throw new Error(`${f} compiled without error`);
}

describe("float literals ending in a dot", () => {
  it.each(["x = 1./255", "y = 2. * math.pi", "z = 1.", "w = (1., 2.)", "v = 1.e5 + 2.j"])("%s parses without a syntax error", (src) => {
    expect(analyzeNames(src).syntaxErrors).toEqual([]);
  });

  it("names around them are still read", () => {
    expect(analyzeNames("angle = 2. * math.pi / n").reads).toEqual(["math", "n"]);
  });

  it("a parameter 2. is a float", () => {
    const ps: Problem[] = [];
    expect(parseParameters("SCALE = 2.\nTINY = 1.e-3\nBIG = 1.e5", { file: "x.ipynb" }, ps).map((p) => [p.name, p.type, p.default])).toEqual([
      ["SCALE", "NUMBER_DOUBLE", 2],
      ["BIG", "NUMBER_DOUBLE", 100000],
    ]);
    // 1.e-3 is valid Python, but not a plain literal to our grammar: refused with the usual fix, never silently.
    expect(ps.map((p) => p.location.line)).toEqual([2]);
  });
});

describe("print is an ordinary name in Python 3", () => {
  it("print = 4 is a parameter", () => {
    const ps: Problem[] = [];
    expect(parseParameters("print = 4", { file: "x.ipynb" }, ps)).toEqual([{ name: "print", type: "NUMBER_INTEGER", default: 4, line: 1 }]);
    expect(ps).toEqual([]);
  });

  it("print x (Python 2) is still a syntax error", () => {
    expect(analyzeNames("print x").syntaxErrors).toEqual([1]);
  });
});

describe("a notebook of valid Python 3 plans without warnings", () => {
  it("trailing-dot floats, a parameter named print, and a construct only Python's compiler knows", async () => {
    const p = await planNotebook(resolve(FIX, "python3_syntax.ipynb"));
    expect(p.parameters.map((x) => [x.name, x.type, x.default])).toEqual([
      ["print", "NUMBER_INTEGER", 4],
      ["SCALE", "NUMBER_DOUBLE", 2],
    ]);
    expect(p.steps.map((s) => [s.name, s.parameters, s.inputs.map((i) => i.name)])).toEqual([
      ["normalise", [], []],
      ["rotate", ["print"], ["normalised"]],
    ]);
    expect(p.diagnostics.filter((d) => d.level !== "info")).toEqual([]);
  });
});

describe("a syntax error in a step is an error naming the cell and the line", () => {
  it("with Python's own message", async () => {
    expect(await problems("err_syntax.ipynb")).toEqual([
      {
        location: { file: "err_syntax.ipynb", cellIndex: 2, cellId: "c02", line: 1 },
        message: "step count: Python syntax error: '(' was never closed",
        fix: "correct the Python in this cell (the step would fail on it when it runs), or tag the cell skip to leave it out",
      },
    ]);
  });

  it("without a python3 on the host, the parser's line", async () => {
    vi.stubEnv("NBBUILD_PYTHON", "/nonexistent/python3");
    const [p, ...rest] = await problems("err_syntax.ipynb");
    expect(rest).toEqual([]);
    expect(p!.location).toEqual({ file: "err_syntax.ipynb", cellIndex: 2, cellId: "c02", line: 2 });
    expect(p!.message).toBe("step count: the Python parser cannot read this line (a syntax error)");
  });
});
