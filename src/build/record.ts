import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Plan } from "../plan/types.js";
import { BUILD_RECORD_VERSION, type BuildRecord } from "./record-types.js";

/** Where the build record of a plan lives: `<root>/.nbbuild/<plan name>.build.json`. */
export function buildRecordPath(plan: Pick<Plan, "root" | "name">): string {
  return path.join(plan.root, ".nbbuild", `${plan.name}.build.json`);
}

/** Writes the build record atomically (temporary file + rename) and returns its path. */
export function writeBuildRecord(plan: Pick<Plan, "root" | "name">, record: BuildRecord): string {
  const file = buildRecordPath(plan);
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, JSON.stringify(record, null, 2) + "\n");
  renameSync(tmp, file);
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
