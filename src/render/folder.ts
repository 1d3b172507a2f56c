/**
 * The files of a step's working folder that go into its image (see README "What nbbuild puts in
 * an image"): every file except what an ignore rule excludes — nbbuild's secret-looking defaults,
 * .gitignore (also in a plain folder), .dockerignore, .nbbuildignore (last word: `!pattern`
 * re-includes) — and never nbbuild's own outputs. Symbolic links are never read through when
 * they leave the folder; links that stay inside travel as links.
 */
import { existsSync, lstatSync, readFileSync, readdirSync, realpathSync, type Stats } from "node:fs";
import path from "node:path";
import type { ContextFile } from "../engines/engine.js";
import { excludingRule, parseIgnore, type IgnoreRule } from "./ignore.js";
import { isWithin } from "../io/inside.js";
import { ownOutputs } from "../io/own-outputs.js";

/** A file of the step's working folder, as it will be copied into the image. */
export type FolderFile = ContextFile;

/** A path left out of the image that the user should hear about. */
export interface SkippedPath {
  path: string;
  reason: "secret" | "symlink-outside" | "symlink-dangling";
  /** The rule that excluded a secret-looking path (to name in the warning). */
  pattern?: string;
}

/** Size above which the folder earns a warning. */
export const FOLDER_WARN_BYTES = 50 * 1024 * 1024;

/** Never in an image, whatever the ignore files say: nbbuild's own state (records, runs). */
const NBBUILD_DIR = ".nbbuild";

/** Source name of the secret-looking defaults (a path they exclude earns a warning). */
export const SECRET_DEFAULTS = "nbbuild secret defaults";

/** Files that commonly hold credentials or keys: excluded unless .nbbuildignore re-includes them. */
export const SECRET_PATTERNS = [
  ".env",
  ".env.*",
  "*.env",
  "id_rsa*",
  "id_dsa*",
  "id_ecdsa*",
  "id_ed25519*",
  "*.pem",
  "*.key",
  "*.p12",
  "*.pfx",
  "*.jks",
  "*.keystore",
  ".netrc",
  "_netrc",
  ".pgpass",
  ".pypirc",
  ".npmrc",
  ".git-credentials",
  ".htpasswd",
  ".ssh/",
  ".aws/",
  ".azure/",
  ".gnupg/",
  ".kube/",
  ".docker/",
  ".config/gcloud/",
];
/** Left out quietly (re-includable as well): git's store (never wanted, so no warning) and clutter. */
const QUIET_PATTERNS = [".git", ".ipynb_checkpoints/", "__pycache__/"];

const DEFAULT_RULES: IgnoreRule[] = [
  ...parseIgnore(QUIET_PATTERNS.join("\n"), "nbbuild defaults"),
  ...parseIgnore(SECRET_PATTERNS.join("\n"), SECRET_DEFAULTS),
];

/**
 * Image mode of a folder file: the owner's bits, the same for group 0 (OpenShift runs the image
 * as a random UID in group 0), and the source's read/execute bits for others only when the owner
 * has them too — so a 0600 file stays private to owner and group 0 (0660), never world-readable.
 */
export function imageMode(sourceMode: number): number {
  const user = (sourceMode >> 6) & 0o7;
  const other = sourceMode & 0o5 & user;
  return (user << 6) | (user << 3) | other;
}

/** The folder holding `.git` above (or at) `dir`: the top of its checkout, if any. */
function checkoutTop(dir: string): string | undefined {
  for (let d = dir, i = 0; i < 256; i++) {
    if (existsSync(path.join(d, ".git"))) return d;
    const up = path.dirname(d);
    if (up === d) return undefined;
    d = up;
  }
  return undefined;
}

function readIfFile(file: string): string | undefined {
  try {
    return lstatSync(file).isFile() ? readFileSync(file, "utf8") : undefined;
  } catch {
    return undefined;
  }
}

