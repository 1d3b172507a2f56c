/** Leftovers of killed nbbuild processes: found by owner pid/host, removed only when that process is dead. */
import { spawn } from "node:child_process";
import { mkdirSync, existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ownedByDeadProcess, ownedTempPrefix, removeStaleTempDirs } from "../../../src/engines/ownership.js";
import { cleanTemps, tempDir } from "../../support/temp.js";

afterAll(cleanTemps);

/** The pid of a real process killed with SIGKILL (and reaped). */
async function deadPid(): Promise<number> {
  const child = spawn("sleep", ["60"], { stdio: "ignore" });
  await new Promise((r) => child.once("spawn", r));
  const pid = child.pid!;
  child.kill("SIGKILL");
  await new Promise((r) => child.once("exit", r));
  return pid;
}

describe("leftovers of killed nbbuild processes", () => {
  it("removes temporary build folders of a killed process, keeps live ones, its own and others", async () => {
    const root = tempDir("nbbuild-owned-");
    const dead = await deadPid();
    const sleeper = spawn("sleep", ["60"], { stdio: "ignore" });
    try {
      const dirs = {
        deadCtx: `nbbuild-ctx-${dead}-abc`,
        deadPush: `nbbuild-push-${dead}-abc`,
        liveCtx: `nbbuild-ctx-${sleeper.pid}-abc`,
        mine: `${ownedTempPrefix("ctx")}abc`,
        legacy: "nbbuild-ctx-abcdef",
        foreign: `other-ctx-${dead}-abc`,
      };
      for (const d of Object.values(dirs)) mkdirSync(path.join(root, d, "deps"), { recursive: true });
      const removed = await removeStaleTempDirs(root, ["ctx", "push"]);
      expect(removed.sort()).toEqual([path.join(root, dirs.deadCtx), path.join(root, dirs.deadPush)]);
      for (const k of ["liveCtx", "mine", "legacy", "foreign"] as const) expect(existsSync(path.join(root, dirs[k])), k).toBe(true);
    } finally {
      sleeper.kill("SIGKILL");
    }
  });

  it("recognises container labels of a dead nbbuild process on this host only", async () => {
    const dead = await deadPid();
    const host = os.hostname();
    expect(ownedByDeadProcess({ "nbbuild.pid": String(dead), "nbbuild.host": host })).toBe(true);
    expect(ownedByDeadProcess({ "nbbuild.pid": String(dead), "nbbuild.host": "elsewhere" })).toBe(false);
    expect(ownedByDeadProcess({ "nbbuild.pid": String(process.pid), "nbbuild.host": host })).toBe(false);
    expect(ownedByDeadProcess({ "nbbuild.host": host })).toBe(false);
    expect(ownedByDeadProcess(undefined)).toBe(false);
  });
});
