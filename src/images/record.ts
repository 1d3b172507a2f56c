import { readFileSync } from "node:fs";
import path from "node:path";
import { writeFileAtomic } from "../io/atomic.js";
import type { Plan } from "../plan/types.js";
import { hashJson } from "../render/hash.js";
import { BUILD_RECORD_VERSION, type BuildRecord } from "./record-types.js";

/** Where the build record of a plan lives: `<root>/.nbbuild/<plan name>.build.json`. */
export function buildRecordPath(plan: Pick<Plan, "root" | "name">): string {
  return path.join(plan.root, ".nbbuild", `${plan.name}.build.json`);
}

/** The hash that ties a build record to the plan its images were built from. */
export function planHash(plan: Plan): string {
  return `sha256:${hashJson(plan)}`;
}

/** Writes the build record atomically (temporary file + rename) and returns its path. */
export function writeBuildRecord(plan: Pick<Plan, "root" | "name">, record: BuildRecord): string {
  const file = buildRecordPath(plan);
  writeFileAtomic(file, JSON.stringify(record, null, 2) + "\n");
  return file;
}

/** Reads the build record of a plan; undefined when `nbbuild image` has not run for it. */
export function readBuildRecord(plan: Pick<Plan, "root" | "name">): BuildRecord | undefined {
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
  return record;
}
