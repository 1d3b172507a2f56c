import type { BuildContextFiles } from "../engines/engine.js";
import type { ImageDescription } from "./image-description.js";
import type { Diagnostic } from "../plan/types.js";
import type { ImageMapRule } from "./image-map.js";
import type { PipOptions } from "./pip.js";
import type { ImportRequirement } from "./requirements.js";

/** A base image reference as the engine resolved it. */
export interface ResolvedBase {
  /** Reference the Containerfile's FROM uses (pinned `repo@sha256:…` when the digest is known). */
  ref: string;
  /** Registry manifest digest, when known. */
  digest?: string;
  /** Local image id, when known (identifies an unpinned local base). */
  id?: string;
  /** The base's configured user when known ("" or "root": no USER switch is needed to install). */
  user?: string;
}

/** Options of the renderer: flags and facts resolved before rendering (no I/O happens on them). */
export interface RenderOptions {
  /** `--base`: the default base for steps without their own image. */
  base?: string;
  /** Base-image mapping rules (default: those of $NBBUILD_IMAGE_MAP in `env`). */
  imageMap?: ImageMapRule[];
  /** Bases resolved by the engine, keyed by the reference as written (see `stepBase`). */
  bases?: Record<string, ResolvedBase>;
  /** `--requirements FILE` (absolute or relative to the working directory). */
  requirementsFile?: string;
  /** Pip settings; only their credential-free form reaches hashes and files. */
  pip?: PipOptions;
  /** Labels describing where the build came from (not part of any content hash). */
  provenance?: Provenance;
  /** Environment for NBBUILD_BASE and NBBUILD_IMAGE_MAP (defaults to process.env). */
  env?: NodeJS.ProcessEnv;
}

/** The build context of a dependency image, shared by every step with the same dependency set. */
export interface DependencyContext extends BuildContextFiles {
  /** `nbbuild-deps:<hash>`. */
  tag: string;
  hash: string;
  /** Base as written and as resolved. */
  base: string;
  resolvedBase: ResolvedBase;
  /** Requirement lines (requirements.txt, %pip lines), sorted. */
  requirements: string[];
  /** The requirements file read (as given to --requirements, else relative to the plan root), when one exists. */
  requirementsFile?: string;
  /** Imports without a matching requirement line, installed only when the base lacks them. */
  imports: ImportRequirement[];
  image: ImageDescription;
  /**
   * Set when the pip settings carry credentials: the context folder (e.g. nbbuild-deps/wheelhouse)
   * the builder fills with wheels fetched on the host; the image installs from it offline.
   */
  wheelhouse?: string;
}

/** The build context of a folder image (dependency image + the step's working folder). */
export interface FolderContext extends BuildContextFiles {
  /** `nbbuild-src:<hash>`. */
  tag: string;
  hash: string;
  image: ImageDescription;
}

/**
 * Everything needed to build one step, in build order: its dependency image, its folder image
 * (shared by the steps of a notebook; absent when the folder is empty) and its own context.
 */
export interface RenderedStep extends BuildContextFiles {
  step: string;
  /** `nbbuild/<plan>-<step>:<hash>`. */
  tag: string;
  /** Hash of everything that goes into the image except provenance labels. */
  contentHash: string;
  deps: DependencyContext;
  folder?: FolderContext;
  labels: Record<string, string>;
  diagnostics: Diagnostic[];
  /** The step image; `files` + `containerfile` are its rendering for docker/buildah/podman. */
  image: ImageDescription;
}

/** Where the images come from: written into OCI labels, never part of a content hash. */
export interface Provenance {
  /** Repository URL without credentials, or the notebook path when not in git. */
  source: string;
  /** Git commit of the checkout, "" outside git. */
  revision: string;
  /** RFC 3339 time: SOURCE_DATE_EPOCH, else the notebook's last commit time, else the Unix epoch. */
  created: string;
  /** sha256 of the notebook (or .pipeline) file. */
  notebookDigest: string;
}
