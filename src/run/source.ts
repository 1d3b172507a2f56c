/**
 * Notebook / .pipeline input for `nbbuild run`: plan it, find its images in the build record
 * (or build them with --build), and produce the KFP IR in memory with the pipeline writer, so a
 * local run executes exactly what `nbbuild pipeline` would write.
 */
import { buildImages, readBuildRecord } from "../build/build-images.js";
import { makeEngine } from "../engines/factory.js";
import { NbbuildError } from "../errors.js";
import { toKfpIr } from "../pipeline/kfp.js";
import { loadPlan } from "../plan/load.js";
import { hashJson } from "../render/hash.js";
import type { Plan } from "../plan/types.js";
import { parseIrDocuments, type RunGraph } from "./ir.js";

/** Options for turning a notebook into a run graph. */
export interface SourceOptions {
  /** Build missing images first. */
  build?: boolean;
  /** Engine to build with (docker or podman). */
  engine?: string;
  /** Base image for --build (default: the plan's, then NBBUILD_BASE). */
  base?: string;
  onWarning?: (w: string) => void;
  onProgress?: (line: string) => void;
}

/** Plans `file`, reads (or builds) its images and returns the run graph of its KFP IR. */
export async function irFromSource(file: string, opts: SourceOptions = {}): Promise<{ graph: RunGraph; root: string; plan: Plan }> {
  const plan = await loadPlan(file);
  let record = readBuildRecord(plan);
  const missing = plan.steps.filter((s) => !record?.steps[s.name]).map((s) => s.name);
  const stale = record !== undefined && record.planHash !== `sha256:${hashJson(plan)}`;
  if (stale && !opts.build) {
    opts.onWarning?.(`${plan.source.file} changed since its images were built; run nbbuild image again (or pass --build)`);
  }
  if (missing.length || (stale && opts.build)) {
    if (!opts.build) {
      throw NbbuildError.at(
        { file: plan.source.file },
        record ? `no image in the build record for step(s) ${missing.join(", ")}` : "no build record: the step images were not built",
        `run nbbuild image ${file} first (or pass --build)`,
      );
    }
    const engine = await makeEngine(opts.engine ?? "docker", (m) => opts.onProgress?.(m));
    record = await buildImages(plan, {
      engine,
      base: opts.base,
      onEvent: (e) => opts.onProgress?.(`build ${e.subject}: ${e.state}${e.seconds !== undefined ? ` ${e.seconds}s` : ""}`),
    });
  }
  // The writer's warnings concern clusters (unpushed images, backend versions); a local run
  // reports its own (platform-spec features it cannot honour) from the IR itself.
  const ir = toKfpIr(plan, record!);
  const graph = parseIrDocuments([ir.pipelineSpec, ...(ir.platformSpec ? [ir.platformSpec] : [])], plan.source.file);
  return { graph, root: plan.root, plan };
}
