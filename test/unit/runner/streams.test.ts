/**
 * stdout/stderr order as the runner writes them: both streams go to ONE file (shared offset, so
 * the file holds the real write order), and python runs WITHOUT -u, so stdout is block-buffered
 * unless the runner's tee flushes each line and flushes before a traceback.
 */
import { spawnSync } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { renderStepModule } from "../../../src/render/step-module.js";
import { block, copyRunner, makePlan, makeStep } from "./fixture.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "nbbuild-runner-streams-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `code` as one cell; returns the exit status and everything written to stdout+stderr, in order. */
function runCombined(name: string, code: string, extra: string[] = []): { status: number | null; log: string } {
  const step = makeStep({ name, code: [block("step", 4, code)] });
  const stepDir = path.join(dir, name);
  mkdirSync(path.join(stepDir, "tmp"), { recursive: true });
  copyRunner(stepDir);
  writeFileSync(path.join(stepDir, "step.py"), renderStepModule(makePlan([step]), step));
  const logPath = path.join(stepDir, "log.txt");
  const fd = openSync(logPath, "w");
  try {
    const r = spawnSync("python3", ["-S", path.join(stepDir, "runner.py"), ...extra], {
      stdio: ["ignore", fd, fd],
      timeout: 60_000,
      env: { PATH: process.env.PATH, HOME: "/nonexistent", TMPDIR: path.join(stepDir, "tmp"), NBBUILD_APP_SRC: path.join(dir, "none") },
    });
    return { status: r.status, log: readFileSync(logPath, "utf8") };
  } finally {
    closeSync(fd);
  }
}

describe("runner stdout/stderr order (no -u, one file for both)", () => {
  it("writes a failing cell's printed lines, a partial line included, before its traceback", () => {
    const report = path.join(dir, "boom-report.html");
    const { status, log } = runCombined("boom", `import sys
print("first")
sys.stderr.write("a warning\\n")
print("about to fail")
sys.stdout.write("partial")
raise ValueError("on purpose")
`, ["--report", report]);
    expect(status).toBe(1);
    expect(log).toBe(
      [
        "first",
        "a warning",
        "about to fail",
        "partial",
        "Traceback (most recent call last):",
        '  File "nb.ipynb [cell 4, id c4]", line 6, in <module>',
        '    raise ValueError("on purpose")',
        "ValueError: on purpose",
        "nbbuild: step boom failed in nb.ipynb cell 4 (id c4), line 6: ValueError: on purpose",
        "",
      ].join("\n"),
    );
    // the newline that ends "partial" in the log is not part of what the cell printed
    expect(readFileSync(report, "utf8")).toContain('<pre class="stdout">about to fail\npartial</pre>');
  });

  it("interleaves print() and stderr writes line by line in a step that succeeds", () => {
    const { status, log } = runCombined("mixed", `import sys
for i in range(3):
    print("out", i)
    print("err", i, file=sys.stderr)
`);
    expect(status).toBe(0);
    expect(log).toBe("out 0\nerr 0\nout 1\nerr 1\nout 2\nerr 2\n");
  });
});
