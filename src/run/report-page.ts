/**
 * The run report page (`report.html` in the run folder): the DAG coloured by step status, then
 * each step's status, duration, metrics, HTML report (figures inline as data: URIs) and log. One
 * self-contained file: no scripts, no links to anything outside it.
 */
import fs from "node:fs/promises";
import path from "node:path";
import { writeFileAtomic } from "../io/atomic.js";
import { toSvg, type StepColours } from "../plan/graph.js";
import { neutralPlan, neutralStep } from "../plan/neutral.js";
import type { Plan } from "../plan/types.js";
import type { IrValue, RunGraph } from "./ir.js";
import { hostPaths } from "./layout.js";
import { renderParam } from "./placeholders.js";
import type { RunResult, StepStatus } from "./scheduler.js";

/** What the page shows of one step besides its outcome, read from the run folder. */
export interface StepPageContent {
  log: string;
  /** True when only the end of a long log is shown. */
  logTruncated: boolean;
  /** Bodies of the step's HTML outputs (its report, Elyra web-app output), by artifact name. */
  html: { name: string; body: string }[];
  /** Its Markdown outputs, shown as text. */
  markdown: { name: string; text: string }[];
}

/** Everything the page is made of. */
export interface RunReportInput {
  result: RunResult;
  graph: RunGraph;
  /** The plan when the run came from a notebook/.pipeline (its DAG picture has variable labels). */
  plan?: Plan;
  parameters: Record<string, IrValue>;
  content: Record<string, StepPageContent>;
}

export const REPORT_FILE = "report.html";
const LOG_LIMIT = 256 * 1024;

const STATUS_COLOURS: Record<StepStatus, { fill: string; stroke: string }> = {
  succeeded: { fill: "#dcfce7", stroke: "#16a34a" },
  reused: { fill: "#e0f2fe", stroke: "#0284c7" },
  failed: { fill: "#fee2e2", stroke: "#dc2626" },
  skipped: { fill: "#f1f5f9", stroke: "#94a3b8" },
  cancelled: { fill: "#fef3c7", stroke: "#d97706" },
  pending: { fill: "#f8fafc", stroke: "#cbd5e1" },
  running: { fill: "#ede9fe", stroke: "#7c3aed" },
};

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const valueText = (v: IrValue) => (typeof v === "object" && v !== null ? JSON.stringify(v) : renderParam(v));
const seconds = (s: number) => (s >= 60 ? `${Math.floor(s / 60)} min ${(s % 60).toFixed(0)} s` : `${s.toFixed(1)} s`);
const badge = (status: StepStatus) => `<span class="status s-${status}">${status}</span>`;

/** A plan-shaped picture of a pipeline file's DAG (task names and dependencies only). */
function dagOf(graph: RunGraph): Plan {
  return neutralPlan(graph.tasks.map((t) => neutralStep(t.name, { after: t.deps })), "", { name: graph.name });
}

function metricsTable(metrics: Record<string, IrValue>): string {
  const names = Object.keys(metrics).sort();
  if (!names.length) return "";
  const rows = names.map((m) => `<tr><td>${esc(m)}</td><td class="num">${esc(valueText(metrics[m]))}</td></tr>`).join("");
  return `<table class="metrics"><tr><th>metric</th><th>value</th></tr>${rows}</table>`;
}

function stepSection(name: string, input: RunReportInput): string {
  const s = input.result.steps[name];
  const c = input.content[name];
  const parts = [`<section class="step" id="step-${esc(name)}"><h2>${esc(name)} ${badge(s.status)} <small>${seconds(s.seconds)}</small></h2>`];
  if (s.reason) parts.push(`<p class="reason">${esc(s.reason)}</p>`);
  if (s.cellLine) parts.push(`<p class="reason">${esc(s.cellLine)}</p>`);
  parts.push(metricsTable(s.metrics));
  for (const h of c?.html ?? []) parts.push(`<details open><summary>${h.name === "nbbuild_report" ? "Report" : esc(h.name)}</summary><div class="step-report">${h.body}</div></details>`);
  for (const m of c?.markdown ?? []) parts.push(`<details open><summary>${esc(m.name)}</summary><pre>${esc(m.text)}</pre></details>`);
  const log = c?.log ?? "";
  const lines = log ? log.replace(/\n$/, "").split("\n").length : 0;
  parts.push(
    `<details${s.status === "failed" ? " open" : ""}><summary>Log (${lines} line${lines === 1 ? "" : "s"}${c?.logTruncated ? ", last 256 KiB" : ""})</summary>` +
      `<pre class="log">${esc(log) || "<i>empty</i>"}</pre></details>`,
  );
  parts.push("</section>");
  return parts.join("\n");
}

