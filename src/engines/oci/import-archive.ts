/**
 * Reads the layers an engine added on top of a base from a docker-archive tarball (`docker save`,
 * `podman save`, `buildah push … docker-archive:`): manifest.json names the config and the layer
 * tars; the config's diff_ids tell which layers are the base's. Those above it come back as layer
 * entries (owners and modes kept, times dropped), ready to be written reproducibly.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import { extract } from "tar-stream";
import type { LayerEntry } from "./layer.js";

/** Reads the members of a tar file whose names `want` accepts, into memory. */
async function readMembers(file: string | Buffer, want: (name: string) => boolean): Promise<Map<string, { data: Buffer; type: string; mode: number; uid: number; gid: number; linkname?: string }>> {
  const out = new Map<string, { data: Buffer; type: string; mode: number; uid: number; gid: number; linkname?: string }>();
  const ex = extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on("entry", (h, stream, next) => {
      const name = h.name.replace(/^(\.\/|\/)+/, "");
      if (!want(name)) {
        stream.on("end", next);
        stream.resume();
        return;
      }
      const chunks: Buffer[] = [];
      stream.on("data", (c: unknown) => chunks.push(c as Buffer));
      stream.on("end", () => {
        out.set(name, { data: Buffer.concat(chunks), type: h.type ?? "file", mode: h.mode ?? 0o644, uid: h.uid ?? 0, gid: h.gid ?? 0, ...(h.linkname ? { linkname: h.linkname } : {}) });
        next();
      });
    });
    ex.on("finish", resolve);
    ex.on("error", reject);
  });
  const src = typeof file === "string" ? createReadStream(file) : Readable.from([file]);
  src.on("error", (e: Error) => ex.destroy(e));
  src.pipe(ex);
  await done;
  return out;
}

/** The entries of one uncompressed layer tar, as LayerEntry values (hard links become copies). */
async function layerEntries(tar: Buffer): Promise<LayerEntry[]> {
  const members = await readMembers(tar, () => true);
  const entries: LayerEntry[] = [];
  for (const [rawName, m] of members) {
    const path = rawName.replace(/\/+$/, "");
    if (!path) continue;
    const base = { path, mode: m.mode & 0o7777, uid: m.uid, gid: m.gid };
    if (m.type === "directory") entries.push({ ...base, type: "directory" });
    else if (m.type === "file" || m.type === "contiguous-file") entries.push({ ...base, type: "file", data: m.data });
    else if (m.type === "symlink") entries.push({ ...base, type: "symlink", linkTarget: m.linkname ?? "" });
    else if (m.type === "link") {
      const target = members.get((m.linkname ?? "").replace(/^(\.\/|\/)+/, ""));
      if (!target) throw new Error(`the hard link ${path} points at ${m.linkname}, which the layer lacks`);
      entries.push({ ...base, type: "file", data: target.data });
    } else throw new Error(`the layer holds ${path} of type ${m.type}, which nbbuild does not copy`);
  }
  return entries;
}

const sha = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/** The entries of each layer of the archived image above `baseDiffIds` (which must be its first layers). */
export async function layersAbove(archive: string, baseDiffIds: string[]): Promise<LayerEntry[][]> {
  const small = await readMembers(archive, (n) => n.endsWith(".json"));
  const manifest = JSON.parse(small.get("manifest.json")?.data.toString("utf8") ?? "null") as { Config: string; Layers: string[] }[] | null;
  if (!manifest?.[0]) throw new Error(`${archive} has no manifest.json`);
  const { Config, Layers } = manifest[0];
  let configBytes = small.get(Config)?.data;
  const wanted = new Set(Layers.slice(baseDiffIds.length));
  // Newer archives keep the config and layers under blobs/sha256/: read what was not read yet.
  const rest = await readMembers(archive, (n) => (n === Config && !configBytes) || wanted.has(n));
  configBytes ??= rest.get(Config)?.data;
  const layerFiles = new Map([...wanted].map((n) => [n, rest.get(n)?.data ?? Buffer.alloc(0)]));
  if (!configBytes) throw new Error(`${archive} lacks its config ${Config}`);
  const config = JSON.parse(configBytes.toString("utf8")) as { rootfs?: { diff_ids?: string[] } };
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== Layers.length || baseDiffIds.some((d, i) => diffIds[i] !== d)) {
    throw new Error("the image the engine built does not start with the base's layers");
  }
  const out: LayerEntry[][] = [];
  for (const [i, name] of Layers.entries()) {
    if (i < baseDiffIds.length) continue;
    const tar = layerFiles.get(name)!;
    if (sha(tar) !== diffIds[i]) throw new Error(`layer ${name} of ${archive} does not match its diff_id (compressed layers are not read)`);
    out.push(await layerEntries(tar));
  }
  return out;
}
