/**
 * One description of an image, engine-neutral: what it builds on, its ordered layers (file lists
 * with modes and owner) and its config. The oci engine writes the layers from it directly; the
 * Containerfile that docker, buildah and podman receive is one rendering of it.
 */
import type { ContextFile } from "../engines/engine.js";
import type { ImportRequirement } from "./requirements.js";

/** One file (or symbolic link) of a layer: a POSIX path relative to the layer's destination folder. */
export type LayerFile = ContextFile;

/** A layer that copies files into one folder of the image. */
export interface LayerDescription {
  /** Folder of the build context the Containerfile copies from (`src`, `nbbuild`). */
  contextDir: string;
  /** Absolute folder in the image (`/opt/app-root/src`). */
  dest: string;
  uid: number;
  gid: number;
  files: LayerFile[];
}

/** Config the image sets on top of what it builds on. */
export interface ImageConfigDescription {
  /** Variables in order; a value may use `${NAME:-default}` of the image below. */
  env?: [string, string][];
  user?: string;
  workdir?: string;
  labels?: Record<string, string>;
}

/** Python packages a dependency image adds to its base (installed when the base lacks them). */
export interface PackageSet {
  requirements: string[];
  imports: ImportRequirement[];
}

/** The engine-neutral description of one image. */
export interface ImageDescription {
  /** Image below: a registry reference (pinned when known) or another description's local tag. */
  from: string;
  /** Folders created empty, owned uid:gid, group-writable (the app-root layout). */
  dirs?: { paths: string[]; uid: number; gid: number };
  layers: LayerDescription[];
  /** Packages to install (dependency images only). */
  packages?: PackageSet;
  config: ImageConfigDescription;
  /** RFC 3339 time for layer mtimes and the config's `created` (an input, never the clock). */
  created: string;
}

/** The Containerfile instructions of a description's layers and config (after its FROM). */
export function containerfileBody(d: Pick<ImageDescription, "layers" | "config">): string {
  const lines: string[] = [];
  for (const l of d.layers) lines.push(`COPY --chown=${l.uid}:${l.gid} ${l.contextDir}/ ${l.dest}/`);
  const env = d.config.env ?? [];
  if (env.length) lines.push(`ENV ${env.map(([k, v]) => `${k}=${v}`).join(" \\\n    ")}`);
  if (d.config.user) lines.push(`USER ${d.config.user}`);
  if (d.config.workdir) lines.push(`WORKDIR ${d.config.workdir}`);
  const labels = Object.entries(d.config.labels ?? {});
  if (labels.length) lines.push(`LABEL ${labels.map(([k, v]) => `${JSON.stringify(k)}=${JSON.stringify(v)}`).join(" ")}`);
  return lines.join("\n") + "\n";
}

/** The Containerfile of a description without packages: comment lines, FROM, the body. */
export function renderContainerfile(d: ImageDescription, comment: string[]): string {
  return [...comment.map((c) => `# ${c}`), `FROM ${d.from}`, containerfileBody(d)].join("\n");
}

/** The build-context files of a description's layers (each under its context folder). */
export function layerContextFiles(d: Pick<ImageDescription, "layers">): ContextFile[] {
  return d.layers.flatMap((l) => l.files.map((f) => ({ ...f, path: `${l.contextDir}/${f.path}` })));
}