/** The page (pure: everything it shows is in `input`). */
export function renderRunReport(input: RunReportInput): string {
  const { result, graph } = input;
  const dag = input.plan ?? dagOf(graph);
  const colours: StepColours = {};
  for (const step of dag.steps) {
    const status = result.steps[step.name]?.status;
    if (status) colours[step.name] = STATUS_COLOURS[status];
  }
  const rows = result.order
    .map((n) => {
      const s = result.steps[n];
      const metrics = Object.keys(s.metrics).sort().map((m) => `${esc(m)} = ${esc(valueText(s.metrics[m]))}`).join("<br>");
      return `<tr><td><a href="#step-${esc(n)}">${esc(n)}</a></td><td>${badge(s.status)}</td><td class="num">${seconds(s.seconds)}</td><td>${metrics || "-"}</td></tr>`;
    })
    .join("\n");
  const params = Object.keys(input.parameters).sort();
  const legend = (Object.keys(STATUS_COLOURS) as StepStatus[])
    .filter((st) => result.order.some((n) => result.steps[n].status === st))
    .map(badge)
    .join(" ");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(graph.name)} — run ${esc(result.status)}</title>
<style>
body{font-family:ui-sans-serif,system-ui,sans-serif;margin:2rem;color:#0f172a;max-width:1100px}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin:.2rem 0 .6rem}small{color:#64748b;font-weight:400}
.status{display:inline-block;padding:.05rem .5rem;border-radius:999px;font-size:.8rem;font-weight:600;border:1px solid}
${(Object.entries(STATUS_COLOURS) as [StepStatus, { fill: string; stroke: string }][]).map(([st, c]) => `.s-${st}{background:${c.fill};border-color:${c.stroke};color:#0f172a}`).join("\n")}
.dag{overflow:auto;border:1px solid #e2e8f0;border-radius:8px;padding:8px;margin:.5rem 0}
table{border-collapse:collapse;margin:.4rem 0}td,th{border:1px solid #e2e8f0;padding:.25rem .6rem;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums}
section.step{border-top:2px solid #e2e8f0;margin-top:1.6rem;padding-top:.8rem}
.reason{color:#b91c1c}summary{cursor:pointer;font-weight:600;margin:.4rem 0}
pre{background:#f8fafc;padding:.6rem;overflow-x:auto;white-space:pre-wrap;word-break:break-word}
.step-report{border-left:3px solid #e2e8f0;padding-left:.8rem}.step-report h1{font-size:1rem}
.step-report img{max-width:100%}.step-report pre.src{border-left:3px solid #6a9fb5}.step-report pre.stderr{background:#fff2f0}
.step-report pre.error{background:#ffe0e0;font-weight:600}.step-report table.dataframe{font-size:.9em}
</style></head><body>
<h1>${esc(graph.name)} ${badge(result.status as StepStatus)}</h1>
<p><small>run ${esc(result.runId)} · ${esc(result.workdir)}</small></p>
<div class="dag">
${toSvg(dag, colours)}</div>
<p>${legend}</p>
<table class="steps"><tr><th>step</th><th>status</th><th>duration</th><th>metrics</th></tr>
${rows}
</table>
<h2>Parameters</h2>
${params.length ? `<table class="params">${params.map((p) => `<tr><td>${esc(p)}</td><td>${esc(valueText(input.parameters[p]))}</td></tr>`).join("")}</table>` : "<p>none</p>"}
<h2>Metrics</h2>
${metricsTable(result.metrics) || "<p>none</p>"}
${result.order.map((n) => stepSection(n, input)).join("\n")}
</body></html>
`;
}

/** The end of a log file (at most LOG_LIMIT bytes). */
async function readLog(file: string): Promise<{ log: string; logTruncated: boolean }> {
  const text = await fs.readFile(file).catch(() => Buffer.alloc(0));
  if (text.length <= LOG_LIMIT) return { log: text.toString("utf8"), logTruncated: false };
  const tail = text.subarray(text.length - LOG_LIMIT).toString("utf8");
  return { log: tail.slice(tail.indexOf("\n") + 1), logTruncated: true };
}

const bodyOf = (html: string) => /<body[^>]*>([\s\S]*)<\/body>/i.exec(html)?.[1] ?? html;

/** Reads each step's log and HTML/Markdown outputs from the run folder. */
export async function readStepContent(result: RunResult, graph: RunGraph): Promise<Record<string, StepPageContent>> {
  const paths = hostPaths(result.workdir);
  const out: Record<string, StepPageContent> = {};
  for (const task of graph.tasks) {
    const c: StepPageContent = { ...(await readLog(paths.log(task.name))), html: [], markdown: [] };
    for (const [name, type] of Object.entries(task.outputArtifacts)) {
      if (type !== "system.HTML" && type !== "system.Markdown") continue;
      const text = await fs.readFile(paths.artifact(task.name, name), "utf8").catch(() => "");
      if (!text.trim()) continue;
      if (type === "system.HTML") c.html.push({ name, body: bodyOf(text) });
      else c.markdown.push({ name, text });
    }
    out[task.name] = c;
  }
  return out;
}

/** Writes `report.html` into the run folder (atomically) and returns its path. */
export async function writeRunReport(input: Omit<RunReportInput, "content">): Promise<string> {
  const file = path.join(input.result.workdir, REPORT_FILE);
  const content = await readStepContent(input.result, input.graph);
  writeFileAtomic(file, renderRunReport({ ...input, content }));
  return file;
}
