/**
 * Pictures of a Plan's DAG: Mermaid text, and an SVG drawn by a small layered layout
 * (longest-path layers, barycentre ordering), plus an HTML page embedding the SVG.
 */
import { NbbuildError } from "../errors.js";
import type { Plan } from "./types.js";

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Variables flowing along each edge, keyed `from->to`. */
function edgeLabels(plan: Plan): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const s of plan.steps) {
    for (const a of s.after) m.set(`${a}->${s.name}`, []);
    for (const i of s.inputs) m.get(`${i.from}->${s.name}`)?.push(i.name);
  }
  return m;
}

const shortList = (xs: string[], max = 3) => (xs.length > max ? `${xs.slice(0, max).join(", ")} +${xs.length - max}` : xs.join(", "));

/** Mermaid flowchart text of the DAG (edges labelled with the variables they carry). */
export function toMermaid(plan: Plan): string {
  const lines = ["flowchart TD"];
  for (const s of plan.steps) {
    const extra = s.parameters.length ? `<br/><small>params: ${shortList(s.parameters)}</small>` : "";
    lines.push(`  ${s.name}["${s.name}${extra}"]`);
  }
  const labels = edgeLabels(plan);
  for (const s of plan.steps) {
    for (const a of s.after) {
      const vars = labels.get(`${a}->${s.name}`) ?? [];
      lines.push(vars.length ? `  ${a} -->|"${shortList(vars)}"| ${s.name}` : `  ${a} --> ${s.name}`);
    }
  }
  for (const m of plan.metrics) {
    const id = `metric_${m.name.replace(/[^A-Za-z0-9_]/g, "_")}`;
    lines.push(`  ${id}(["metric: ${m.name}"])`);
    lines.push(`  ${m.step} -.-> ${id}`);
  }
  return lines.join("\n") + "\n";
}

interface Box {
  name: string;
  sub: string;
  layer: number;
  x: number;
  y: number;
  w: number;
}

const CHAR = 7.2;
const H = 46;
const GAP_X = 36;
const GAP_Y = 84;
const PAD = 24;

/** Positions of every step: layer = longest path from a root, order within a layer by barycentre. */
function layout(plan: Plan): { boxes: Map<string, Box>; width: number; height: number } {
  const layerOf = new Map<string, number>();
  for (const s of plan.steps) layerOf.set(s.name, Math.max(0, ...s.after.map((a) => (layerOf.get(a) ?? 0) + 1)));
  const layers: string[][] = [];
  for (const s of plan.steps) (layers[layerOf.get(s.name)!] ??= []).push(s.name);
  const parents = new Map(plan.steps.map((s) => [s.name, s.after]));
  const children = new Map<string, string[]>(plan.steps.map((s) => [s.name, []]));
  for (const s of plan.steps) for (const a of s.after) children.get(a)?.push(s.name);
  const pos = new Map<string, number>();
  const index = () => layers.forEach((l) => l.forEach((n, i) => pos.set(n, i)));
  index();
  const bary = (n: string, nbrs: string[]) => (nbrs.length ? nbrs.reduce((t, p) => t + pos.get(p)!, 0) / nbrs.length : pos.get(n)!);
  for (let sweep = 0; sweep < 4; sweep++) {
    const down = sweep % 2 === 0;
    const seq = down ? layers.slice(1) : layers.slice(0, -1).reverse();
    for (const l of seq) {
      const key = new Map(l.map((n) => [n, bary(n, down ? parents.get(n)! : children.get(n)!)]));
      l.sort((a, b) => key.get(a)! - key.get(b)! || pos.get(a)! - pos.get(b)!);
      l.forEach((n, i) => pos.set(n, i));
    }
  }
  const byName = new Map(plan.steps.map((s) => [s.name, s]));
  const boxes = new Map<string, Box>();
  let width = 0;
  layers.forEach((l, li) => {
    let x = PAD;
    for (const n of l) {
      const s = byName.get(n)!;
      const sub = s.outputs.length ? `out: ${shortList(s.outputs, 2)}` : s.metrics.length ? `metrics: ${shortList(s.metrics, 2)}` : "";
      const w = Math.max(110, Math.ceil(Math.max(n.length * (CHAR + 1), sub.length * (CHAR - 1.2))) + 28);
      boxes.set(n, { name: n, sub, layer: li, x, y: PAD + li * (H + GAP_Y), w });
      x += w + GAP_X;
    }
    width = Math.max(width, x - GAP_X + PAD);
  });
  // centre each layer in the widest one
  layers.forEach((l) => {
    const last = boxes.get(l[l.length - 1]!)!;
    const used = last.x + last.w + PAD;
    const shift = (width - used) / 2;
    for (const n of l) boxes.get(n)!.x += shift;
  });
  return { boxes, width: Math.max(width, 200), height: PAD * 2 + layers.length * H + Math.max(0, layers.length - 1) * GAP_Y };
}

/** Fill and stroke of a step's box, by step name (e.g. a run report colouring steps by status). */
export type StepColours = Record<string, { fill: string; stroke: string }>;

