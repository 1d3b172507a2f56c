/** A full disk is a clear error naming the file and the fix, not a raw ENOSPC (issue 13.15). */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { NbbuildError } from "../../../src/errors.js";
import { writeFileAtomic } from "../../../src/io/atomic.js";
import { cleanTemps, tempDir } from "../../support/temp.js";

const mounted: string[] = [];
afterAll(() => {
  for (const m of mounted) spawnSync("umount", [m]);
  cleanTemps();
});

/** A 16 KiB tmpfs (root can mount one here); undefined where mounting is not allowed. */
function tinyDisk(): string | undefined {
  const dir = tempDir("nbb-full-");
  const r = spawnSync("mount", ["-t", "tmpfs", "-o", "size=16k", "tmpfs", dir]);
  if (r.status !== 0) return undefined;
  mounted.push(dir);
  return dir;
}
const disk = tinyDisk();

describe.skipIf(!disk)("writing to a full disk", () => {
  it("the atomic writer says which file could not be written, and leaves no partial file", () => {
    const file = join(disk!, "pipeline.yaml");
    let err: unknown;
    try {
      writeFileAtomic(file, "x".repeat(200_000));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NbbuildError);
    expect((err as NbbuildError).problems).toEqual([
      { location: { file }, message: "cannot write: no space left on the device", fix: "free disk space there (df -h shows what is full), or write to another place" },
    ]);
    expect(existsSync(file)).toBe(false);
    expect(readdirSync(disk!)).toEqual([]);
    execFileSync("df", [disk!]); // the mount is still there to be cleaned up
  });
});
