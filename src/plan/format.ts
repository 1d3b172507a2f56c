/** Human-readable rendering of a Plan (what `nbbuild plan` prints without --json). */
import { formatLocation } from "../errors.js";
import type { Plan, Step } from "./types.js";

const list = (xs: readonly string[]) => (xs.length ? xs.join(", ") : "-");
const kv = (r: Record<string, string>) => Object.entries(r).map(([k, v]) => `${k}=${v}`).join(", ");

/** Where a step's code comes from: its cells (and notebook, when not the plan's), a script, an Elyra node. */
function origin(s: Step, plan: Plan): string {
  const node = s.source.node ? `; node ${s.source.node}` : "";
  if (s.kind === "script") return `script ${s.script ?? s.source.file}${node}`;
  let cellRefs = s.source.cells ?? [];
  let file = s.source.file;
  if (!cellRefs.length && s.source.node) {
    // An Elyra notebook node: the step's own cells live in the node's notebook.
    const own = s.code.filter((b) => b.role === "step");
    cellRefs = own.map((b) => b.cell);
    file = own[0]?.file ?? s.code[0]?.file ?? file;
  }
  const cells = cellRefs.map((c) => String(c.index));
  const where = file !== plan.source.file ? ` in ${file}` : "";
  return `cell${cells.length === 1 ? "" : "s"} ${list(cells)}${where}${node}`;
}

function stepLines(s: Step, i: number, plan: Plan): string[] {
  const out = [`  ${i + 1}. ${s.name}  (${origin(s, plan)})`];
  const row = (label: string, value: string) => out.push(`       ${label.padEnd(13)}${value}`);
  row("after:", list(s.after));
  row("inputs:", list(s.inputs.map((x) => `${x.name} <- ${x.from}`)));
  row("outputs:", list(s.outputs));
  row("parameters:", list(s.parameters));
  if (s.metrics.length) row("metrics:", list(s.metrics));
  if (s.requirements.length) row("requirements:", list(s.requirements));
  if (s.image) row("image:", s.image);
  if (Object.keys(s.limits).length) row("limits:", kv(s.limits));
  if (Object.keys(s.requests).length) row("requests:", kv(s.requests));
  if (Object.keys(s.labels).length) row("labels:", kv(s.labels));
  if (Object.keys(s.annotations).length) row("annotations:", kv(s.annotations));
  if (s.secrets.length) row("secrets:", list(s.secrets.map((x) => `${x.env} <- secret ${x.secret}/${x.key}`)));
  if (s.volumes.length) row("volumes:", list(s.volumes.map((v) => `${v.pvc} at ${v.mountPath}`)));
  if (s.fileInputs.length) row("files from:", list(s.fileInputs.map((f) => f.from)));
  if (s.fileOutputs.length) row("file outputs:", list(s.fileOutputs));
  if (s.fileHints.length) row("writes (hint):", list(s.fileHints));
  if (!s.cache) row("cache:", "disabled");
  if (!s.report) row("report:", "disabled");
  return out;
}

/** Renders the plan as text: steps with deps, inputs (with producers), outputs, parameters, metrics, unassigned cells, warnings. */
export function formatPlan(plan: Plan): string {
  const out: string[] = [];
  out.push(`Pipeline ${plan.name}  (${plan.source.file})`);
  if (plan.description) out.push(`  ${plan.description}`);
  const facts = [plan.experiment && `experiment: ${plan.experiment}`, `base image: ${plan.baseImage ?? "(default)"}`].filter(Boolean);
  out.push(`  ${facts.join("   ")}`);
  if (plan.volumes.length) out.push(`  volumes: ${plan.volumes.map((v) => `${v.pvc} at ${v.mountPath}`).join(", ")}`);
  out.push("");
  out.push(`Parameters (${plan.parameters.length})`);
  for (const p of plan.parameters) out.push(`  ${p.name} = ${formatDefault(p)}  (${p.type})`);
  if (!plan.parameters.length) out.push("  -");
  out.push("");
  out.push(`Steps (${plan.steps.length}, in run order)`);
  plan.steps.forEach((s, i) => out.push(...stepLines(s, i, plan)));
  out.push("");
  out.push(`Metrics (${plan.metrics.length})`);
  for (const m of plan.metrics) out.push(`  ${m.name}  (${plan.parameters.some((p) => p.name === m.name) ? "pipeline parameter, " : ""}reported by ${m.step})`);
  if (!plan.metrics.length) out.push("  -");
  if (plan.unassigned.length) {
    out.push("");
    out.push(`Unassigned cells (${plan.unassigned.length}): these come before the first tag, belong to no step and do not run`);
    for (const c of plan.unassigned) out.push(`  cell ${c.index}${c.id ? ` (id ${c.id})` : ""}`);
  }
  const warnings = plan.diagnostics.filter((d) => d.level === "warning");
  if (warnings.length) {
    out.push("");
    out.push(`Warnings (${warnings.length})`);
    for (const d of warnings) out.push(`  ${formatLocation(d.location)}: ${d.message}`);
  }
  return out.join("\n") + "\n";
}

/** A parameter default as Python would print it (a float default keeps its `.0`). */
function formatDefault(p: Plan["parameters"][number]): string {
  if (p.type === "NUMBER_DOUBLE" && typeof p.default === "number" && Number.isInteger(p.default)) return `${p.default}.0`;
  return JSON.stringify(p.default);
}
