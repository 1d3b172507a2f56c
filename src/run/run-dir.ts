/**
 * The run folder on the host: claimed only when it is new, empty or already an nbbuild run folder
 * (so `--workdir /etc` never writes into /etc), marked as ours, and private to the user. Task
 * containers run as a random uid in group 0, so the folders they write are shared with group 0
 * only (mode 2770), never with everyone.
 */
import fs from "node:fs/promises";
import path from "node:path";
import { NbbuildError } from "../errors.js";
import { VERSION } from "../version.js";

/** The file that marks a folder as an nbbuild run folder. */
export const RUN_DIR_MARKER = ".nbbuild-run";

/** Which group the shared folders belong to, and the extra group containers need to use them. */
export interface RunDirAccess {
  gid: number;
  /** Set when the folders could not be given to group 0: containers join this group too. */
  extraGroup?: number;
}

const exists = (p: string) => fs.lstat(p).then(() => true, () => false);

/** Refuses a folder that is not ours, creates/marks it, and says which group shares it. */
export async function claimRunDir(dir: string, file: string): Promise<RunDirAccess> {
  const st = await fs.lstat(dir).catch(() => undefined);
  const fix = "pass --workdir a new or empty folder, or the folder of an earlier nbbuild run (default: <notebook dir>/.nbbuild/runs/<run-id>)";
  if (st && !st.isDirectory()) throw NbbuildError.at({ file }, `--workdir ${dir}: is not a folder`, fix);
  if (st) {
    const entries = await fs.readdir(dir);
    // run.json: run folders written before the marker existed.
    const ours = (await exists(path.join(dir, RUN_DIR_MARKER))) || (await exists(path.join(dir, "run.json")));
    if (entries.length && !ours) {
      throw NbbuildError.at({ file }, `--workdir ${dir}: the folder is not empty and is not an nbbuild run folder (it has no ${RUN_DIR_MARKER} file); nbbuild will not write into it`, fix);
    }
  }
  await fs.mkdir(dir, { recursive: true, mode: 0o750 });
  const access = await groupFor(dir);
  await fs.chmod(dir, 0o750);
  await fs.writeFile(path.join(dir, RUN_DIR_MARKER), JSON.stringify({ nbbuild: VERSION }) + "\n", { mode: 0o640 });
  return access;
}

/** Group 0 when we may give folders to it (root, or a member of group 0); else our own group. */
async function groupFor(dir: string): Promise<RunDirAccess> {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  if (gid === 0) return { gid: 0 };
  try {
    await fs.chown(dir, uid, 0);
    return { gid: 0 };
  } catch {
    return { gid, extraGroup: gid };
  }
}

/** A folder only this user and the group in `access` can use (a step's own folders and their parent). */
export async function privateDir(dir: string, access: RunDirAccess, mode: number): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode });
  const st = await fs.stat(dir);
  if (st.gid !== access.gid) await fs.chown(dir, st.uid, access.gid);
  // chmod after mkdir: the umask must not decide; setgid keeps the group on what containers create.
  await fs.chmod(dir, mode);
}

/** A folder the task container's random uid (group 0) writes: 2770, ours, shared with the run group. */
export const sharedDir = (dir: string, access: RunDirAccess) => privateDir(dir, access, 0o2770);
