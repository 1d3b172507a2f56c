/** ContainerRunner on the Docker daemon through dockerode. */
import Docker from "dockerode";
import { Writable } from "node:stream";
import type { DockerClient } from "./docker.js";
import type { ContainerResult, ContainerRunner, ContainerSpec, RunControl } from "./runner.js";
import { OWNER_PID_LABEL, ownedByDeadProcess } from "./ownership.js";
import { lineSplitter, withTimeout } from "./streams.js";

const API_TIMEOUT_MS = 60_000;
const PULL_TIMEOUT_MS = 15 * 60_000;

/** Runs task containers on dockerd: read-only root, tmpfs /tmp, no network, limits, logs streamed. */
export class DockerRunner implements ContainerRunner {
  readonly engine = "docker" as const;
  constructor(private readonly docker: DockerClient = new Docker() as DockerClient) {}

  async removeStale(): Promise<string[]> {
    const list = await withTimeout(
      this.docker.listContainers({ all: true, filters: { label: ["nbbuild.run", OWNER_PID_LABEL] } }),
      API_TIMEOUT_MS,
      "docker: listing containers timed out",
    );
    const removed: string[] = [];
    for (const c of list.filter((c) => ownedByDeadProcess(c.Labels))) {
      await withTimeout(this.docker.getContainer(c.Id).remove({ force: true }), API_TIMEOUT_MS, "remove")
        .then(() => removed.push((c.Names[0] ?? c.Id).replace(/^\//, "")))
        .catch(() => undefined);
    }
    return removed;
  }

  /** Pulls the image when the daemon does not have it. */
  private async ensureImage(ref: string): Promise<void> {
    try {
      await withTimeout(this.docker.getImage(ref).inspect(), API_TIMEOUT_MS, `docker: inspecting ${ref} timed out`);
      return;
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode !== 404) throw e;
    }
    const pull = new Promise<void>((resolve, reject) => {
      this.docker.pull(ref, (err: Error | null, stream: NodeJS.ReadableStream) => {
        if (err) return reject(err);
        this.docker.modem.followProgress(stream, (e: Error | null) => (e ? reject(e) : resolve()));
      });
    });
    try {
      await withTimeout(pull, PULL_TIMEOUT_MS, `docker: pulling ${ref} timed out`);
    } catch (e) {
      throw new Error(
        `image ${ref} is not in the docker daemon and could not be pulled (${(e as Error).message.trim()}); ` +
          "build it with `nbbuild image --engine docker`, or push it to a registry with `nbbuild image --push`",
      );
    }
  }

  async run(spec: ContainerSpec, control: RunControl): Promise<ContainerResult> {
    await this.ensureImage(spec.image);
    const container = await withTimeout(
      this.docker.createContainer({
        name: spec.name,
        Image: spec.image,
        Entrypoint: spec.command,
        Cmd: spec.args,
        User: spec.user,
        Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
        Labels: spec.labels,
        ...(spec.workdir ? { WorkingDir: spec.workdir } : {}),
        NetworkDisabled: true,
        HostConfig: {
          NetworkMode: "none",
          ReadonlyRootfs: true,
          Tmpfs: { "/tmp": `rw,exec,size=${spec.tmpfsSize}` },
          Binds: spec.binds.map((b) => `${b.host}:${b.container}:${b.readOnly ? "ro" : "rw"}`),
          ...(spec.groups?.length ? { GroupAdd: spec.groups } : {}),
          CapDrop: ["ALL"],
          SecurityOpt: ["no-new-privileges"],
          ...(spec.memoryBytes ? { Memory: spec.memoryBytes, MemorySwap: spec.memoryBytes } : {}),
          ...(spec.cpu ? { NanoCpus: Math.round(spec.cpu * 1e9) } : {}),
        },
      }),
      API_TIMEOUT_MS,
      `docker: creating container ${spec.name} timed out`,
    );
    const remove = () => container.remove({ force: true }).catch(() => undefined);
    let cancelled = false;
    let timedOut = false;
    const onAbort = () => {
      cancelled = true;
      void container.kill().catch(() => undefined);
    };
    try {
      await withTimeout(container.start(), API_TIMEOUT_MS, `docker: starting ${spec.name} timed out`);
      if (control.signal.aborted) onAbort();
      control.signal.addEventListener("abort", onAbort, { once: true });
      const logs = (await withTimeout(
        container.logs({ follow: true, stdout: true, stderr: true }),
        API_TIMEOUT_MS,
        `docker: attaching to the logs of ${spec.name} timed out`,
      )) as unknown as NodeJS.ReadableStream;
      const out = lineSplitter(control.onLine);
      const err = lineSplitter(control.onLine);
      const sink = (s: ReturnType<typeof lineSplitter>) =>
        new Writable({ write: (chunk: Buffer, _enc, cb) => (s.write(chunk), cb()) });
      this.docker.modem.demuxStream(logs, sink(out), sink(err));
      const logsDone = new Promise<void>((resolve) => {
        logs.on("end", resolve);
        logs.on("close", resolve);
        logs.on("error", () => resolve());
      });
      const timer = setTimeout(() => {
        timedOut = true;
        void container.kill().catch(() => undefined);
      }, control.timeoutMs);
      try {
        // The kill above makes wait return; the extra margin bounds a daemon that hangs.
        await withTimeout(container.wait(), control.timeoutMs + API_TIMEOUT_MS, `docker: waiting for ${spec.name} timed out`);
      } finally {
        clearTimeout(timer);
      }
      await withTimeout(logsDone, 10_000, "logs").catch(() => undefined);
      out.flush();
      err.flush();
      const info = await withTimeout(container.inspect(), API_TIMEOUT_MS, `docker: inspecting ${spec.name} timed out`);
      return { exitCode: info.State.ExitCode, oomKilled: Boolean(info.State.OOMKilled), cancelled, timedOut };
    } finally {
      control.signal.removeEventListener("abort", onAbort);
      await withTimeout(remove(), API_TIMEOUT_MS, "remove").catch(() => undefined);
    }
  }
}
