/**
 * Runs a RunGraph: tasks in DAG order, independent ones in parallel (bounded), each in its own
 * container with the run directory's artifact folders bind-mounted where the placeholders point.
 * On failure it schedules no dependant of the failed task, lets running tasks finish and keeps
 * every finished artifact; `from` resumes a run directory reusing tasks not downstream of it.
 */
import { randomInt } from "node:crypto";
import fs from "node:fs/promises";
import { NbbuildError } from "../errors.js";
import type { ContainerRunner } from "../engines/runner.js";
import { findTask, type IrValue, type RunGraph, type RunTask } from "./ir.js";
import { hostPaths, type HostPaths } from "./layout.js";
import type { TaskOutputs } from "./outputs.js";
import { claimRunDir } from "./run-dir.js";
import { executeTask } from "./task.js";

/** Lifecycle of a step in a run. */
export type StepStatus = "pending" | "running" | "succeeded" | "failed" | "skipped" | "reused" | "cancelled";

/** What happened to one step. */
export interface StepOutcome {
  status: StepStatus;
  seconds: number;
  log: string;
  exitCode?: number;
  oomKilled?: boolean;
  /** Why it failed or was skipped, one line. */
  reason?: string;
  /** Output artifacts present on disk after the step. */
  outputs: string[];
  /** Metrics the step reported. */
  metrics: Record<string, IrValue>;
  /** Last log lines, and the runner's "failed in <file> cell <i>" line, when it failed. */
  tail?: string[];
  cellLine?: string;
}

/** The result of a whole run. */
export interface RunResult {
  status: "succeeded" | "failed" | "cancelled";
  runId: string;
  workdir: string;
  /** Step names in graph order. */
  order: string[];
  steps: Record<string, StepOutcome>;
  metrics: Record<string, IrValue>;
  /** The run report page, once written. */
  report?: string;
}

/** Progress notifications. */
export type RunEvent =
  | { type: "state"; step: string; status: StepStatus; seconds: number; reason?: string }
  | { type: "line"; step: string; line: string };

/** Knobs of one run. */
export interface SchedulerOptions {
  runner: ContainerRunner;
  workdir: string;
  runId: string;
  parallel: number;
  from?: string;
  /** Per-step wall-clock bound. */
  timeoutSeconds: number;
  tmpfsSize?: string;
  signal?: AbortSignal;
  onEvent?: (e: RunEvent) => void;
  /** Pipeline file, for error locations. */
  file: string;
}

const HEARTBEAT_MS = 15_000;

/** Every task downstream of `from` (itself included). */
export function downstream(graph: RunGraph, from: string): Set<string> {
  const out = new Set([from]);
  for (const t of graph.tasks) if (t.deps.some((d) => out.has(d))) out.add(t.name);
  return out;
}

interface Persisted {
  status: StepStatus;
  seconds: number;
  outputs: TaskOutputs;
}

/** Moves a step folder out of the way (rename works even for files the container's uid owns). */
async function clearStep(paths: HostPaths, task: string): Promise<void> {
  const trash = `${paths.workdir}/.trash-${Date.now()}-${randomInt(1e9)}`;
  await fs.rename(paths.stepDir(task), trash).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== "ENOENT") throw e;
  });
  await fs.rm(trash, { recursive: true, force: true }).catch(() => undefined);
}

