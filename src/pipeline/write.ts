/**
 * The `nbbuild pipeline` stage: plan the input, find (or build) its images, emit KFP IR or an Argo
 * Workflow, validate the exact bytes, and write them atomically.
 */
import path from "node:path";
import { ensureImages } from "../images/ensure-images.js";
import type { BuildRecord } from "../images/record-types.js";
import { NbbuildError } from "../errors.js";
import { loadPlan } from "../readers.js";
import type { Plan } from "../plan/types.js";
import { writeOwnOutput } from "../io/own-outputs.js";
import { toArgoWorkflow } from "./argo.js";
import { DEFAULT_KFP_VERSION, toKfpIr } from "./kfp.js";
import { assertValidArgo } from "./validate-argo.js";
import { assertValidKfp } from "./validate-kfp.js";
import { parseYamlDocuments, stringifyArgo, stringifyKfp } from "./yaml.js";
import type { BuildInputs } from "../images/build-inputs.js";

/** Output formats of `nbbuild pipeline`. */
export type PipelineFormat = "kfp" | "argo";

/** What the pipeline file says beyond the Plan (flags). */
export interface PipelineRenderOptions {
  format: PipelineFormat;
  name?: string;
  description?: string;
  imagePullSecrets?: string[];
  /** Oldest KFP backend to target (default 2.0.5). */
  kfpVersion?: string;
}

/** Emits, stringifies and validates a pipeline file's text (validation reads back the exact bytes). */
export function renderPipeline(plan: Plan, record: BuildRecord, opts: PipelineRenderOptions, outFile = "pipeline.yaml"): { text: string; warnings: string[] } {
  if (opts.kfpVersion !== undefined && !/^\d+\.\d+(\.\d+)?$/.test(opts.kfpVersion)) {
    throw NbbuildError.at({ file: "--kfp-version" }, `"${opts.kfpVersion}" is not a version like 2.0.5`);
  }
  const common = { name: opts.name, description: opts.description, imagePullSecrets: opts.imagePullSecrets };
  if (opts.format === "argo") {
    const { workflow, warnings } = toArgoWorkflow(plan, record, common);
    const text = stringifyArgo(workflow);
    assertValidArgo(parseYamlDocuments(text)[0], outFile);
    return { text, warnings };
  }
  const kfpVersion = opts.kfpVersion ?? DEFAULT_KFP_VERSION;
  const ir = toKfpIr(plan, record, { ...common, kfpVersion });
  const text = stringifyKfp(ir);
  assertValidKfp(parseYamlDocuments(text), outFile, { kfpVersion });
  return { text, warnings: ir.warnings };
}


/** Everything `nbbuild pipeline` accepts. */
export interface PipelineFileOptions extends PipelineRenderOptions {
  /** Output path (default `<notebook folder>/<plan name>.yaml`, `.argo.yaml` for Argo). */
  output?: string;
  /** Build missing or stale images first. */
  build?: boolean;
  engine?: string;
  /** Base, image map, requirements file and pip settings for --build, as `nbbuild image` takes them. */
  inputs?: BuildInputs;
  /** Registry/prefix to push to when building (clusters need pushed images). */
  push?: string;
  onWarning?: (w: string) => void;
  onProgress?: (line: string) => void;
}

/** Default output path of a plan's pipeline file. */
export function defaultOutput(plan: Plan, format: PipelineFormat): string {
  return path.join(plan.root, `${plan.name}${format === "argo" ? ".argo" : ""}.yaml`);
}

/** Runs the whole stage for `file` and returns where it wrote. */
export async function writePipelineFile(file: string, opts: PipelineFileOptions): Promise<{ path: string; steps: number }> {
  // --name/--description only rename the pipeline in the file: the plan (and so its build record) keeps its own name.
  // --base is a build option, not part of the plan: the plan (and its hash in the build record) stays the same.
  const plan = await loadPlan(file);
  const record = await ensureImages(plan, {
    build: opts.build,
    engine: opts.engine ?? "auto",
    inputs: opts.inputs,
    push: opts.push,
    buildCommand: `nbbuild image ${file} --push <registry>/<prefix>`,
    onWarning: opts.onWarning,
    onProgress: opts.onProgress,
  });
  const out = path.resolve(opts.output ?? defaultOutput(plan, opts.format));
  const { text, warnings } = renderPipeline(plan, record, opts, out);
  for (const w of warnings) opts.onWarning?.(w);
  writeOwnOutput(plan.root, out, text); // remembered, so the folder image leaves it out
  return { path: out, steps: plan.steps.length };
}
