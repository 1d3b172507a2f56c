/**
 * The seams between nbbuild and container tools, in go-containerregistry/ko terms: a `Builder`
 * makes images into its own store, a `Publisher` copies a built image to a sink (a registry, an
 * OCI layout folder, a docker-archive tarball, a docker daemon), a `ContainerRunner` runs one.
 * Each implementation lives in its own file; factory.ts is the only place that picks and wires one.
 */
import type { ImageDescription } from "../render/image-description.js";
import type { PipOptions } from "../render/pip.js";
import type { StepAttestation } from "./oci/attestations.js";

/** One file of a build context: a POSIX path relative to the context root, its bytes and mode. */
export interface ContextFile {
  path: string;
  data: Buffer;
  /** Permission bits (e.g. 0o664); group bits equal user bits so group 0 can write. */
  mode: number;
  /** Set for a symbolic link: its (relative) target; `data` is then empty. */
  linkTarget?: string;
}

/** A complete build context: its files, and which one is the Containerfile. */
export interface BuildContextFiles {
  files: ContextFile[];
  /** Path of the Containerfile inside `files`. */
  containerfile: string;
  /** The image the context describes, engine-neutral (the oci engine builds from this alone). */
  image?: ImageDescription;
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
  /**
   * Index settings for a builder that fetches packages itself on this machine (oci); may carry
   * credentials, which reach only the host's pip (never a layer, label or history entry).
   */
  pip?: PipOptions;
}

/** Builder names --engine accepts (besides "auto"). */
export type BuilderName = "docker" | "buildah" | "podman" | "oci" | "s2i";

/** An image builder and its local store: build, look up, pull. */
export interface Builder {
  readonly name: BuilderName;
  /** Looks up an image by tag, id or digest reference; undefined when the store does not have it. */
  inspect(ref: string): Promise<ImageInfo | undefined>;
  /** Makes `ref` available locally (no-op when present); throws when it cannot be fetched. */
  pull(ref: string): Promise<ImageInfo>;
  /** Builds the context into an image tagged `tag`. */
  build(context: BuildContextFiles, tag: string, opts?: BuildOptions): Promise<ImageInfo>;
  /** Releases clients and temporary files. */
  close(): Promise<void>;
}

/** Copies an image a builder made to a sink; returns the manifest digest there (ko's publish.Interface). */
export interface Publisher {
  /** Publishes local `tag` as `ref` (`registry/repo:tag` for a registry sink). */
  publish(tag: string, ref: string): Promise<string>;
  /**
   * Attaches an SBOM and provenance to image `digest` just published as `ref` (registry sinks of
   * the oci builder); returns the attachments' manifest digests.
   */
  attach?(ref: string, digest: string, facts: StepAttestation): Promise<string[]>;
}

/** The daemon and CLI engines: a builder whose store can push to a registry itself. */
export interface Engine extends Builder, Publisher {
  /** Writes local image `tag` to `file` as a docker-archive tarball (what `docker save` writes). */
  exportArchive(tag: string, file: string): Promise<void>;
}

/** Engines --engine accepts. */
export type EngineName = BuilderName | "auto";

/** Replaces every build-arg value in `text` by `***` (build output may echo them). */
export function redact(text: string, args: Record<string, string> | undefined): string {
  let out = text;
  for (const v of Object.values(args ?? {})) if (v && v.length >= 4) out = out.split(v).join("***");
  return out;
}
