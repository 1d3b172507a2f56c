/**
 * The oci builder's local store: content-addressed blobs (`blobs/sha256/<hex>`, as in an OCI
 * layout), local tags (`refs/<tag>` → manifest digest), where each blob can be fetched from, and
 * which blobs each registry repository is known to hold (so a push asks nothing it already knows).
 * Everything is keyed by digest or written atomically, so concurrent builds can share it.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";

/** Where the store lives: $NBBUILD_OCI_STORE, else $XDG_CACHE_HOME/nbbuild/oci, else ~/.cache/nbbuild/oci. */
export function defaultStoreDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.NBBUILD_OCI_STORE) return env.NBBUILD_OCI_STORE;
  const cache = env.XDG_CACHE_HOME || path.join(env.HOME || homedir(), ".cache");
  return path.join(cache, "nbbuild", "oci");
}

/** An OCI descriptor. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  artifactType?: string;
  platform?: { architecture: string; os: string };
}

/** An OCI image manifest (the fields we write and read). */
export interface Manifest {
  schemaVersion: 2;
  mediaType: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** What the store knows about a local tag. */
export interface RefEntry {
  /** Manifest digest. */
  digest: string;
  /** True for a tag this store built (not read from a registry). */
  local?: boolean;
}

const tmpName = (file: string) => `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;

/** Writes `data` to `file` through a temporary sibling and a rename. */
function writeAtomic(file: string, data: Buffer | string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = tmpName(file);
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

export const sha256Digest = (data: Buffer | string) => `sha256:${createHash("sha256").update(data).digest("hex")}`;

export class OciStore {
  constructor(readonly dir: string = defaultStoreDir()) {
    mkdirSync(path.join(dir, "blobs", "sha256"), { recursive: true });
  }

  blobPath(digest: string): string {
    return path.join(this.dir, "blobs", ...digest.split(":"));
  }

  hasBlob(digest: string): boolean {
    return existsSync(this.blobPath(digest));
  }

  /** Stores bytes; returns their descriptor (without media type). */
  putBlob(data: Buffer): { digest: string; size: number } {
    const digest = sha256Digest(data);
    if (!this.hasBlob(digest)) writeAtomic(this.blobPath(digest), data);
    return { digest, size: data.length };
  }

  readBlob(digest: string): Buffer {
    return readFileSync(this.blobPath(digest));
  }

  readJson<T>(digest: string): T {
    return JSON.parse(this.readBlob(digest).toString("utf8")) as T;
  }

  private refPath(tag: string): string {
    return path.join(this.dir, "refs", encodeURIComponent(tag));
  }

  setRef(tag: string, entry: RefEntry): void {
    writeAtomic(this.refPath(tag), JSON.stringify(entry));
  }

  getRef(tag: string): RefEntry | undefined {
    try {
      return JSON.parse(readFileSync(this.refPath(tag), "utf8")) as RefEntry;
    } catch {
      return undefined;
    }
  }

  /** Remembers a repository (`host/repo`) a blob can be fetched or mounted from. */
  setSource(digest: string, repository: string): void {
    const file = path.join(this.dir, "sources", digest.replace(":", "-"));
    if (!existsSync(file)) writeAtomic(file, repository);
  }

  getSource(digest: string): string | undefined {
    try {
      return readFileSync(path.join(this.dir, "sources", digest.replace(":", "-")), "utf8");
    } catch {
      return undefined;
    }
  }

  private knownPath(repository: string, digest: string): string {
    return path.join(this.dir, "known", encodeURIComponent(repository), digest.replace(":", "-"));
  }

  /** Records that registry repository `host/repo` holds blob `digest`. */
  markKnown(repository: string, digest: string): void {
    const file = this.knownPath(repository, digest);
    if (!existsSync(file)) writeAtomic(file, "");
  }

  isKnown(repository: string, digest: string): boolean {
    return existsSync(this.knownPath(repository, digest));
  }

  /** A derived fact about a blob (e.g. what a layer holds), cached by digest and kind. */
  async fact<T>(kind: string, digest: string, compute: () => Promise<T>): Promise<T> {
    const file = path.join(this.dir, "facts", kind, digest.replace(":", "-") + ".json");
    try {
      return JSON.parse(readFileSync(file, "utf8")) as T;
    } catch {
      const value = await compute();
      writeAtomic(file, JSON.stringify(value));
      return value;
    }
  }
}
