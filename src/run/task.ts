/**
 * One task of a run: resolve its inputs, build its ExecutorInput, prepare its folders and mounts,
 * run its container (log saved and streamed) and say how it ended.
 */
import { randomInt } from "node:crypto";
import { createWriteStream } from "node:fs";
import fs from "node:fs/promises";
import type { Bind } from "../engines/runner.js";
import type { IrValue, RunGraph, RunTask } from "./ir.js";
import { containerPaths, type HostPaths } from "./layout.js";
import { readTaskOutputs, type TaskOutputs } from "./outputs.js";
import { buildExecutorInput, substitute } from "./placeholders.js";
import { ownerLabels } from "../engines/ownership.js";
import { privateDir, sharedDir, type RunDirAccess } from "./run-dir.js";
import type { RunEvent, SchedulerOptions, StepOutcome } from "./scheduler.js";

const TAIL_LINES = 20;
const CELL_LINE = /nbbuild: step .* failed in /;
const RUNNER_LINE = /^nbbuild: /;

/**
 * Adds read (and directory search) permission for owner and group, recursively; best effort.
 * Never for others: the run folder is private to the user and group 0 (the containers' group).
 */
async function makeGroupReadable(dir: string): Promise<void> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  const self = await fs.stat(dir).catch(() => undefined);
  if (self) await fs.chmod(dir, (self.mode & 0o7777) | 0o550).catch(() => undefined);
  for (const e of entries) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory()) await makeGroupReadable(p);
    else if (e.isFile()) {
      const st = await fs.stat(p).catch(() => undefined);
      if (st) await fs.chmod(p, (st.mode & 0o777) | 0o440).catch(() => undefined);
    }
  }
}

const containerName = (runId: string, task: string) => `nbbuild-${runId}-${task}`.replace(/[^a-zA-Z0-9_.-]/g, "-");


/** Resolves one input parameter of a task (task input, else component default). */
function paramValue(task: RunTask, name: string, values: Record<string, IrValue>, outputs: Map<string, TaskOutputs>): IrValue | undefined {
  const src = task.params[name];
  if (src?.kind === "root") return values[src.name];
  if (src?.kind === "constant") return src.value;
  if (src?.kind === "task") {
    const v = outputs.get(src.producer)?.params[src.key];
    if (v === undefined) throw new Error(`input parameter ${name}: ${src.producer} did not write output parameter ${src.key}`);
    return v;
  }
  return task.paramDefs[name]?.default;
}

/** Prepares the folders, starts the container and collects what it produced. */
export async function executeTask(
  task: RunTask,
  graph: RunGraph,
  values: Record<string, IrValue>,
  outputs: Map<string, TaskOutputs>,
  paths: HostPaths,
  access: RunDirAccess,
  opts: SchedulerOptions,
  emit: (e: RunEvent) => void,
): Promise<Partial<StepOutcome> & { produced?: TaskOutputs }> {
  const paramValues: Record<string, IrValue> = {};
  for (const name of Object.keys(task.paramDefs)) {
    const v = paramValue(task, name, values, outputs);
    if (v !== undefined) paramValues[name] = v;
  }
  const ei = buildExecutorInput(task, paramValues, (p, k) => outputs.get(p)?.artifactMetadata[k] ?? {});
  const [command, args] = [substitute(task.command, ei), substitute(task.args, ei)];

  await privateDir(paths.stepDir(task.name), access, 0o750);
  await sharedDir(paths.artifactsDir(task.name), access);
  await sharedDir(paths.outputsDir(task.name), access);
  await sharedDir(`${paths.outputsDir(task.name)}/parameters`, access);
  const binds: Bind[] = [
    { host: paths.artifactsDir(task.name), container: containerPaths.artifactDir(task.name), readOnly: false },
    { host: paths.outputsDir(task.name), container: containerPaths.outputsDir, readOnly: false },
  ];
  for (const [name, a] of Object.entries(task.artifacts)) {
    const host = paths.artifact(a.producer, a.key);
    if (!(await fs.stat(host).then(() => true, () => false))) {
      throw new Error(`input artifact ${name}: ${a.producer} did not write its output ${a.key} (${host})`);
    }
    binds.push({ host, container: containerPaths.artifactPath(a.producer, a.key), readOnly: true });
  }

  const log = createWriteStream(paths.log(task.name));
  const tail: string[] = [];
  let cellLine: string | undefined;
  const onLine = (line: string) => {
    log.write(line + "\n");
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
    // The runner's "step … failed in <file> cell <i>" line wins; else its last "nbbuild:" line.
    if (CELL_LINE.test(line) || (RUNNER_LINE.test(line) && !CELL_LINE.test(cellLine ?? ""))) cellLine = line.trim();
    emit({ type: "line", step: task.name, line });
  };
  const signal = opts.signal ?? new AbortController().signal;
  let result;
  try {
    result = await opts.runner.run(
      {
        name: containerName(opts.runId, task.name),
        image: task.image,
        command,
        args,
        env: task.env,
        binds,
        user: `${randomInt(100_000, 2_000_000)}:0`,
        ...(access.extraGroup !== undefined ? { groups: [String(access.extraGroup)] } : {}),
        cpu: task.cpu,
        memoryBytes: task.memoryBytes,
        tmpfsSize: opts.tmpfsSize ?? "2g",
        labels: { "nbbuild.run": opts.runId, "nbbuild.step": task.name, "nbbuild.pipeline": graph.name, ...ownerLabels() },
      },
      { onLine, signal, timeoutMs: opts.timeoutSeconds * 1000 },
    );
  } finally {
    await new Promise<void>((resolve) => log.end(resolve));
    // On a cluster consumers get downloaded copies; here they read the producer's files, which a
    // different random uid wrote (maybe mode 0600): open them up for the group (0), as a download would.
    await makeGroupReadable(paths.artifactsDir(task.name));
    await makeGroupReadable(paths.outputsDir(task.name));
  }
  const failed = result.exitCode !== 0 || result.oomKilled || result.timedOut;
  const base = { exitCode: result.exitCode, oomKilled: result.oomKilled, tail: [...tail], cellLine: failed ? cellLine : undefined };
  if (result.cancelled) return { ...base, status: "cancelled", reason: "interrupted" };
  if (result.oomKilled) {
    const limit = task.memoryBytes ? ` (limit ${formatBytes(task.memoryBytes)})` : "";
    return { ...base, status: "failed", reason: `killed: out of memory${limit}; raise the limit:memory tag` };
  }
  if (result.timedOut) return { ...base, status: "failed", reason: `killed after the ${opts.timeoutSeconds}s step timeout` };
  if (result.exitCode !== 0) return { ...base, status: "failed", reason: `exited with code ${result.exitCode}` };
  return { status: "succeeded", exitCode: 0, produced: await readTaskOutputs(task, paths) };
}

/** 268435456 → "256Mi". */
export function formatBytes(n: number): string {
  for (const [u, f] of [["Gi", 1024 ** 3], ["Mi", 1024 ** 2], ["Ki", 1024]] as const) if (n >= f && n % f === 0) return `${n / f}${u}`;
  return n >= 1024 ** 2 ? `${(n / 1024 ** 2).toFixed(1)}Mi` : `${n}B`;
}
