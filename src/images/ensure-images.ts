import { makeBuilder } from "../engines/factory.js";
import { NbbuildError } from "../errors.js";
import type { Plan } from "../plan/types.js";
import type { BuildInputs } from "./build-inputs.js";
import { buildImages } from "./build-images.js";
import { planHash, readBuildRecord } from "./record.js";
import type { BuildRecord } from "./record-types.js";

/** Options of `ensureImages`. */
export interface EnsureImagesOptions {
  /** --build: build missing or stale images instead of failing or warning. */
  build?: boolean;
  /** Engine for --build. */
  engine: string;
  /** Base, image map, requirements file and pip settings, as `nbbuild image` takes them. */
  inputs?: BuildInputs;
  push?: string;
  /** The command that builds the images by hand, named in the error's fix. */
  buildCommand: string;
  onWarning?: (w: string) => void;
  onProgress?: (line: string) => void;
}

/**
 * The build record a later stage (pipeline writer, local runner) needs for `plan`: read it, say
 * how to build when images are missing, warn when the notebook changed since, or — with --build —
 * build what is missing or stale.
 */
export async function ensureImages(plan: Plan, opts: EnsureImagesOptions): Promise<BuildRecord> {
  const record = readBuildRecord(plan);
  const missing = plan.steps.filter((s) => !record?.steps[s.name]).map((s) => s.name);
  const stale = record !== undefined && record.planHash !== planHash(plan);
  if (record && !missing.length && !(stale && opts.build)) {
    if (stale) opts.onWarning?.(`${plan.source.file} changed since its images were built; the old images are used — run nbbuild image again (or pass --build)`);
    return record;
  }
  if (!opts.build) {
    throw NbbuildError.at(
      { file: plan.source.file },
      record ? `no image in the build record for step(s) ${missing.join(", ")}` : "no build record: the step images were not built yet",
      `run ${opts.buildCommand} first (or pass --build)`,
    );
  }
  const engine = await makeBuilder(opts.engine, (m) => opts.onProgress?.(m));
  try {
    return await buildImages(plan, {
      engine,
      ...opts.inputs,
      push: opts.push,
      onEvent: (e) => { if (e.state !== "waiting") opts.onProgress?.(`build ${e.subject}: ${e.state}${e.seconds !== undefined ? ` ${e.seconds}s` : ""}`); },
      onDiagnostic: (d) => opts.onWarning?.(d.message),
    });
  } finally {
    await engine.close();
  }
}
