/**
 * Notebook / .pipeline input for `nbbuild run`: plan it, find its images in the build record
 * (or build them with --build), and produce the KFP IR in memory with the pipeline writer, so a
 * local run executes exactly what `nbbuild pipeline` would write.
 */
import { ensureImages } from "../images/ensure-images.js";
import { toKfpIr } from "../pipeline/kfp.js";
import { loadPlan } from "../readers.js";
import type { Plan } from "../plan/types.js";
import type { BuildInputs } from "../images/build-inputs.js";
import { taskName } from "../pipeline/names.js";
import { parseIrDocuments, withStepNames, type RunGraph } from "./ir.js";

/** Options for turning a notebook into a run graph. */
export interface SourceOptions {
  /** Build missing images first. */
  build?: boolean;
  /** Engine to build with (auto, docker, buildah, podman). */
  engine?: string;
  /** Base, image map, requirements file and pip settings for --build, as `nbbuild image` takes them. */
  inputs?: BuildInputs;
  onWarning?: (w: string) => void;
  onProgress?: (line: string) => void;
}

/** Plans `file`, reads (or builds) its images and returns the run graph of its KFP IR. */
export async function irFromSource(file: string, opts: SourceOptions = {}): Promise<{ graph: RunGraph; root: string; plan: Plan }> {
  const plan = await loadPlan(file);
  const record = await ensureImages(plan, {
    build: opts.build,
    engine: opts.engine ?? "auto",
    inputs: opts.inputs,
    buildCommand: `nbbuild image ${file}`,
    onWarning: opts.onWarning,
    onProgress: opts.onProgress,
  });
  // The writer's warnings concern clusters (unpushed images, backend versions); a local run
  // reports its own (platform-spec features it cannot honour) from the IR itself.
  const ir = toKfpIr(plan, record);
  const parsed = parseIrDocuments([ir.pipelineSpec, ...(ir.platformSpec ? [ir.platformSpec] : [])], plan.source.file);
  const steps = new Map(plan.steps.map((s) => [taskName(s.name), s.name]));
  const graph = withStepNames(parsed, (t) => steps.get(t));
  return { graph, root: plan.root, plan };
}