/** Runs the graph with the given root parameter values. */
export async function runGraph(graph: RunGraph, values: Record<string, IrValue>, opts: SchedulerOptions): Promise<RunResult> {
  const paths = hostPaths(opts.workdir);
  const emit = opts.onEvent ?? (() => undefined);
  const steps: Record<string, StepOutcome> = {};
  const outputs = new Map<string, TaskOutputs>();
  const byName = new Map(graph.tasks.map((t) => [t.name, t]));
  for (const t of graph.tasks) steps[t.name] = { status: "pending", seconds: 0, log: paths.log(t.name), outputs: [], metrics: {} };

  const access = await claimRunDir(opts.workdir, opts.file);
  let toRun = new Set(graph.tasks.map((t) => t.name));
  if (opts.from !== undefined) {
    const from = findTask(graph, opts.from);
    if (!from) {
      throw NbbuildError.at({ file: opts.file }, `--from ${opts.from}: no such step`, `steps: ${[...byName.keys()].join(", ")}`);
    }
    toRun = downstream(graph, from.name);
    const missing: string[] = [];
    for (const t of graph.tasks) {
      if (toRun.has(t.name)) continue;
      try {
        const p = JSON.parse(await fs.readFile(paths.status(t.name), "utf8")) as Persisted;
        if (p.status !== "succeeded" && p.status !== "reused") throw new Error(p.status);
        outputs.set(t.name, p.outputs);
        steps[t.name] = { ...steps[t.name], status: "reused", seconds: 0, outputs: await presentOutputs(t, paths), metrics: p.outputs.metrics ?? {} };
      } catch {
        missing.push(t.name);
      }
    }
    if (missing.length) {
      throw NbbuildError.at(
        { file: opts.file },
        `--from ${opts.from}: ${missing.join(", ")} ${missing.length > 1 ? "have" : "has"} no finished outputs in ${opts.workdir}`,
        "resume in the --workdir of an earlier run whose upstream steps succeeded, or run without --from",
      );
    }
  }
  for (const name of toRun) await clearStep(paths, name);
  await fs.writeFile(paths.state, JSON.stringify({ runId: opts.runId, pipeline: graph.name, parameters: values }, null, 2));

  const running = new Map<string, Promise<void>>();
  const blocked = (t: RunTask) => t.deps.some((d) => ["failed", "skipped", "cancelled"].includes(steps[d].status));
  const ready = (t: RunTask) => steps[t.name].status === "pending" && t.deps.every((d) => ["succeeded", "reused"].includes(steps[d].status));

  const runOne = async (task: RunTask): Promise<void> => {
    const started = Date.now();
    const secs = () => Math.round((Date.now() - started) / 100) / 10;
    steps[task.name].status = "running";
    emit({ type: "state", step: task.name, status: "running", seconds: 0 });
    const heartbeat = setInterval(() => emit({ type: "state", step: task.name, status: "running", seconds: secs() }), HEARTBEAT_MS);
    const outcome = await executeTask(task, graph, values, outputs, paths, access, opts, emit)
      .catch((e: Error): Partial<StepOutcome> & { produced?: TaskOutputs } => ({ status: "failed", reason: e.message }))
      .finally(() => clearInterval(heartbeat));
    const { produced, ...rest } = outcome;
    steps[task.name] = { ...steps[task.name], ...rest, seconds: secs(), outputs: await presentOutputs(task, paths), metrics: produced?.metrics ?? {} };
    if (produced) outputs.set(task.name, produced);
    const s = steps[task.name];
    const persisted: Persisted = { status: s.status, seconds: s.seconds, outputs: produced ?? { metrics: {}, artifactMetadata: {}, params: {} } };
    await fs.writeFile(paths.status(task.name), JSON.stringify(persisted, null, 2)).catch(() => undefined);
    emit({ type: "state", step: task.name, status: s.status, seconds: s.seconds, reason: s.reason });
  };

  for (;;) {
    if (opts.signal?.aborted) {
      for (const t of graph.tasks) if (steps[t.name].status === "pending") steps[t.name].status = "cancelled";
    }
    for (const t of graph.tasks) {
      if (steps[t.name].status === "pending" && blocked(t)) {
        const up = t.deps.filter((d) => steps[d].status !== "succeeded" && steps[d].status !== "reused");
        steps[t.name] = { ...steps[t.name], status: "skipped", reason: `upstream ${up.join(", ")} did not succeed` };
        emit({ type: "state", step: t.name, status: "skipped", seconds: 0 });
      }
    }
    for (const t of graph.tasks) {
      if (running.size >= Math.max(1, opts.parallel)) break;
      if (!ready(t) || opts.signal?.aborted) continue;
      const p = runOne(t).finally(() => running.delete(t.name));
      running.set(t.name, p);
    }
    if (!running.size) break;
    await Promise.race(running.values());
  }

  const metrics: Record<string, IrValue> = {};
  for (const t of graph.tasks) Object.assign(metrics, outputs.get(t.name)?.metrics ?? {});
  const all = Object.values(steps);
  const status = all.some((s) => s.status === "cancelled")
    ? "cancelled"
    : all.every((s) => s.status === "succeeded" || s.status === "reused")
      ? "succeeded"
      : "failed";
  return { status, runId: opts.runId, workdir: opts.workdir, order: graph.tasks.map((t) => t.name), steps, metrics };
}

/** Declared output artifacts that exist on disk. */
async function presentOutputs(task: RunTask, paths: HostPaths): Promise<string[]> {
  const out: string[] = [];
  for (const name of Object.keys(task.outputArtifacts)) {
    if (await fs.stat(paths.artifact(task.name, name)).then(() => true, () => false)) out.push(name);
  }
  return out;
}
