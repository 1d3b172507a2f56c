import { readFileSync } from "node:fs";
import path from "node:path";
import { writeFileAtomic } from "../io/atomic.js";
import type { Plan } from "../plan/types.js";
import { hashJson } from "../render/hash.js";
import { BUILD_RECORD_VERSION, type BuildRecord } from "./record-types.js";

/** What names a build record: the notebook (or .pipeline) file and the pipeline name. */
export type RecordKey = Pick<Plan, "root" | "name" | "source">;

/**
 * Where the build record of a plan lives: `<root>/.nbbuild/<file>.<plan name>.build.json`. Keyed by
 * the notebook's file as well as the name, so two notebooks of one folder with the same
 * `pipeline_name` never share (and run) each other's images.
 */
export function buildRecordPath(plan: RecordKey): string {
  const file = plan.source.file.replace(/[\\/]/g, "__");
  return path.join(plan.root, ".nbbuild", `${file}.${plan.name}.build.json`);
}

/** The hash that ties a build record to the plan its images were built from. */
export function planHash(plan: Plan): string {
  return `sha256:${hashJson(plan)}`;
}

/** Writes the build record atomically (temporary file + rename) and returns its path. */
export function writeBuildRecord(plan: RecordKey, record: BuildRecord): string {
  const file = buildRecordPath(plan);
  writeFileAtomic(file, JSON.stringify(record, null, 2) + "\n");
  return file;
}

/** Reads the build record of a plan; undefined when `nbbuild image` has not run for it (or for another file). */
export function readBuildRecord(plan: RecordKey): BuildRecord | undefined {
  let text: string;
  try {
    text = readFileSync(buildRecordPath(plan), "utf8");
  } catch {
    return undefined;
  }
  const record = JSON.parse(text) as BuildRecord;
  if (record.recordVersion !== BUILD_RECORD_VERSION) {
    throw new Error(`${buildRecordPath(plan)} has record version ${record.recordVersion}; expected ${BUILD_RECORD_VERSION}: run nbbuild image again`);
  }
  // A record copied or renamed by hand from another notebook's is not this notebook's.
  if (record.source !== undefined && record.source !== plan.source.file) return undefined;
  return record;
}
