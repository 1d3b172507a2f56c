/**
 * Ignore files with git's rules (gitignore(5)), read by nbbuild itself so a folder behaves the
 * same inside a git checkout, in a plain folder or with an empty `.git`: `#` comments, `!`
 * negation (the last matching pattern wins), a trailing `/` for folders only, a `/` at the start
 * or in the middle anchors the pattern to the ignore file's folder, `*` `?` `[…]` never cross a
 * `/`, and `**` spans folders (`**∕x`, `x/**`, `a/**∕b`). As in git, a file below an excluded
 * folder cannot be re-included: `isIgnored` looks at every parent folder first.
 */

/** One compiled pattern line. */
export interface IgnoreRule {
  /** The line as written (without the `!`), for messages. */
  pattern: string;
  negate: boolean;
  dirOnly: boolean;
  regex: RegExp;
  /** Where the rule came from: an ignore file's path, or a name such as "defaults". */
  source: string;
  /**
   * The folder (relative to the collected folder, POSIX, "" for its root) the rule's file sits
   * in, or a path above the collected folder written as `../`-free prefix in `above`.
   */
  within: string;
  /** Path from the ignore file's folder down to the collected folder ("" when not above it). */
  above: string;
}

/** Translates one glob (no leading `!`, no trailing `/`) to a regular expression body. */
function globBody(glob: string): string {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*") {
      if (glob[i + 1] === "*") {
        const startSeg = i === 0 || glob[i - 1] === "/";
        let j = i;
        while (glob[j] === "*") j++;
        const endSeg = j === glob.length || glob[j] === "/";
        if (startSeg && endSeg) {
          if (j === glob.length) re += ".*"; // `x/**`: everything inside
          else {
            re += "(?:.*/)?"; // `**/` and `/**/`: zero or more folders
            j++; // the `/` after `**`
          }
          i = j - 1;
          continue;
        }
        i = j - 1; // other runs of `*` are one `*`
      }
      re += "[^/]*";
    } else if (c === "?") re += "[^/]";
    else if (c === "\\" && i + 1 < glob.length) re += glob[++i]!.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    else if (c === "[") {
      const close = glob.indexOf("]", i + 2);
      if (close < 0) {
        re += "\\[";
        continue;
      }
      let body = glob.slice(i + 1, close);
      if (body.startsWith("!") || body.startsWith("^")) body = "^" + body.slice(1);
      re += `(?!/)[${body.replace(/\\/g, "\\\\")}]`;
      i = close;
    } else re += c.replace(/[.+^${}()|\\/]/g, "\\$&");
  }
  return re;
}

/**
 * Compiles the lines of an ignore file. `anchored` treats every pattern as relative to the
 * file's folder (.dockerignore's rule); otherwise a pattern without an inner `/` matches at any
 * depth, as in .gitignore.
 */
export function parseIgnore(text: string, source: string, opts: { anchored?: boolean; within?: string; above?: string } = {}): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.replace(/(?<!\\)\s+$/, "");
    if (!line || line.startsWith("#")) continue;
    let negate = false;
    if (line.startsWith("!")) {
      negate = true;
      line = line.slice(1);
    } else if (line.startsWith("\\!") || line.startsWith("\\#")) line = line.slice(1);
    let dirOnly = false;
    if (line.endsWith("/")) {
      dirOnly = true;
      line = line.replace(/\/+$/, "");
    }
    if (!line) continue;
    const anchored = opts.anchored || line.slice(0, -1).includes("/") || line.startsWith("/");
    const glob = line.replace(/^\/+/, "");
    const body = globBody(glob);
    const regex = new RegExp(anchored ? `^${body}$` : `^(?:.*/)?${body}$`, "s");
    rules.push({ pattern: (negate ? "!" : "") + line + (dirOnly ? "/" : ""), negate, dirOnly, regex, source, within: opts.within ?? "", above: opts.above ?? "" });
  }
  return rules;
}

/** The rule that decides `rel` (the last one that matches), or undefined when none does. */
export function lastMatch(rules: readonly IgnoreRule[], rel: string, isDir: boolean): IgnoreRule | undefined {
  let hit: IgnoreRule | undefined;
  for (const r of rules) {
    if (r.dirOnly && !isDir) continue;
    let subject: string;
    if (r.above) subject = `${r.above}/${rel}`;
    else if (!r.within) subject = rel;
    else if (rel.startsWith(r.within + "/")) subject = rel.slice(r.within.length + 1);
    else continue;
    if (r.regex.test(subject)) hit = r;
  }
  return hit;
}

/**
 * Why `rel` is left out: the excluding rule of the path itself or of its first excluded parent
 * folder (git never looks inside an excluded folder), or undefined when it is kept.
 */
export function excludingRule(rules: readonly IgnoreRule[], rel: string, isDir: boolean): IgnoreRule | undefined {
  const parts = rel.split("/");
  for (let i = 1; i <= parts.length; i++) {
    const sub = parts.slice(0, i).join("/");
    const hit = lastMatch(rules, sub, i < parts.length || isDir);
    if (hit && !hit.negate) return hit;
  }
  return undefined;
}
