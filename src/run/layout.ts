/**
 * Where a run keeps things: the host run directory (one folder per step) and the paths the
 * containers see (bind mounts of those folders). Placeholders promise exactly these paths.
 */
import path from "node:path";

/** Paths inside a task container. */
export const containerPaths = {
  /** Folder that holds every artifact of `task` (the task's own one is mounted writable). */
  artifactDir: (task: string) => `/nbbuild/artifacts/${task}`,
  artifactPath: (task: string, name: string) => `/nbbuild/artifacts/${task}/${name}`,
  artifactUri: (task: string, name: string) => `file:///nbbuild/artifacts/${task}/${name}`,
  /** Writable folder for the ExecutorOutput file and output parameter files. */
  outputsDir: "/nbbuild/outputs",
  outputFile: "/nbbuild/outputs/executor_output.json",
  outputParam: (name: string) => `/nbbuild/outputs/parameters/${name}`,
} as const;

/** Paths on the host for one run directory. */
export function hostPaths(workdir: string) {
  return {
    workdir,
    state: path.join(workdir, "run.json"),
    stepDir: (task: string) => path.join(workdir, task),
    artifactsDir: (task: string) => path.join(workdir, task, "artifacts"),
    artifact: (task: string, name: string) => path.join(workdir, task, "artifacts", name),
    outputsDir: (task: string) => path.join(workdir, task, "outputs"),
    outputFile: (task: string) => path.join(workdir, task, "outputs", "executor_output.json"),
    outputParam: (task: string, name: string) => path.join(workdir, task, "outputs", "parameters", name),
    log: (task: string) => path.join(workdir, task, "log.txt"),
    status: (task: string) => path.join(workdir, task, "status.json"),
  };
}

/** The host paths of a run directory. */
export type HostPaths = ReturnType<typeof hostPaths>;
