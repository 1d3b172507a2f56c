import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

/** A file of the step's working folder, as it will be copied into the image. */
export interface FolderFile {
  /** POSIX path relative to the folder. */
  path: string;
  data: Buffer;
  /** 0o775 for executables, else 0o664 (group bits equal user bits). */
  mode: number;
}

/** Folders never copied into an image. */
const EXCLUDED_DIRS = new Set([".nbbuild", ".git", ".ipynb_checkpoints", "__pycache__"]);
/** Size above which the folder earns a warning. */
export const FOLDER_WARN_BYTES = 50 * 1024 * 1024;

/** True when `rel` (POSIX, relative to the folder) sits in an excluded directory. */
function excluded(rel: string): boolean {
  return rel.split("/").some((part) => EXCLUDED_DIRS.has(part));
}

/** Files git knows in `dir` (tracked plus untracked-not-ignored), or undefined outside a checkout. */
function gitFiles(dir: string): string[] | undefined {
  try {
    const out = execFileSync("git", ["-C", dir, "ls-files", "-co", "--exclude-standard", "-z", "--", "."], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 30_000,
      maxBuffer: 256 * 1024 * 1024,
    });
    return out.split("\0").filter(Boolean);
  } catch {
    return undefined;
  }
}

/** Every regular file under `dir`, relative and POSIX, skipping excluded folders. */
function walk(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (!EXCLUDED_DIRS.has(entry.name)) out.push(...walk(dir, rel));
    } else if (entry.isFile() || entry.isSymbolicLink()) out.push(rel);
  }
  return out;
}

/**
 * Lists the files of a step's folder: `include` when given, else the git-tracked and untracked
 * non-ignored files when the folder is in a git checkout, else all files. Excluded: the paths in
 * `exclude` (the notebook itself), .nbbuild/, .git/, .ipynb_checkpoints/, __pycache__/.
 */
export function listFolder(dir: string, opts: { include?: string[]; exclude?: Iterable<string> } = {}): FolderFile[] {
  const skip = new Set(opts.exclude ?? []);
  const names = opts.include ?? gitFiles(dir) ?? walk(dir);
  const files: FolderFile[] = [];
  for (const rel of [...new Set(names.map((n) => n.split(path.sep).join("/")))].sort()) {
    if (skip.has(rel) || excluded(rel)) continue;
    const abs = path.join(dir, rel);
    let st;
    try {
      st = statSync(abs);
    } catch {
      continue; // tracked but deleted in the working tree
    }
    if (!st.isFile()) continue;
    files.push({ path: rel, data: readFileSync(abs), mode: st.mode & 0o100 ? 0o775 : 0o664 });
  }
  return files;
}
