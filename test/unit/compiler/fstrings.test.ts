import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { analyzeNames } from "../../../src/analysis/names.js";
import { planNotebook } from "../../../src/notebook/compile.js";

const reads = (src: string) => [...analyzeNames(src).reads].sort();

describe("f-strings are read in the scope they are written in", () => {
  it("a generator argument's loop names used inside an f-string are not reads", () => {
    expect(reads('print(", ".join(f"{t}:{p}" for t, p in pairs))\n')).toEqual(["pairs", "print"]);
  });
  it("two for-clauses, subscripts inside the replacement, escapes after it", () => {
    const src = 'csv = "".join(f"{t},{p},{cm[i][j]}\\n" for i, t in enumerate(a) for j, p in enumerate(b))\n';
    expect(reads(src)).toEqual(["a", "b", "cm", "enumerate"]);
  });
  it("list, set and dict comprehensions", () => {
    expect(reads('r = [f"{x}" for x in xs]\ns = {f"{x}" for x in xs}\nd = {f"{k}": f"{v!r}" for k, v in m.items()}\n')).toEqual(["m", "xs"]);
  });
  it("format specs with nested replacements read their names too", () => {
    expect(reads('r = [f"{v:>{w}.{p}f}" for v in vals]\n')).toEqual(["p", "vals", "w"]);
    expect(reads('r = [f"{v:>{w}}" for v, w in pairs]\n')).toEqual(["pairs"]);
  });
  it("nested f-strings (same and different quotes) and self-documenting `=`", () => {
    expect(reads('r = [f"{f"{t}-{u}"}" for t in ts]\n')).toEqual(["ts", "u"]);
    expect(reads("r = [f\"{f'{t}'!s:{t}}\" for t in ts]\n")).toEqual(["ts"]);
    expect(reads('r = [f"{t=}" for t in ts]\n')).toEqual(["ts"]);
  });
  it("comprehensions and lambdas inside a replacement are scopes of their own", () => {
    expect(reads('r = f"{", ".join(str(t) for t in ts)} {[u for u in us]} {(lambda q: q)(1)}"\n')).toEqual(["str", "ts", "us"]);
  });
  it("a name a function's generator binds is not a free name of the function", () => {
    const f = analyzeNames('def show(pairs):\n    return "; ".join(f"{k}={v:.{n}f}" for k, v in pairs)\n');
    expect(f.functionFree["show"]).toEqual(["n"]);
    expect(f.reads).toEqual(["n"]);
  });
  it("semicolon-separated statements bind in order", () => {
    expect(reads('xs = [1]; w = 2\nr = [f"{x:{w}}" for x in xs]\n')).toEqual([]);
  });
  it("a walrus in the condition of `A if C else B` binds before A is read", () => {
    expect(reads("r = n if (n := len(xs)) else 0\n")).toEqual(["len", "xs"]);
  });
  it("the Elyra four-node report notebook plans without warnings", async () => {
    const p = await planNotebook(resolve(__dirname, "../../fixtures/elyra/four-node/report.ipynb"));
    expect(p.diagnostics.filter((d) => d.level === "warning")).toEqual([]);
    expect(p.steps.map((s) => s.name)).toEqual(["report"]);
  });
});
