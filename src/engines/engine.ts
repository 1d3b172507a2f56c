/**
 * The engine interface: the one seam between nbbuild and an image builder. Each implementation
 * lives in its own file (docker.ts, buildah.ts, podman.ts) and declares `implements Engine`;
 * `makeEngine` (factory.ts) is the only place that picks and wires one.
 */

/** One file of a build context: a POSIX path relative to the context root, its bytes and mode. */
export interface ContextFile {
  path: string;
  data: Buffer;
  /** Permission bits (e.g. 0o664); group bits equal user bits so group 0 can write. */
  mode: number;
}

/** A complete build context: its files, and which one is the Containerfile. */
export interface BuildContextFiles {
  files: ContextFile[];
  /** Path of the Containerfile inside `files`. */
  containerfile: string;
}

/** What an engine knows about an image it holds. */
export interface ImageInfo {
  /** Image id (config digest, `sha256:…`). */
  id: string;
  /** Registry digests known for the image (`repo@sha256:…`). */
  repoDigests: string[];
  /** The configured user (`1001`), "" when unset. */
  user: string;
  labels: Record<string, string>;
}

/** Options of one build. `buildArgs` may carry credentials: engines never log or persist them. */
export interface BuildOptions {
  buildArgs?: Record<string, string>;
  /**
   * Names of build args that carry secrets: the engine leaves no local image behind whose
   * history records their values (an earlier stage's cache, say).
   */
  secretArgs?: string[];
  /** Network for RUN instructions: "host" lets pip reach a 127.0.0.1 index. */
  network?: "host" | "none" | "default";
  /** Receives build output lines (already stripped of build-arg values). */
  onLog?: (line: string) => void;
}

/** An image builder and store: build, look up, pull, push. */
export interface Engine {
  readonly name: "docker" | "buildah" | "podman";
  /** Looks up an image by tag, id or digest reference; undefined when the engine does not have it. */
  inspect(ref: string): Promise<ImageInfo | undefined>;
  /** Makes `ref` available locally (no-op when present); throws when it cannot be fetched. */
  pull(ref: string): Promise<ImageInfo>;
  /** Builds the context into an image tagged `tag`. */
  build(context: BuildContextFiles, tag: string, opts?: BuildOptions): Promise<ImageInfo>;
  /** Pushes local `tag` to `remoteRef` (`registry/repo:tag`) and returns the manifest digest. */
  push(tag: string, remoteRef: string): Promise<string>;
  /** Releases clients and temporary files. */
  close(): Promise<void>;
}

/** Engines `makeEngine` accepts. */
export type EngineName = Engine["name"] | "auto";

/** True when a reference points at a registry on the loopback interface (plain http allowed). */
export function isLoopbackRegistry(ref: string): boolean {
  const host = ref.split("/")[0] ?? "";
  return ref.includes("/") && /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/.test(host);
}

/** Replaces every build-arg value in `text` by `***` (build output may echo them). */
export function redact(text: string, args: Record<string, string> | undefined): string {
  let out = text;
  for (const v of Object.values(args ?? {})) if (v && v.length >= 4) out = out.split(v).join("***");
  return out;
}
