import { describe, expect, it } from "vitest";
import { analyzeNames } from "../../../src/analysis/names.js";

const flow = (src: string) => {
  const f = analyzeNames(src);
  return { reads: [...f.reads].sort(), defines: [...f.defines].sort() };
};

describe("analyzeNames", () => {
  it("reads before assignment and defines targets (tuple, star, annotated, augmented)", () => {
    expect(flow("a, *b = x\nc += 1\nd: int = 2\ne: float\n")).toEqual({ reads: ["c", "float", "int", "x"], defines: ["a", "b", "c", "d"] });
  });
  it("a name assigned then read is not an input", () => {
    expect(flow("y = 1\nprint(y)\n")).toEqual({ reads: ["print"], defines: ["y"] });
  });
  it("read before a later assignment is an input", () => {
    expect(flow("print(y)\ny = 2\n").reads).toContain("y");
  });
  it("for/with/except/walrus/import targets", () => {
    const f = flow(
      "for i, (j, k) in z: pass\nwith open(f) as g, open(h) as k2: pass\ntry:\n  pass\nexcept E as e:\n  pass\n(w := 3)\nimport os.path as p, sys\nimport a.b\nfrom m import q as r, s\n",
    );
    expect(f.defines).toEqual(["a", "e", "g", "i", "j", "k", "k2", "p", "r", "s", "sys", "w"]);
    expect(f.reads).toEqual(["E", "f", "h", "open", "z"]);
  });
  it("function bodies: params and locals are not reads, free names are; defaults and decorators read at def time", () => {
    const src = "@dec(k)\ndef f(a, b=d, *args, c: T = 1, **kw):\n    t = a + y\n    return [t for t in args]\n";
    const r = analyzeNames(src);
    expect([...r.reads].sort()).toEqual(["T", "d", "dec", "k", "y"]);
    expect(r.defines).toEqual(["f"]);
    expect(r.functionFree["f"]).toEqual(["y"]);
  });
  it("a function reading a global defined later in the same step is not an input", () => {
    expect(flow("def f():\n    return g\ng = 1\nf()\n").reads).toEqual([]);
  });
  it("global declarations define module names", () => {
    expect(flow("def f():\n    global G\n    G = 1\n").defines).toEqual(["G", "f"]);
  });
  it("comprehension scoping: loop vars are local, first iterable read outside", () => {
    expect(flow("out = [u * n for u in v if u]\n")).toEqual({ reads: ["n", "v"], defines: ["out"] });
    expect(flow("d = {k: v for k, v in items}\n")).toEqual({ reads: ["items"], defines: ["d"] });
  });
  it("lambda params are local, free names read", () => {
    expect(flow("f = lambda m, n=o: m + t\n")).toEqual({ reads: ["o", "t"], defines: ["f"] });
  });
  it("class bodies and methods", () => {
    const r = analyzeNames("class C(B):\n    x = 1\n    y = x + 1\n    def m(self):\n        return x + z\n");
    expect([...r.reads].sort()).toEqual(["B", "x", "z"]);
    expect(r.defines).toEqual(["C"]);
    expect(r.functionFree["C"]?.sort()).toEqual(["x", "z"]);
  });
  it("del unbinds", () => {
    expect(flow("a = 1\ndel a\n").defines).toEqual([]);
    expect(flow("del b\n").reads).toEqual(["b"]);
  });
  it("subscript/attribute stores and method-call statements mutate: read + define", () => {
    const r = analyzeNames("df['x'] = 1\nobj.a.b = 2\nlst.append(3)\nm[i] += 1\nframe.head()\n");
    expect([...r.reads].sort()).toEqual(["df", "frame", "i", "lst", "m", "obj"]);
    expect([...r.defines].sort()).toEqual(["df", "lst", "m", "obj"]);
    expect([...r.mutates].sort()).toEqual(["df", "lst", "m", "obj"]);
  });
  it("keyword argument names are not reads; f-strings are", () => {
    expect(flow("f(x=1, *a, **k)\nprint(f'{fx:.2f}')\n").reads).toEqual(["a", "f", "fx", "k", "print"]);
  });
  it("match capture patterns bind", () => {
    expect(flow("match p:\n    case [a1, b1]:\n        c = a1\n")).toEqual({ reads: ["p"], defines: ["a1", "b1", "c"] });
  });
  it("star imports are flagged", () => {
    expect(analyzeNames("from m import *\n").starImport).toBe(true);
  });
});

describe("analyzeNames: lazy reads", () => {
  it("names read only inside function bodies are marked lazy", () => {
    const f = analyzeNames("def f():\n    return a + b\nb = 1\nprint(c)\n");
    expect([...f.reads].sort()).toEqual(["a", "c", "print"]);
    expect(f.lazy).toEqual(["a"]);
  });
  it("reports lines the parser could not read", () => {
    expect(analyzeNames("x = 1\ny = (\n").syntaxErrors.length).toBeGreaterThan(0);
    expect(analyzeNames("x = 1\n").syntaxErrors).toEqual([]);
  });
});

describe("analyzeNames: generator arguments and nested comprehensions", () => {
  it("a generator passed as the only argument is its own scope; walrus binds outside", () => {
    expect(flow("if any((hit := v) > 3 for v in vals):\n    print(hit)\n")).toEqual({ reads: ["any", "print", "vals"], defines: ["hit"] });
  });
  it("inner comprehension iterables see the outer comprehension's variables", () => {
    expect(flow("total = [[a * b for a in row] for row in matrix]\n")).toEqual({ reads: ["b", "matrix"], defines: ["total"] });
  });
  it("nonlocal names are not function locals", () => {
    const r = analyzeNames("def outer():\n    x = 1\n    def inner():\n        nonlocal x\n        x += y\n    return inner\n");
    expect(r.reads).toEqual(["y"]);
  });
});
