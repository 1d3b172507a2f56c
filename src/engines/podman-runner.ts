/**
 * ContainerRunner on podman through its CLI (execa). Note: `podman run` is not available in the
 * nbbuild development sandbox (an rlimit restriction), so this path is exercised by unit tests of
 * its argument list only.
 */
import { execa } from "execa";
import { configuredStorage } from "./storage.js";
import type { ContainerResult, ContainerRunner, ContainerSpec, RunControl } from "./runner.js";
import { OWNER_PID_LABEL, ownedByDeadProcess } from "./ownership.js";
import { lineSplitter } from "./streams.js";

/** The `podman run` argument list for a spec (same isolation as the docker runner). */
export function podmanRunArgs(spec: ContainerSpec): string[] {
  const a = ["run", "--name", spec.name, "--user", spec.user, "--read-only", "--network", "none"];
  for (const g of spec.groups ?? []) a.push("--group-add", g);
  a.push("--tmpfs", `/tmp:rw,exec,size=${spec.tmpfsSize}`, "--cap-drop", "ALL", "--security-opt", "no-new-privileges");
  for (const b of spec.binds) a.push("-v", `${b.host}:${b.container}:${b.readOnly ? "ro" : "rw"}`);
  if (spec.memoryBytes) a.push("--memory", String(spec.memoryBytes), "--memory-swap", String(spec.memoryBytes));
  if (spec.cpu) a.push("--cpus", String(spec.cpu));
  for (const [k, v] of Object.entries(spec.env)) a.push("--env", `${k}=${v}`);
  for (const [k, v] of Object.entries(spec.labels)) a.push("--label", `${k}=${v}`);
  if (spec.workdir) a.push("--workdir", spec.workdir);
  a.push("--entrypoint", JSON.stringify(spec.command), spec.image, ...spec.args);
  return a;
}

/** Runs task containers with `podman run`; removes them afterwards. */
export class PodmanRunner implements ContainerRunner {
  readonly engine = "podman" as const;
  /** The store the podman builder uses too: the user's configuration, or nbbuild's own when configured. */
  private readonly storage = configuredStorage()?.args ?? [];
  constructor(private readonly bin = "podman") {}

  async removeStale(): Promise<string[]> {
    const r = await execa(this.bin, ["ps", "-a", "--filter", "label=nbbuild.run", "--filter", `label=${OWNER_PID_LABEL}`, "--format", "json"], { reject: false, timeout: 60_000 });
    if (r.exitCode !== 0) return [];
    let list: { Names?: string[]; Id?: string; Labels?: Record<string, string> }[] = [];
    try {
      list = JSON.parse(String(r.stdout) || "[]");
    } catch {
      return [];
    }
    const removed: string[] = [];
    for (const c of list.filter((c) => ownedByDeadProcess(c.Labels))) {
      const name = c.Names?.[0] ?? c.Id ?? "";
      const rm = await execa(this.bin, ["rm", "-f", name], { reject: false, timeout: 60_000 });
      if (rm.exitCode === 0) removed.push(name);
    }
    return removed;
  }

  async run(spec: ContainerSpec, control: RunControl): Promise<ContainerResult> {
    const out = lineSplitter(control.onLine);
    let engineError: string | undefined;
    const err = lineSplitter((line) => {
      if (/^Error: /.test(line)) engineError = line;
      control.onLine(line);
    });
    let cancelled = false;
    const onAbort = () => {
      cancelled = true;
      void execa(this.bin, [...this.storage, "kill", spec.name], { reject: false, timeout: 30_000 });
    };
    control.signal.addEventListener("abort", onAbort, { once: true });
    try {
      const child = execa(this.bin, [...this.storage, ...podmanRunArgs(spec)], { reject: false, timeout: control.timeoutMs, buffer: false });
      child.stdout?.on("data", (c: Buffer) => out.write(c));
      child.stderr?.on("data", (c: Buffer) => err.write(c));
      const r = await child;
      out.flush();
      err.flush();
      // 125–127 with podman's own "Error:" line: the container never ran (e.g. this sandbox's
      // rlimit restriction on `podman run`), which is not the step's fault.
      if (typeof r.exitCode === "number" && r.exitCode >= 125 && r.exitCode <= 127 && engineError && !cancelled) {
        throw new Error(`podman run failed: ${engineError}`);
      }
      const oom = await execa(this.bin, [...this.storage, "inspect", "--format", "{{.State.OOMKilled}}", spec.name], { reject: false, timeout: 30_000 });
      return {
        exitCode: typeof r.exitCode === "number" ? r.exitCode : -1,
        oomKilled: String(oom.stdout).trim() === "true",
        cancelled,
        timedOut: Boolean(r.timedOut),
      };
    } finally {
      control.signal.removeEventListener("abort", onAbort);
      await execa(this.bin, [...this.storage, "rm", "-f", spec.name], { reject: false, timeout: 60_000 });
    }
  }
}