/** .gitignore files of the checkout above `dir` (outermost first) and .git/info/exclude. */
function ancestorGitRules(dir: string): IgnoreRule[] {
  const top = checkoutTop(dir);
  if (!top) return [];
  const rules: IgnoreRule[] = [];
  const exclude = readIfFile(path.join(top, ".git", "info", "exclude"));
  const above = (d: string) => path.relative(d, dir).split(path.sep).join("/");
  if (exclude && top !== dir) rules.push(...parseIgnore(exclude, ".git/info/exclude", { above: above(top) }));
  else if (exclude) rules.push(...parseIgnore(exclude, ".git/info/exclude"));
  const chain: string[] = [];
  for (let d = path.dirname(dir); d.length >= top.length; d = path.dirname(d)) {
    chain.unshift(d);
    if (d === top || path.dirname(d) === d) break;
  }
  for (const d of chain) {
    const text = readIfFile(path.join(d, ".gitignore"));
    if (text) rules.push(...parseIgnore(text, path.join(d, ".gitignore"), { above: above(d) }));
  }
  return rules;
}

/** Options of `listFolder`. */
export interface ListFolderOptions {
  /** Exactly these paths (an Elyra node's dependencies): .gitignore/.dockerignore do not apply. */
  include?: string[];
  /** Paths never copied (the notebook itself). */
  exclude?: Iterable<string>;
  /** Folder whose `.nbbuild/outputs.json` lists nbbuild's own outputs (default: `dir`). */
  root?: string;
  /**
   * false: list the folder as a builder that received only this folder sees it (an S2I build's
   * /tmp/src): no ignore rules from above it (.gitignore of parent folders, .git/info/exclude)
   * and no record of nbbuild's own outputs (.nbbuild/ is not part of a source). Default true.
   */
  seeOutside?: boolean;
}

/** What `listFolder` found: the files to copy, and what it left out that deserves a warning. */
export interface FolderListing {
  files: FolderFile[];
  skipped: SkippedPath[];
}

/**
 * Lists the files of a step's folder that go into its image, in path order. Excluded: nbbuild's
 * `.nbbuild/` and own outputs, the paths in `exclude`, whatever the ignore rules exclude, and
 * symbolic links that leave the folder or lead nowhere (reported in `skipped`).
 */
