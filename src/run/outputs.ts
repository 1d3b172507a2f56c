/** Reads what a finished task left behind: ExecutorOutput metrics and output parameter files. */
import fs from "node:fs/promises";
import type { IrParamType, IrValue, RunTask } from "./ir.js";
import type { HostPaths } from "./layout.js";

/** What a task produced besides its artifact files. */
export interface TaskOutputs {
  /** Scalar metrics from system.Metrics artifacts' metadata in the ExecutorOutput. */
  metrics: Record<string, IrValue>;
  /** Metadata per output artifact (passed on to consumers' ExecutorInput). */
  artifactMetadata: Record<string, Record<string, IrValue>>;
  /** Output parameter values, typed. */
  params: Record<string, IrValue>;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Parses an output parameter file as the launcher does: STRING raw, other types as JSON. */
export function parseParamFile(text: string, type: IrParamType): IrValue {
  if (type === "STRING") return text;
  const v = JSON.parse(text.trim()) as IrValue;
  if ((type === "NUMBER_INTEGER" || type === "NUMBER_DOUBLE") && typeof v !== "number") throw new Error(`expected a number, got ${text.trim()}`);
  if (type === "BOOLEAN" && typeof v !== "boolean") throw new Error(`expected true/false, got ${text.trim()}`);
  return v;
}

/** Reads a task's ExecutorOutput (if any) and output parameter files; throws on malformed files. */
export async function readTaskOutputs(task: RunTask, paths: HostPaths): Promise<TaskOutputs> {
  const out: TaskOutputs = { metrics: {}, artifactMetadata: {}, params: {} };
  let eo: unknown;
  try {
    eo = JSON.parse(await fs.readFile(paths.outputFile(task.name), "utf8"));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw new Error(`ExecutorOutput of ${task.name} is not valid JSON: ${(e as Error).message}`);
  }
  if (isObj(eo)) {
    for (const [name, list] of Object.entries(isObj(eo.artifacts) ? eo.artifacts : {})) {
      const first = isObj(list) && Array.isArray(list.artifacts) ? (list.artifacts[0] as unknown) : undefined;
      const md = isObj(first) && isObj(first.metadata) ? (first.metadata as Record<string, IrValue>) : {};
      out.artifactMetadata[name] = md;
      if (task.outputArtifacts[name] === "system.Metrics") Object.assign(out.metrics, md);
    }
    for (const [name, v] of Object.entries(isObj(eo.parameterValues) ? eo.parameterValues : {})) out.params[name] = v as IrValue;
  }
  for (const [name, type] of Object.entries(task.outputParams)) {
    if (name in out.params) continue;
    try {
      out.params[name] = parseParamFile(await fs.readFile(paths.outputParam(task.name, name), "utf8"), type);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw new Error(`output parameter ${name} of ${task.name}: ${(e as Error).message}`);
    }
  }
  return out;
}
