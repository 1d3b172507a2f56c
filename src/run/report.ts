/** Text and JSON renderings of run progress and results (pure; the CLI only prints them). */
import type { IrValue } from "./ir.js";
import { renderParam } from "./placeholders.js";
import type { RunEvent, RunResult } from "./scheduler.js";

/** One progress line for a state change, or the prefixed log line. */
export function formatEvent(e: RunEvent): string {
  if (e.type === "line") return `[${e.step}] ${e.line}`;
  const secs = e.status === "running" && !e.seconds ? "" : ` ${e.seconds.toFixed(1)}s`;
  return `==> ${e.step}: ${e.status}${secs}${e.reason && e.status !== "running" ? ` (${e.reason})` : ""}`;
}

const pad = (s: string, n: number) => s + " ".repeat(Math.max(0, n - s.length));

/** Renders rows as aligned columns. */
function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : pad(c, widths[i]))).join("  ").trimEnd()).join("\n");
}

const metricText = (v: IrValue) => (typeof v === "object" && v !== null ? JSON.stringify(v) : renderParam(v));

/** The end-of-run report: failures with their last log lines and cell, summary table, metrics. */
export function formatSummary(r: RunResult): string {
  const out: string[] = [];
  for (const name of r.order) {
    const s = r.steps[name];
    if (s.status !== "failed") continue;
    out.push(`step ${name} failed: ${s.reason ?? "unknown error"}`);
    if (s.cellLine) out.push(`  ${s.cellLine}`);
    if (s.tail?.length) out.push(`  last ${s.tail.length} log lines (${s.log}):`, ...s.tail.map((l) => `    ${l}`));
    out.push("");
  }
  const rows = [["STEP", "STATUS", "SECONDS", "OUTPUTS"]];
  for (const name of r.order) {
    const s = r.steps[name];
    rows.push([name, s.status, s.seconds.toFixed(1), s.outputs.join(", ") || "-"]);
  }
  out.push(table(rows));
  const metrics = Object.keys(r.metrics).sort();
  if (metrics.length) out.push("", "metrics:", ...metrics.map((m) => `  ${m} = ${metricText(r.metrics[m])}`));
  out.push("", `run ${r.status}: ${r.workdir}`);
  if (r.report) out.push(`report: ${r.report}`);
  return out.join("\n");
}

/** The `--json` document. */
export function toRunJson(r: RunResult): {
  status: string;
  steps: Record<string, { status: string; seconds: number; log: string; reason?: string; cell?: string }>;
  metrics: Record<string, IrValue>;
  workdir: string;
  report?: string;
} {
  const steps: Record<string, { status: string; seconds: number; log: string; reason?: string; cell?: string }> = {};
  for (const name of r.order) {
    const s = r.steps[name];
    steps[name] = { status: s.status, seconds: s.seconds, log: s.log };
    if (s.reason) steps[name].reason = s.reason;
    if (s.cellLine) steps[name].cell = s.cellLine;
  }
  return { status: r.status, steps, metrics: r.metrics, workdir: r.workdir, ...(r.report ? { report: r.report } : {}) };
}
