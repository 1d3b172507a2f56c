/**
 * nbbuild's own outputs inside a notebook folder (pipeline files, pictures, run folders written
 * outside .nbbuild/): listed in `<root>/.nbbuild/outputs.json` so the folder image leaves them
 * out, and `image` → `pipeline` → `image` finds every image cached.
 */
import { readFileSync, realpathSync } from "node:fs";
import path from "node:path";
import { writeFileAtomic } from "./atomic.js";

const registerPath = (root: string) => path.join(root, ".nbbuild", "outputs.json");

function realOrResolved(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/** Absolute paths of the outputs nbbuild wrote under `root` (files or folders). */
export function ownOutputs(root: string): string[] {
  try {
    const list = JSON.parse(readFileSync(registerPath(root), "utf8")) as { outputs?: unknown };
    const base = realOrResolved(root);
    return Array.isArray(list.outputs) ? list.outputs.filter((o): o is string => typeof o === "string").map((o) => path.join(base, o)) : [];
  } catch {
    return [];
  }
}

/** Remembers that nbbuild wrote `target` (a file or folder); nothing to do when it is outside `root`. */
export function noteOwnOutput(root: string, target: string): void {
  const base = realOrResolved(root);
  const rel = path.relative(base, path.join(realOrResolved(path.dirname(target)), path.basename(target))).split(path.sep).join("/");
  if (!rel || rel.startsWith("../") || rel === ".." || path.isAbsolute(rel) || rel.split("/")[0] === ".nbbuild") return;
  const known = ownOutputs(root).map((o) => path.relative(base, o).split(path.sep).join("/"));
  if (known.includes(rel)) return;
  writeFileAtomic(registerPath(root), JSON.stringify({ outputs: [...known, rel].sort() }, null, 2) + "\n");
}

/** Writes an output file atomically and remembers it as nbbuild's own (see `noteOwnOutput`). */
export function writeOwnOutput(root: string, file: string, text: string): void {
  writeFileAtomic(file, text);
  noteOwnOutput(root, file);
}
