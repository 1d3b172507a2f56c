/**
 * Reproducible layer tarballs: entries sorted by path, fixed owner, mtimes from an input time,
 * no user/group names, gzip with a fixed header. The same files give the same digest anywhere.
 */
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";

/** One entry of a layer: a path inside the image (no leading `/`), a directory, a file or a link. */
export interface LayerEntry {
  path: string;
  type: "directory" | "file" | "symlink";
  mode: number;
  uid: number;
  gid: number;
  data?: Buffer;
  /** Target of a symbolic link. */
  linkTarget?: string;
}

/** A written layer: the compressed blob and the digests the manifest and config need. */
export interface BuiltLayer {
  blob: Buffer;
  /** sha256 of the compressed blob (manifest). */
  digest: string;
  /** sha256 of the uncompressed tar (config rootfs.diff_ids). */
  diffId: string;
}

const sha = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/** Parent directories of `p` (`a/b/c` → `a`, `a/b`). */
function parents(p: string): string[] {
  const parts = p.split("/");
  return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join("/"));
}

/**
 * Adds a directory entry, owned like `owner` and group-writable, for every missing parent inside
 * `ownedRoot`. Folders above it come from the layers below (an entry here would override them).
 */
export function withParents(entries: LayerEntry[], ownedRoot: string, owner: { uid: number; gid: number }): LayerEntry[] {
  const byPath = new Map(entries.map((e) => [e.path, e]));
  for (const e of entries) {
    for (const dir of parents(e.path)) {
      if (byPath.has(dir) || !(dir === ownedRoot || dir.startsWith(`${ownedRoot}/`))) continue;
      byPath.set(dir, { path: dir, type: "directory", mode: 0o775, ...owner });
    }
  }
  return [...byPath.values()];
}

/** Writes the entries as a tar (sorted) and gzips it reproducibly. */
export async function buildLayer(entries: LayerEntry[], mtime: Date): Promise<BuiltLayer> {
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const p = pack();
  const chunks: Buffer[] = [];
  p.on("data", (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    p.on("end", resolve);
    p.on("error", reject);
  });
  for (const e of sorted) {
    const header = { name: e.type === "directory" ? `${e.path}/` : e.path, type: e.type, mode: e.mode, uid: e.uid, gid: e.gid, uname: "", gname: "", mtime };
    if (e.type === "file") p.entry({ ...header, size: e.data!.length }, e.data!);
    else if (e.type === "symlink") p.entry({ ...header, mode: 0o777, linkname: e.linkTarget! });
    else p.entry(header);
  }
  p.finalize();
  await done;
  const tar = Buffer.concat(chunks);
  const blob = gzipSync(tar, { level: 6 });
  // gzip header: MTIME (bytes 4-7) is already 0; OS (byte 9) differs between platforms — fix it.
  blob[9] = 0xff;
  return { blob, digest: sha(blob), diffId: sha(tar) };
}
