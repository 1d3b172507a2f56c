/**
 * The one entry to the Python parser (@lezer/python), with two gaps of its grammar closed so
 * valid Python 3 parses cleanly:
 *  - a float literal ending in a dot (`1./255`, `2. * np.pi`, `x = 1.`) is read as member access
 *    on an int with a missing name;
 *  - `print` is a Python 2 keyword there, so `print = 4` (a valid Python 3 assignment) fails.
 * The fix is a same-length copy of the text to parse (`1.` → `10`, the keyword `print` → an
 * identifier), so every node's position still points into the user's text: callers keep
 * slicing names out of the original.
 */
import { parser } from "@lezer/python";
import type { SyntaxNode, Tree } from "@lezer/common";

/** Edits the text where one of the grammar gaps shows; returns undefined when there is none. */
function patches(tree: Tree, text: string): string | undefined {
  const edits: { from: number; to: number; with: string }[] = [];
  tree.iterate({
    enter: (n) => {
      if (n.name === "MemberExpression") {
        const num = n.node.firstChild;
        const dot = num?.nextSibling;
        const after = dot?.nextSibling;
        // `1.` followed by nothing the grammar could read as a name, or by an exponent/imaginary
        // suffix (`1.e5`, `2.j`): a float. "1." becomes "10", one Number node over the same span.
        const suffix = after && !after.type.isError ? text.slice(after.from, after.to) : "";
        const floatTail = !after || after.type.isError || after.from === after.to || (after.from === dot!.to && /^([eE]\d[\d_]*|[jJ])$/.test(suffix));
        if (num?.name === "Number" && dot?.name === "." && dot.from === num.to && floatTail) edits.push({ from: dot.from, to: dot.to, with: "0" });
      } else if (n.name === "PrintStatement") {
        const kw: SyntaxNode | null = n.node.firstChild;
        if (kw?.name === "print") edits.push({ from: kw.from, to: kw.to, with: "prin_" });
      }
    },
  });
  if (!edits.length) return undefined;
  let out = "";
  let at = 0;
  for (const e of edits.sort((a, b) => a.from - b.from)) {
    if (e.from < at) continue;
    out += text.slice(at, e.from) + e.with;
    at = e.to;
  }
  return out + text.slice(at);
}

/** Parses Python 3 module code; node positions index into `src`. */
export function parsePython(src: string): Tree {
  let text = src;
  let tree = parser.parse(text);
  // Each round can uncover another gap inside what the previous one misread; a few rounds suffice.
  for (let round = 0; round < 4; round++) {
    const next = patches(tree, text);
    if (next === undefined) break;
    text = next;
    tree = parser.parse(text);
  }
  return tree;
}
