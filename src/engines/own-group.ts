/**
 * Children that must clean up after themselves (buildah/podman builds and pushes) run in their
 * own process group. A SIGKILL of nbbuild's whole group (a killed pod, `kill -9 -PGID`) then
 * cannot reach them mid-build, where a SIGKILLed buildah leaves its working container behind:
 * they notice nbbuild is gone (their output pipe breaks) and exit through their own clean-up.
 * SIGINT/SIGTERM/SIGHUP of nbbuild are forwarded to them, so Ctrl-C still stops a build at once.
 */
import type { ResultPromise } from "execa";

const live = new Set<number>();
const FORWARDED: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
let installed = false;

function terminateAll(): void {
  for (const pid of live) {
    try {
      // The tool itself, not its group: buildah stops its RUN processes and removes its container.
      process.kill(pid, "SIGTERM");
    } catch {
      /* already gone */
    }
  }
}

function forward(signal: NodeJS.Signals): void {
  terminateAll();
  process.removeListener(signal, forward);
  // Nobody else handles it: die of the signal as if we had never listened.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function install(): void {
  if (installed) return;
  installed = true;
  for (const s of FORWARDED) process.on(s, forward);
  process.on("exit", terminateAll);
}

/** Tracks a child started with `detached: true` until it exits; returns it. */
export function ownGroupChild<T extends ResultPromise>(child: T): T {
  const pid = child.pid;
  if (pid === undefined) return child;
  install();
  live.add(pid);
  const forget = () => live.delete(pid);
  child.then(forget, forget);
  return child;
}