export function listFolder(dir: string, opts: ListFolderOptions = {}): FolderListing {
  const realRoot = realpathSync(dir);
  const hard = new Set([...(opts.exclude ?? [])].map((p) => p.split(path.sep).join("/")));
  const outside = opts.seeOutside ?? true;
  for (const own of outside ? ownOutputs(opts.root ?? dir) : []) {
    const rel = path.relative(realRoot, own).split(path.sep).join("/");
    if (rel && !rel.startsWith("../") && rel !== "..") hard.add(rel);
  }
  const hardExcluded = (rel: string) => rel.split("/")[0] === NBBUILD_DIR || [...hard].some((h) => rel === h || rel.startsWith(h + "/"));

  const rules: IgnoreRule[] = [...DEFAULT_RULES];
  if (!opts.include) {
    if (outside) rules.push(...ancestorGitRules(realRoot));
    const git = readIfFile(path.join(dir, ".gitignore"));
    if (git) rules.push(...parseIgnore(git, ".gitignore"));
  }
  const files: FolderFile[] = [];
  const skipped: SkippedPath[] = [];
  /** Rules read late (nested .gitignore, then the root's .dockerignore and .nbbuildignore) go last. */
  const tail: IgnoreRule[] = [];
  if (!opts.include) {
    const docker = readIfFile(path.join(dir, ".dockerignore"));
    if (docker) tail.push(...parseIgnore(docker, ".dockerignore", { anchored: true }));
  }
  const nbb = readIfFile(path.join(dir, ".nbbuildignore"));
  if (nbb) tail.push(...parseIgnore(nbb, ".nbbuildignore"));
  const all = () => [...rules, ...tail];

  /** True when the path is left out; secret-looking paths are remembered for a warning. */
  const leftOut = (rel: string, isDir: boolean): boolean => {
    if (hardExcluded(rel)) return true;
    const rule = excludingRule(all(), rel, isDir);
    if (!rule) return false;
    if (rule.source === SECRET_DEFAULTS && !skipped.some((s) => rel === s.path || rel.startsWith(s.path + "/"))) {
      skipped.push({ path: isDir ? `${rel}/` : rel, reason: "secret", pattern: rule.pattern });
    }
    return true;
  };

  const take = (rel: string, st: Stats) => {
    const abs = path.join(dir, rel);
    if (st.isSymbolicLink()) {
      let target: string;
      try {
        target = realpathSync(abs);
      } catch {
        skipped.push({ path: rel, reason: "symlink-dangling" });
        return;
      }
      if (!isWithin(realRoot, target)) {
        skipped.push({ path: rel, reason: "symlink-outside" });
        return;
      }
      // Relative, so it resolves the same way inside the image.
      const inside = path.relative(realRoot, target).split(path.sep).join("/");
      const link = path.posix.relative(path.posix.dirname(rel), inside) || ".";
      files.push({ path: rel, data: Buffer.alloc(0), mode: 0o777, linkTarget: link });
    } else if (st.isFile()) {
      files.push({ path: rel, data: readFileSync(abs), mode: imageMode(st.mode) });
    }
  };

  if (opts.include) {
    for (const rel of [...new Set(opts.include.map((n) => n.split(path.sep).join("/")))].sort()) {
      if (hard.has(rel) || leftOut(rel, false)) continue;
      let st: Stats;
      try {
        st = lstatSync(path.join(dir, rel));
      } catch {
        continue;
      }
      // A parent folder that is a link must not carry the file out of the folder either.
      let real: string | undefined;
      try {
        real = realpathSync(path.join(dir, path.dirname(rel)));
      } catch {
        continue;
      }
      if (!isWithin(realRoot, real)) {
        skipped.push({ path: rel, reason: "symlink-outside" });
        continue;
      }
      take(rel, st);
    }
    return { files, skipped };
  }

  const walk = (prefix: string) => {
    const absDir = prefix ? path.join(dir, prefix) : dir;
    if (prefix) {
      const nested = readIfFile(path.join(absDir, ".gitignore"));
      // Deeper .gitignore files outrank shallower ones but not .dockerignore/.nbbuildignore.
      if (nested) rules.push(...parseIgnore(nested, `${prefix}/.gitignore`, { within: prefix }));
    }
    for (const name of readdirSync(absDir).sort()) {
      const rel = prefix ? `${prefix}/${name}` : name;
      let st: Stats;
      try {
        st = lstatSync(path.join(absDir, name));
      } catch {
        continue;
      }
      const isDir = st.isDirectory();
      if (leftOut(rel, isDir)) continue;
      if (isDir) walk(rel);
      else take(rel, st);
    }
  };
  walk("");
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, skipped };
}

/**
 * Paths (relative POSIX, files and links) of `dir` that its folder listing leaves out only because
 * of what lies outside it: ignore rules above it and nbbuild's own outputs. A build that receives
 * just this folder (S2I) cannot see those reasons, so such paths must not be sent to it.
 */
export function excludedByOutside(dir: string): string[] {
  const host = new Set(listFolder(dir).files.map((f) => f.path));
  return listFolder(dir, { seeOutside: false }).files.map((f) => f.path).filter((p) => !host.has(p));
}

/** The warning for a path `listFolder` left out. */
export function describeSkipped(s: SkippedPath): string {
  switch (s.reason) {
    case "secret":
      return `left ${s.path} out of the image: it looks like a secret (matches ${s.pattern}); to copy it anyway, add !${s.path.replace(/\/$/, "")}${s.path.endsWith("/") ? "/" : ""} to .nbbuildignore`;
    case "symlink-outside":
      return `left ${s.path} out of the image: it is a symbolic link to a path outside the folder (nbbuild never copies files from outside the folder)`;
    case "symlink-dangling":
      return `left ${s.path} out of the image: it is a symbolic link to a path that does not exist`;
  }
}
