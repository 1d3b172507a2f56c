/** Reads tar archives in tests: every entry's header fields and bytes, in archive order. */
import { Readable } from "node:stream";
import { gunzipSync } from "node:zlib";
import { extract } from "tar-stream";

export interface TarEntry {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch (-1 when absent). */
  mtime: number;
  data: Buffer;
}

/** The entries of a tar given as bytes (gunzipped first when `gzipped`) or as a stream. */
export async function readTar(input: Buffer | NodeJS.ReadableStream, opts: { gzipped?: boolean } = {}): Promise<TarEntry[]> {
  const out: TarEntry[] = [];
  const ex = extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on("entry", (h, s, next) => {
      const chunks: Buffer[] = [];
      s.on("data", (c: unknown) => chunks.push(c as Buffer));
      s.on("end", () => {
        out.push({ name: h.name, mode: h.mode ?? 0, uid: h.uid ?? -1, gid: h.gid ?? -1, mtime: (h.mtime?.getTime() ?? -1000) / 1000, data: Buffer.concat(chunks) });
        next();
      });
    });
    ex.on("finish", resolve);
    ex.on("error", reject);
  });
  const source = Buffer.isBuffer(input) ? Readable.from([opts.gzipped ? gunzipSync(input) : input]) : (input as Readable);
  source.pipe(ex as unknown as NodeJS.WritableStream);
  await done;
  return out;
}
