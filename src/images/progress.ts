import type { BuildRecord } from "./record-types.js";
import type { BuildEvent } from "./build-images.js";

/** One progress line: `  train_lr        built    1.2s`, `  split           cached`. */
export function formatEvent(e: BuildEvent): string | undefined {
  if (e.state === "building" || e.state === "pushing") return undefined;
  const time = e.seconds !== undefined && e.state !== "cached" ? `${e.seconds.toFixed(1)}s` : "";
  return `  ${e.subject.padEnd(24)} ${e.state.padEnd(7)} ${time}`.trimEnd();
}

/** Text summary of a build record: one line per step with its image. */
export function formatRecord(record: BuildRecord): string {
  const rows = Object.entries(record.steps).map(([step, s]) => `${step}\t${s.image}${s.cached ? "\t(cached)" : ""}`);
  return rows.join("\n") + "\n";
}
