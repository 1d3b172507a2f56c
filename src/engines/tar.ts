import { pack, type Pack } from "tar-stream";
import type { ContextFile } from "./engine.js";

/** Fixed mtime of every context entry, so identical files give identical tars and cache keys. */
const EPOCH = new Date(0);

/** Parent directories of every file, shallowest first, excluding the root. */
function parentDirs(files: ContextFile[]): string[] {
  const dirs = new Set<string>();
  for (const f of files) {
    const parts = f.path.split("/");
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
  }
  return [...dirs].sort();
}

/** Streams a build context as a deterministic tar (sorted paths, uid/gid 0, mtime 0). */
export function tarContext(files: ContextFile[]): Pack {
  const p = pack();
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const d of parentDirs(sorted)) {
    p.entry({ name: `${d}/`, type: "directory", mode: 0o775, mtime: EPOCH, uid: 0, gid: 0 });
  }
  for (const f of sorted) {
    if (f.linkTarget !== undefined) p.entry({ name: f.path, type: "symlink", linkname: f.linkTarget, mode: 0o777, mtime: EPOCH, uid: 0, gid: 0 });
    else p.entry({ name: f.path, type: "file", mode: f.mode, mtime: EPOCH, uid: 0, gid: 0, size: f.data.length }, f.data);
  }
  p.finalize();
  return p;
}
