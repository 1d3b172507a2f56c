import type { Reporter } from "vitest/reporters";

interface TaskLike {
  type: string;
  mode?: string;
  result?: { state?: string };
  tasks?: TaskLike[];
}

/**
 * Prints one plain closing line, `tests: N passed, N failed, N skipped`, that CI reads
 * (vitest's own summary is not one of the formats CI recognises).
 */
export default class SummaryReporter implements Reporter {
  onFinished(files: TaskLike[] = [], errors: unknown[] = []): void {
    const count = { passed: 0, failed: 0, skipped: 0 };
    const walk = (t: TaskLike): void => {
      if (t.tasks) t.tasks.forEach(walk);
      if (t.type !== "test") return;
      const state = t.result?.state;
      if (state === "pass") count.passed++;
      else if (state === "fail") count.failed++;
      else count.skipped++;
    };
    files.forEach(walk);
    // A file that failed to load has no tests but is a failure all the same.
    const brokenFiles = files.filter((f) => f.result?.state === "fail" && !(f.tasks ?? []).length).length;
    count.failed += brokenFiles + errors.length;
    process.stdout.write(`\ntests: ${count.passed} passed, ${count.failed} failed, ${count.skipped} skipped\n`);
  }
}
