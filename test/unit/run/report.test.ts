import { describe, expect, it } from "vitest";
import { formatEvent, formatSummary, toRunJson } from "../../../src/run/report.js";
import type { RunResult } from "../../../src/run/scheduler.js";

const result: RunResult = {
  status: "failed",
  runId: "r1",
  workdir: "/w",
  order: ["load", "train", "report"],
  steps: {
    load: { status: "succeeded", seconds: 1.25, log: "/w/load/log.txt", outputs: ["df"], metrics: {} },
    train: {
      status: "failed", seconds: 3, log: "/w/train/log.txt", outputs: [], metrics: {}, exitCode: 1, reason: "exited with code 1",
      tail: ["Traceback …", "ValueError: boom", "nbbuild: step train failed in nb.ipynb cell 4 (id ab)"],
      cellLine: "nbbuild: step train failed in nb.ipynb cell 4 (id ab)",
    },
    report: { status: "skipped", seconds: 0, log: "/w/report/log.txt", outputs: [], metrics: {}, reason: "upstream train did not succeed" },
  },
  metrics: { accuracy: 0.9, n: 3 },
};

describe("run report", () => {
  it("puts the failing step's cell and last lines before the table and metrics", () => {
    const text = formatSummary(result);
    expect(text).toMatch(/step train failed: exited with code 1\n  nbbuild: step train failed in nb.ipynb cell 4 \(id ab\)\n  last 3 log lines \(\/w\/train\/log.txt\):\n    Traceback/);
    expect(text).toMatch(/STEP\s+STATUS\s+SECONDS\s+OUTPUTS\nload\s+succeeded\s+1.3\s+df\ntrain\s+failed\s+3.0\s+-\nreport\s+skipped/);
    expect(text).toMatch(/metrics:\n  accuracy = 0.9\n  n = 3/);
  });
  it("prints the documented JSON shape", () => {
    const j = toRunJson(result);
    expect(j.status).toBe("failed");
    expect(j.steps.load).toEqual({ status: "succeeded", seconds: 1.25, log: "/w/load/log.txt" });
    expect(j.steps.train.cell).toMatch(/cell 4/);
    expect(j.metrics).toEqual({ accuracy: 0.9, n: 3 });
  });
  it("prefixes log lines with the step", () => {
    expect(formatEvent({ type: "line", step: "a", line: "hi" })).toBe("[a] hi");
    expect(formatEvent({ type: "state", step: "a", status: "failed", seconds: 2, reason: "x" })).toBe("==> a: failed 2.0s (x)");
  });
});
