import type { Command } from "commander";
import { collectImageMap, type ImageMapRule } from "../render/image-map.js";
import type { BuildInputs } from "../images/build-inputs.js";
import { mergePipOptions, pipOptionsFromEnv, type PipOptions } from "../render/pip.js";

/** commander reducer for a repeatable flag: each use appends its value. */
export const collect = (v: string, prev: string[] = []) => [...prev, v];

/** The --image-map flags, accepted by every command that builds. */
export interface ImageMapFlags {
  imageMap?: string[];
  imageMapFile?: string[];
}

/** The flags that decide what goes into an image, shared by every command that builds. */
export interface BuildInputFlags extends ImageMapFlags {
  base?: string;
  requirements?: string;
  indexUrl?: string;
  extraIndexUrl?: string[];
  findLinks?: string[];
  /** commander's `--no-index` sets `index: false`. */
  index?: boolean;
}

/** Adds --image-map and --image-map-file (for image, context, pipeline --build, run --build). */
export function addImageMapOptions(command: Command): Command {
  return command
    .option("--image-map <from=to>", "use image TO wherever a base image FROM is named (step, node, metadata, --base, default); FROM without tag maps a whole repository (repeatable)", collect)
    .option("--image-map-file <file>", "FROM=TO lines (# comments allowed), as --image-map (repeatable)", collect);
}

/** The image-map rules of the flags, then of $NBBUILD_IMAGE_MAP (comma- or newline-separated FROM=TO). */
export function imageMapOf(flags: ImageMapFlags): ImageMapRule[] {
  return collectImageMap(flags, process.env);
}

/** Adds --base, --image-map, --requirements and the pip source flags to a command. */
export function addBuildInputOptions(command: Command): Command {
  return addImageMapOptions(command)
    .option("--base <image>", "base image (default: notebook metadata, else $NBBUILD_BASE, else python:3.11-slim)")
    .option("--requirements <file>", "requirements file (default: requirements.txt beside the notebook)")
    .option("--index-url <url>", "pip index URL (credentials allowed: they never reach an image or a written file)")
    .option("--extra-index-url <url>", "extra pip index URL (repeatable)", collect)
    .option("--find-links <url|dir>", "pip --find-links URL, or a local folder copied into the install stage only (repeatable)", collect)
    .option("--no-index", "ignore package indexes: install only from --find-links");
}

/** The build inputs of the flags (and PIP_*, NBBUILD_IMAGE_MAP): one reading for every command that builds. */
export function buildInputsOf(flags: BuildInputFlags): BuildInputs {
  return { base: flags.base, imageMap: imageMapOf(flags), requirementsFile: flags.requirements, pip: pipOptionsOf(flags) };
}

/** Pip settings from the flags, completed by PIP_* environment variables. */
export function pipOptionsOf(flags: BuildInputFlags): PipOptions {
  return mergePipOptions(
    { indexUrl: flags.indexUrl, extraIndexUrls: flags.extraIndexUrl, findLinks: flags.findLinks, noIndex: flags.index === false ? true : undefined },
    pipOptionsFromEnv(),
  );
}
