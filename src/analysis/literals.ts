/** Python literal values read from source text, shared by the parameter reader and the file hints. */

/** Evaluates a Python string literal (no f-strings); undefined when it is not a plain literal. */
export function pyStringValue(text: string): string | undefined {
  const m = /^([rRuUbB]*)('''|"""|'|")([\s\S]*)\2$/.exec(text);
  if (!m) return undefined;
  const prefix = m[1]!.toLowerCase();
  if (prefix.includes("b")) return undefined;
  const body = m[3]!;
  if (prefix.includes("r")) return body;
  const simple: Record<string, string> = { n: "\n", t: "\t", r: "\r", "\\": "\\", "'": "'", '"': '"', "0": "\0", a: "\x07", b: "\b", f: "\f", v: "\v", "\n": "" };
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[\s\S])/g, (all, e: string) => {
    if (e.length > 1) return String.fromCodePoint(parseInt(e.slice(1), 16));
    return simple[e] ?? all;
  });
}
