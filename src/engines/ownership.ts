/**
 * Who made what nbbuild leaves behind when it is killed (kill -9 gives no chance to clean up):
 * task containers carry the process id and host of the `nbbuild run` that started them, temporary
 * build folders carry the process id in their name. The next run or build removes only those of a
 * process on this host that no longer exists — never anything else.
 */
import { readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/** Container labels naming the nbbuild process that created the container. */
export const OWNER_PID_LABEL = "nbbuild.pid";
export const OWNER_HOST_LABEL = "nbbuild.host";

/** The owner labels of this process. */
export function ownerLabels(): Record<string, string> {
  return { [OWNER_PID_LABEL]: String(process.pid), [OWNER_HOST_LABEL]: os.hostname() };
}

/** True while a process with this id exists (EPERM: it exists, owned by someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** True for labels of an nbbuild process on this host that has died. */
export function ownedByDeadProcess(labels: Record<string, string> | undefined): boolean {
  const pid = Number(labels?.[OWNER_PID_LABEL]);
  if (!Number.isInteger(pid) || pid <= 0 || labels?.[OWNER_HOST_LABEL] !== os.hostname()) return false;
  return pid !== process.pid && !processAlive(pid);
}

/** Prefix of a temporary folder this process creates: `nbbuild-<kind>-<pid>-`. */
export const ownedTempPrefix = (kind: string) => `nbbuild-${kind}-${process.pid}-`;

/** Removes `<root>/nbbuild-<kind>-<pid>-*` folders whose process has died; returns their paths. */
export async function removeStaleTempDirs(root: string, kinds: string[]): Promise<string[]> {
  const re = new RegExp(`^nbbuild-(?:${kinds.join("|")})-(\\d+)-`);
  const removed: string[] = [];
  for (const name of await readdir(root).catch(() => [] as string[])) {
    const pid = Number(re.exec(name)?.[1]);
    if (!pid || pid === process.pid || processAlive(pid)) continue;
    const dir = path.join(root, name);
    await rm(dir, { recursive: true, force: true }).then(() => removed.push(dir), () => undefined);
  }
  return removed;
}
