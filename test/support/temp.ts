/** Temporary folders for tests that remove themselves: call `cleanTemps` in afterEach/afterAll. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const made: string[] = [];

/** A fresh folder `/tmp/<prefix>XXXXXX`, removed by the next `cleanTemps()`. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Removes every folder `tempDir` made so far (the test file's afterEach/afterAll hook). */
export function cleanTemps(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
