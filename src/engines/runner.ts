/**
 * The small interface the local runner (src/run/) runs containers through; factory.ts picks the
 * implementation. A container gets exactly what the spec says: user, read-only root, tmpfs /tmp,
 * no network, the given bind mounts and limits.
 */

/** A host folder or file mounted into the container. */
export interface Bind {
  host: string;
  container: string;
  readOnly: boolean;
}

/** Everything needed to start one task container. */
export interface ContainerSpec {
  name: string;
  image: string;
  /** Replaces the image ENTRYPOINT (KFP semantics); args replace CMD. */
  command: string[];
  args: string[];
  env: Record<string, string>;
  binds: Bind[];
  /** `uid:gid`. */
  user: string;
  /** Supplementary groups (the run folder's group when it could not be group 0). */
  groups?: string[];
  /** Limits; undefined means none. */
  cpu?: number;
  memoryBytes?: number;
  /** Size of the tmpfs on /tmp, e.g. "1g". */
  tmpfsSize: string;
  labels: Record<string, string>;
  /** Working directory (default: the image's). */
  workdir?: string;
}

/** How a container ended. */
export interface ContainerResult {
  exitCode: number;
  oomKilled: boolean;
  /** Stopped because the run was interrupted (Ctrl-C). */
  cancelled: boolean;
  timedOut: boolean;
}

/** Callbacks and bounds for one container run. */
export interface RunControl {
  /** Each complete output line (stdout and stderr), without the newline. */
  onLine: (line: string) => void;
  /** Aborting stops and removes the container. */
  signal: AbortSignal;
  /** Wall-clock bound for the container; it is killed after this. */
  timeoutMs: number;
}

/** Runs one container to completion, streaming its output; always removes it afterwards. */
export interface ContainerRunner {
  readonly engine: "docker" | "podman";
  run(spec: ContainerSpec, control: RunControl): Promise<ContainerResult>;
  /**
   * Removes task containers an nbbuild run on this host left behind when it was killed (its
   * process is gone); returns their names. Never touches anything else.
   */
  removeStale?(): Promise<string[]>;
}
