/**
 * A second opinion on code the parser could not read: the host's own Python compiler, when there
 * is one. It tells a real syntax error (with Python's own message and line) from a construct our
 * grammar does not know, so valid code is never refused for a gap of the grammar.
 */
import { spawnSync } from "node:child_process";

/** Python's verdict: ok, or the first syntax error; undefined when no python3 could be run. */
export type PythonVerdict = { ok: true } | { ok: false; line: number; message: string } | undefined;

// Top-level await is valid in a notebook (IPython runs it), so allow it as IPython does.
const CHECK = `
import ast, json, sys
src = sys.stdin.read()
try:
    compile(src, "<cell>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
    print(json.dumps({"ok": True}))
except SyntaxError as e:
    print(json.dumps({"ok": False, "line": e.lineno or 1, "message": e.msg}))
`;

/** Compiles `src` with python3 (never runs it). */
export function pythonVerdict(src: string): PythonVerdict {
  const r = spawnSync(process.env["NBBUILD_PYTHON"] ?? "python3", ["-I", "-c", CHECK], { input: src, encoding: "utf8", timeout: 20_000 });
  if (r.error || r.status !== 0) return undefined;
  try {
    return JSON.parse(r.stdout) as PythonVerdict;
  } catch {
    return undefined;
  }
}
