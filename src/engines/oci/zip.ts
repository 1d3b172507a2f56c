/**
 * A small zip reader for wheels: the central directory (zip64 included), stored and deflated
 * members, Unix modes from the external attributes. Reads a whole archive held in memory.
 */
import { inflateRawSync } from "node:zlib";

/** One member of a zip archive. */
export interface ZipEntry {
  /** Path inside the archive (`/`-separated, as written). */
  name: string;
  /** Unix permission bits when the archive was made on Unix, else undefined. */
  mode?: number;
  directory: boolean;
  /** The member's bytes (inflated on each call). */
  read(): Buffer;
}

const EOCD = 0x06054b50;
const EOCD64 = 0x06064b50;
const EOCD64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

function fail(why: string): never {
  throw new Error(`not a readable zip archive: ${why}`);
}

/** Offset of the end-of-central-directory record (searched backwards over a possible comment). */
function findEocd(zip: Buffer): number {
  for (let at = zip.length - 22; at >= Math.max(0, zip.length - 22 - 0xffff); at--) if (zip.readUInt32LE(at) === EOCD) return at;
  return fail("no end of central directory");
}

/** The 64-bit fields of a zip64 extra field that the 32-bit ones mark as overflowing. */
function zip64Fields(extra: Buffer, want: { size: boolean; compressed: boolean; offset: boolean }): { size?: number; compressed?: number; offset?: number } {
  for (let at = 0; at + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(at);
    const len = extra.readUInt16LE(at + 2);
    if (id === 0x0001) {
      let p = at + 4;
      const next = () => {
        const v = Number(extra.readBigUInt64LE(p));
        p += 8;
        return v;
      };
      return { size: want.size ? next() : undefined, compressed: want.compressed ? next() : undefined, offset: want.offset ? next() : undefined };
    }
    at += 4 + len;
  }
  return fail("a zip64 member without its zip64 extra field");
}

/** The members of a zip archive, in central-directory order. */
export function readZip(zip: Buffer): ZipEntry[] {
  const eocd = findEocd(zip);
  let count = zip.readUInt16LE(eocd + 10);
  let dirOffset = zip.readUInt32LE(eocd + 16);
  if (count === 0xffff || dirOffset === 0xffffffff) {
    const locator = eocd - 20;
    if (locator < 0 || zip.readUInt32LE(locator) !== EOCD64_LOCATOR) fail("zip64 fields without a zip64 locator");
    const at = Number(zip.readBigUInt64LE(locator + 8));
    if (zip.readUInt32LE(at) !== EOCD64) fail("bad zip64 end of central directory");
    count = Number(zip.readBigUInt64LE(at + 32));
    dirOffset = Number(zip.readBigUInt64LE(at + 48));
  }
  const entries: ZipEntry[] = [];
  let at = dirOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > zip.length || zip.readUInt32LE(at) !== CENTRAL) fail(`bad central directory entry ${i}`);
    const madeBy = zip.readUInt16LE(at + 4) >> 8;
    const flags = zip.readUInt16LE(at + 8);
    const method = zip.readUInt16LE(at + 10);
    let compressed = zip.readUInt32LE(at + 20);
    let size = zip.readUInt32LE(at + 24);
    const nameLen = zip.readUInt16LE(at + 28);
    const extraLen = zip.readUInt16LE(at + 30);
    const commentLen = zip.readUInt16LE(at + 32);
    const external = zip.readUInt32LE(at + 38);
    let local = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLen).toString(flags & 0x800 ? "utf8" : "latin1");
    const extra = zip.subarray(at + 46 + nameLen, at + 46 + nameLen + extraLen);
    if (size === 0xffffffff || compressed === 0xffffffff || local === 0xffffffff) {
      const f = zip64Fields(extra, { size: size === 0xffffffff, compressed: compressed === 0xffffffff, offset: local === 0xffffffff });
      size = f.size ?? size;
      compressed = f.compressed ?? compressed;
      local = f.offset ?? local;
    }
    at += 46 + nameLen + extraLen + commentLen;
    if (flags & 0x1) fail(`${name} is encrypted`);
    if (method !== 0 && method !== 8) fail(`${name} uses compression method ${method} (only stored and deflate are read)`);
    const unixMode = madeBy === 3 ? (external >>> 16) & 0o7777 : undefined;
    entries.push({
      name,
      mode: unixMode || undefined,
      directory: name.endsWith("/"),
      read: () => {
        if (zip.readUInt32LE(local) !== LOCAL) fail(`bad local header of ${name}`);
        const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
        const raw = zip.subarray(start, start + compressed);
        const data = method === 0 ? Buffer.from(raw) : inflateRawSync(raw);
        if (data.length !== size) fail(`${name} inflates to ${data.length} bytes, not ${size}`);
        return data;
      },
    });
  }
  return entries;
}
