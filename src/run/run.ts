/**
 * The `nbbuild run` stage: a pipeline file (our KFP IR YAML) or a notebook/.pipeline (planned,
 * looked up in the build record, turned into IR in memory) run locally on its images.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { NbbuildError } from "../errors.js";
import { makeRunner } from "../engines/factory.js";
import type { ContainerRunner } from "../engines/runner.js";
import { noteOwnOutput } from "../io/own-outputs.js";
import { parseIr, type IrValue, type RunGraph } from "./ir.js";
import type { Plan } from "../plan/types.js";
import { parseAssignments, resolveParams } from "./params.js";
import { writeRunReport } from "./report-page.js";
import { runGraph, type RunEvent, type RunResult } from "./scheduler.js";
import { irFromSource } from "./source.js";
import type { BuildInputs } from "../images/build-inputs.js";

/** Options of a local run (the CLI flags). */
export interface RunOptions {
  /** `key=value` overrides of pipeline parameters. */
  params?: string[];
  engine?: string;
  workdir?: string;
  parallel?: number;
  from?: string;
  /** Build missing images first (notebook/.pipeline input only). */
  build?: boolean;
  /** Per-step wall-clock bound, seconds (default 2 hours). */
  timeoutSeconds?: number;
  onEvent?: (e: RunEvent) => void;
  onWarning?: (w: string) => void;
  /** Build progress lines (with --build). */
  onProgress?: (line: string) => void;
  /** Base, image map, requirements file and pip settings for --build, as `nbbuild image` takes them. */
  inputs?: BuildInputs;
  /** Injected runner (tests); default from `engine`. */
  runner?: ContainerRunner;
  /** Stop on SIGINT/SIGTERM, removing only this run's containers (default true). */
  handleSignals?: boolean;
}

const isIrFile = (f: string) => /\.(ya?ml|json)$/i.test(f);

/** A sortable, unique run id: 20260101-120000-ab12cd. */
export function newRunId(now = new Date()): string {
  const t = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `${t}-${randomBytes(3).toString("hex")}`;
}

/** Reads the run graph of any accepted input, the folder its default run dirs live under, and its plan (notebook input). */
export async function loadRunGraph(file: string, opts: RunOptions = {}): Promise<{ graph: RunGraph; root: string; plan?: Plan }> {
  if (isIrFile(file)) {
    let text: string;
    try {
      text = await fs.readFile(file, "utf8");
    } catch (e) {
      throw NbbuildError.at({ file }, `cannot read: ${(e as Error).message}`);
    }
    return { graph: parseIr(text, file), root: path.dirname(path.resolve(file)) };
  }
  return irFromSource(file, {
    build: opts.build,
    engine: opts.engine,
    inputs: opts.inputs,
    onWarning: opts.onWarning,
    onProgress: opts.onProgress,
  });
}

/** The newest run folder under `<root>/.nbbuild/runs`, for `--from` without `--workdir`. */
async function latestRun(root: string): Promise<string | undefined> {
  const dir = path.join(root, ".nbbuild", "runs");
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const last = names.filter((n) => !n.startsWith(".")).sort().at(-1);
  return last ? path.join(dir, last) : undefined;
}

/** Parameter values recorded by the run in `workdir` (empty when there is none). */
async function previousParams(workdir: string): Promise<Record<string, IrValue>> {
  try {
    const state = JSON.parse(await fs.readFile(path.join(workdir, "run.json"), "utf8")) as { parameters?: Record<string, IrValue> };
    return state.parameters ?? {};
  } catch {
    return {};
  }
}

/** Runs the pipeline in `file` locally and reports every step's outcome and the metrics. */
export async function runPipeline(file: string, opts: RunOptions = {}): Promise<RunResult> {
  const runner = opts.runner ?? (await makeRunner(opts.engine ?? "auto", opts.onProgress));
  const { graph, root, plan } = await loadRunGraph(file, opts);
  // kill -9 of an earlier run leaves its containers running: remove those (only nbbuild's own).
  const stale = await runner.removeStale?.().catch(() => [] as string[]) ?? [];
  if (stale.length) opts.onWarning?.(`removed ${stale.length} container(s) left by an nbbuild run that was killed: ${stale.join(", ")}`);
  for (const w of graph.warnings) opts.onWarning?.(w);
  const overrides = parseAssignments(opts.params ?? [], file);
  const values = resolveParams(graph.params, overrides, file);
  const runId = newRunId();
  let workdir = opts.workdir ? path.resolve(opts.workdir) : undefined;
  if (!workdir && opts.from) {
    workdir = await latestRun(root);
    if (!workdir) throw NbbuildError.at({ file }, `--from ${opts.from}: no earlier run under ${root}/.nbbuild/runs`, "pass --workdir DIR of an earlier run");
  }
  workdir ??= path.join(root, ".nbbuild", "runs", runId);
  // A run folder inside the notebook folder is nbbuild's output: never part of a folder image.
  if (opts.workdir) noteOwnOutput(root, workdir);
  if (opts.from) {
    // A resumed run keeps the parameters of the run it resumes; -p still wins.
    for (const [k, v] of Object.entries(await previousParams(workdir))) if (k in values && !(k in overrides)) values[k] = v;
  }
  const parallel = opts.parallel ?? os.cpus().length;
  if (!Number.isInteger(parallel) || parallel < 1) throw NbbuildError.at({ file }, `--parallel ${parallel}: expected a positive integer`);

  const abort = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (!abort.signal.aborted) return abort.abort();
    // A second Ctrl-C while containers are being stopped: give up waiting, default behaviour.
    for (const s of signals) process.off(s, onSignal);
    process.kill(process.pid, sig);
  };
  const signals: NodeJS.Signals[] = opts.handleSignals === false ? [] : ["SIGINT", "SIGTERM"];
  for (const s of signals) process.on(s, onSignal);
  try {
    const result = await runGraph(graph, values, {
      runner,
      workdir,
      runId,
      parallel,
      from: opts.from,
      timeoutSeconds: opts.timeoutSeconds ?? 7200,
      signal: abort.signal,
      onEvent: opts.onEvent,
      file,
    });
    result.report = await writeRunReport({ result, graph, plan, parameters: values });
    return result;
  } finally {
    for (const s of signals) process.off(s, onSignal);
  }
}
