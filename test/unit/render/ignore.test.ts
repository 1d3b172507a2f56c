import { describe, expect, it } from "vitest";
import { excludingRule, lastMatch, parseIgnore } from "../../../src/render/ignore.js";

/** True when the rules leave `rel` out (parents first, as git does). */
const ignored = (text: string, rel: string, isDir = false, anchored = false) =>
  excludingRule(parseIgnore(text, "t", { anchored }), rel, isDir) !== undefined;

describe("gitignore semantics", () => {
  it.each([
    // [patterns, path, isDir, ignored]
    ["*.log", "a.log", false, true],
    ["*.log", "deep/dir/a.log", false, true], // no slash: any depth
    ["*.log", "a.log.txt", false, false],
    ["/a.log", "a.log", false, true], // leading slash anchors
    ["/a.log", "sub/a.log", false, false],
    ["doc/*.txt", "doc/x.txt", false, true], // inner slash anchors
    ["doc/*.txt", "sub/doc/x.txt", false, false],
    ["doc/*.txt", "doc/sub/x.txt", false, false], // * does not cross /
    ["out/", "out", true, true], // dir-only
    ["out/", "out", false, false], // ... a file named out stays
    ["out/", "out/f.bin", false, true], // inside an excluded folder
    ["out/", "a/out/f.bin", false, true],
    ["**/logs", "x/y/logs", true, true],
    ["**/logs", "logs", true, true],
    ["logs/**", "logs/a/b", false, true],
    ["logs/**", "logs", true, false],
    ["a/**/b", "a/b", false, true],
    ["a/**/b", "a/x/y/b", false, true],
    ["a/**/b", "ab", false, false],
    ["?.py", "a.py", false, true],
    ["?.py", "ab.py", false, false],
    ["[abc].csv", "b.csv", false, true],
    ["[!abc].csv", "b.csv", false, false],
    ["[!abc].csv", "d.csv", false, true],
    ["\\#hash", "#hash", false, true],
    ["# comment\n\n", "# comment", false, false],
    ["\\!bang", "!bang", false, true],
    ["trailing\\ ", "trailing ", false, true],
    ["trailing   ", "trailing", false, true], // unescaped trailing spaces dropped
    ["a+b(1).txt", "a+b(1).txt", false, true], // regex characters are literal
  ])("%j ~ %s (dir %s) → %s", (patterns, rel, isDir, expected) => {
    expect(ignored(patterns, rel, isDir)).toBe(expected);
  });

  it("negation: the last matching line wins", () => {
    expect(ignored("*.csv\n!keep.csv", "keep.csv")).toBe(false);
    expect(ignored("*.csv\n!keep.csv", "drop.csv")).toBe(true);
    expect(ignored("!keep.csv\n*.csv", "keep.csv")).toBe(true);
  });

  it("a file under an excluded folder cannot be re-included, the folder can", () => {
    expect(ignored("data/\n!data/keep.csv", "data/keep.csv")).toBe(true);
    expect(ignored("data/*\n!data/keep.csv", "data/keep.csv")).toBe(false);
    expect(ignored(".ssh/\n!.ssh/", ".ssh/config")).toBe(false);
  });

  it("anchored mode (.dockerignore): every pattern is relative to the root", () => {
    expect(ignored("*.log", "sub/a.log", false, true)).toBe(false);
    expect(ignored("*.log", "a.log", false, true)).toBe(true);
    expect(ignored("**/*.log", "sub/a.log", false, true)).toBe(true);
  });

  it("rules of a nested ignore file apply only inside its folder; rules from above see the longer path", () => {
    const nested = parseIgnore("/x.txt", "sub/.gitignore", { within: "sub" });
    expect(lastMatch(nested, "sub/x.txt", false)).toBeDefined();
    expect(lastMatch(nested, "x.txt", false)).toBeUndefined();
    expect(lastMatch(nested, "sub/deeper/x.txt", false)).toBeUndefined();
    const above = parseIgnore("/notebooks/data/", "../.gitignore", { above: "notebooks" });
    expect(excludingRule(above, "data/a.csv", false)).toBeDefined();
    expect(excludingRule(above, "other/a.csv", false)).toBeUndefined();
  });
});
