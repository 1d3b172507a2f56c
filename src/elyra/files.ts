/**
 * Which files travel with an Elyra node, chosen the way Elyra builds a node's dependency archive:
 * walk the node file's folder, skip hidden folders, enter sub-folders only with
 * include_subdirectories (or when a pattern names them), and match each file against the
 * dependency patterns with Python's fnmatch rules (`*` also matches `/`; a flat wildcard such as
 * `*.csv` also matches by base name).
 */
import fs from "node:fs";
import path from "node:path";
import { NbbuildError } from "../errors.js";
import { locate } from "../io/inside.js";

const WILDCARDS = /[*?[]/;

/** Python fnmatch.translate: the pattern as an anchored regular expression. */
export function fnmatchRegExp(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*") re += ".*";
    else if (c === "?") re += ".";
    else if (c === "[") {
      let j = i + 1;
      if (pattern[j] === "!") j++;
      if (pattern[j] === "]") j++;
      while (j < pattern.length && pattern[j] !== "]") j++;
      if (j >= pattern.length) re += "\\[";
      else {
        let body = pattern.slice(i + 1, j).replace(/\\/g, "\\\\");
        if (body.startsWith("!")) body = "^" + body.slice(1);
        else if (body.startsWith("^")) body = "\\" + body;
        re += `[${body}]`;
        i = j;
      }
    } else re += c.replace(/[.+^${}()|\\\]/]/g, "\\$&");
  }
  return new RegExp(`^${re}$`, "s");
}

/** Python fnmatch.fnmatch on POSIX (case-sensitive). */
export function fnmatch(name: string, pattern: string): boolean {
  return fnmatchRegExp(pattern).test(name);
}

/** Files (relative to `dir`, sorted) that the patterns select, and the patterns that matched nothing. */
export function matchDependencies(
  dir: string,
  patterns: string[],
  recursive: boolean,
): { files: string[]; unmatched: string[] } {
  const includeAll = patterns.includes("*");
  const processed = new Set<string>();
  const matched = new Set<string>();
  const files: string[] = [];

  const dirWanted = (rel: string): boolean => {
    if (rel.split("/").some((part) => part.startsWith("."))) return false;
    if (recursive) return true;
    return !includeAll && patterns.some((p) => p.startsWith(rel + "/") || fnmatch(rel, p));
  };
  const fileWanted = (rel: string): boolean => {
    if (includeAll) return true;
    for (const p of patterns) {
      if (processed.has(p)) continue;
      if (fnmatch(rel, p)) {
        if (!WILDCARDS.test(p) && !recursive) processed.add(p);
        matched.add(p);
        return true;
      }
      const dirPrefixed = p.includes("/") && !p.startsWith("/") && !p.endsWith("/");
      if (!dirPrefixed && WILDCARDS.test(p) && fnmatch(path.posix.basename(rel), p)) {
        matched.add(p);
        return true;
      }
    }
    return false;
  };
  const walk = (rel: string): void => {
    const abs = rel ? path.join(dir, rel) : dir;
    for (const name of fs.readdirSync(abs).sort()) {
      const childRel = rel ? `${rel}/${name}` : name;
      // Unlike Elyra's archive, never walk through a link: a linked folder may lead out of the
      // node's folder. A matched link is listed as itself; the folder reader keeps it as a link
      // when it stays inside, and leaves it out (with a warning) when it does not.
      const stat = fs.lstatSync(path.join(abs, name));
      if (stat.isDirectory()) {
        if (dirWanted(childRel)) walk(childRel);
      } else if ((stat.isFile() || stat.isSymbolicLink()) && fileWanted(childRel)) files.push(childRel);
    }
  };
  walk("");
  const unmatched = includeAll ? [] : patterns.filter((p) => !matched.has(p));
  return { files: files.sort(), unmatched };
}

/**
 * Requirement lines of a requirements.txt (comments, blanks and pip options left out); a link
 * that leads out of the node's folder is refused, never read.
 */
export function readRequirements(file: string): { requirements: string[]; skipped: string[] } {
  const requirements: string[] = [];
  const skipped: string[] = [];
  if (!fs.existsSync(file)) return { requirements, skipped };
  if (locate(path.dirname(file), file) === "outside") {
    throw NbbuildError.at({ file }, "requirements.txt is a symbolic link to a file outside the node's folder", "replace the link by a copy of the file (nbbuild never reads files outside the folder)");
  }
  for (const raw of fs.readFileSync(file, "utf8").split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, "").trim();
    if (!line) continue;
    if (line.startsWith("-")) skipped.push(line);
    else if (!requirements.includes(line)) requirements.push(line);
  }
  return { requirements, skipped };
}