/** A standalone SVG picture of the DAG; `colours` overrides the boxes' default colours. */
export function toSvg(plan: Plan, colours: StepColours = {}): string {
  const { boxes, width, height } = layout(plan);
  const labels = edgeLabels(plan);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${Math.ceil(width)}" height="${Math.ceil(height)}" viewBox="0 0 ${Math.ceil(width)} ${Math.ceil(height)}" font-family="ui-sans-serif, system-ui, sans-serif">`);
  parts.push(`<title>${esc(plan.name)}</title>`);
  parts.push('<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#64748b"/></marker></defs>');
  parts.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  for (const s of plan.steps) {
    const to = boxes.get(s.name)!;
    for (const a of s.after) {
      const from = boxes.get(a);
      if (!from) continue;
      const x1 = from.x + from.w / 2;
      const y1 = from.y + H;
      const x2 = to.x + to.w / 2;
      const y2 = to.y - 2;
      const my = (y1 + y2) / 2;
      parts.push(`<path d="M${x1.toFixed(1)},${y1} C${x1.toFixed(1)},${my} ${x2.toFixed(1)},${my} ${x2.toFixed(1)},${y2}" fill="none" stroke="#64748b" stroke-width="1.4" marker-end="url(#arrow)"/>`);
      const vars = labels.get(`${a}->${s.name}`) ?? [];
      if (vars.length) {
        // Near the target when the target has one parent (fan-out labels stay apart), near the source otherwise.
        const t = s.after.length > 1 ? 0.3 : 0.7;
        const u = 1 - t;
        const lx = u * u * u * x1 + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t * t * t * x2;
        const ly = u * u * u * y1 + 3 * u * u * t * my + 3 * u * t * t * my + t * t * t * y2;
        parts.push(`<text x="${lx.toFixed(1)}" y="${(ly + 4).toFixed(1)}" font-size="11" text-anchor="middle" fill="#334155" paint-order="stroke" stroke="#ffffff" stroke-width="4">${esc(shortList(vars, 2))}</text>`);
      }
    }
  }
  for (const s of plan.steps) {
    const b = boxes.get(s.name)!;
    const fill = colours[s.name]?.fill ?? (s.metrics.length ? "#ecfdf5" : "#eff6ff");
    const stroke = colours[s.name]?.stroke ?? (s.metrics.length ? "#059669" : "#2563eb");
    parts.push(`<g><title>${esc(`${s.name}\ninputs: ${s.inputs.map((i) => `${i.name} <- ${i.from}`).join(", ") || "-"}\noutputs: ${s.outputs.join(", ") || "-"}\nparameters: ${s.parameters.join(", ") || "-"}`)}</title>`);
    parts.push(`<rect x="${b.x.toFixed(1)}" y="${b.y}" width="${b.w}" height="${H}" rx="9" fill="${fill}" stroke="${stroke}" stroke-width="1.5"/>`);
    parts.push(`<text x="${(b.x + b.w / 2).toFixed(1)}" y="${b.y + (b.sub ? 20 : 28)}" font-size="14" font-weight="600" text-anchor="middle" fill="#0f172a">${esc(b.name)}</text>`);
    if (b.sub) parts.push(`<text x="${(b.x + b.w / 2).toFixed(1)}" y="${b.y + 36}" font-size="11" text-anchor="middle" fill="#475569">${esc(b.sub)}</text>`);
    parts.push("</g>");
  }
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}

/** An HTML page with the SVG picture, the parameters and the metrics. */
export function toHtml(plan: Plan): string {
  const params = plan.parameters.map((p) => `<li><code>${esc(p.name)}</code> = <code>${esc(JSON.stringify(p.default))}</code> <small>${p.type}</small></li>`).join("");
  const metrics = plan.metrics.map((m) => `<li><code>${esc(m.name)}</code> from <code>${esc(m.step)}</code></li>`).join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(plan.name)} — nbbuild DAG</title>
<style>body{font-family:ui-sans-serif,system-ui,sans-serif;margin:2rem;color:#0f172a}h1{font-size:1.3rem}small{color:#64748b}.dag{overflow:auto;border:1px solid #e2e8f0;border-radius:8px;padding:8px}</style>
</head><body>
<h1>${esc(plan.name)}</h1>
${plan.description ? `<p>${esc(plan.description)}</p>` : ""}
<div class="dag">
${toSvg(plan)}</div>
<h2>Parameters</h2><ul>${params || "<li>none</li>"}</ul>
<h2>Metrics</h2><ul>${metrics || "<li>none</li>"}</ul>
<p><small>${plan.steps.length} steps from ${esc(plan.source.file)}; hover a step for its inputs and outputs.</small></p>
</body></html>
`;
}

/** Renders the picture for an output file name: .mmd/.mermaid, .svg or .html. */
export function renderGraph(plan: Plan, outFile: string): string {
  if (/\.(mmd|mermaid)$/i.test(outFile)) return toMermaid(plan);
  if (/\.svg$/i.test(outFile)) return toSvg(plan);
  if (/\.html?$/i.test(outFile)) return toHtml(plan);
  throw NbbuildError.at({ file: outFile }, "unknown picture format", "name the output file *.mmd (Mermaid), *.svg or *.html");
}
