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
/** Width reserved in a layer for an edge passing through it (a lane between boxes). */
const LANE = 16;

const edgeKey = (from: string, to: string) => `${from}->${to}`;
/** Name of the lane an edge `key` takes through layer `k`; the NUL keeps it apart from step names. */
const laneName = (key: string, k: number) => `\u0000${key}#${k}`;

interface Layout {
  boxes: Map<string, Box>;
  /** For each edge spanning more than one layer: the x of its lane in every layer it passes. */
  lanes: Map<string, number[]>;
  width: number;
  height: number;
}

/**
 * Positions of every step: layer = longest path from a root, order within a layer by barycentre.
 * An edge skipping layers gets a lane (a narrow virtual node) in each layer in between, ordered with
 * the boxes, so it is drawn through a gap instead of through a box it does not connect.
 */
function layout(plan: Plan): Layout {
  const layerOf = new Map<string, number>();
  for (const s of plan.steps) layerOf.set(s.name, Math.max(0, ...s.after.map((a) => (layerOf.get(a) ?? 0) + 1)));
  const layers: string[][] = [];
  for (const s of plan.steps) (layers[layerOf.get(s.name)!] ??= []).push(s.name);
  const parents = new Map<string, string[]>(plan.steps.map((s) => [s.name, []]));
  const children = new Map<string, string[]>(plan.steps.map((s) => [s.name, []]));
  const link = (a: string, b: string) => {
    children.get(a)!.push(b);
    parents.get(b)!.push(a);
  };
  const laneNames = new Map<string, string[]>();
  for (const s of plan.steps) {
    for (const a of s.after) {
      if (!layerOf.has(a)) continue;
      const names: string[] = [];
      let prev = a;
      for (let k = layerOf.get(a)! + 1; k < layerOf.get(s.name)!; k++) {
        const lane = laneName(edgeKey(a, s.name), k);
        parents.set(lane, []);
        children.set(lane, []);
        layers[k]!.push(lane);
        link(prev, lane);
        names.push(lane);
        prev = lane;
      }
      link(prev, s.name);
      if (names.length) laneNames.set(edgeKey(a, s.name), names);
    }
  }
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
      const s = byName.get(n);
      const sub = !s ? "" : s.outputs.length ? `out: ${shortList(s.outputs, 2)}` : s.metrics.length ? `metrics: ${shortList(s.metrics, 2)}` : "";
      const w = !s ? LANE : Math.max(110, Math.ceil(Math.max(n.length * (CHAR + 1), sub.length * (CHAR - 1.2))) + 28);
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
  const lanes = new Map([...laneNames].map(([key, names]) => [key, names.map((n) => boxes.get(n)!.x + LANE / 2)]));
  for (const names of laneNames.values()) for (const n of names) boxes.delete(n);
  return { boxes, lanes, width: Math.max(width, 200), height: PAD * 2 + layers.length * H + Math.max(0, layers.length - 1) * GAP_Y };
}

type Pt = { x: number; y: number };
/** One piece of an edge: a cubic curve across the gap between two layers, or a straight run down a lane. */
type Piece = { from: Pt; to: Pt; curve: boolean };

/** The pieces of an edge from the bottom of `from` to the top of `to`, through its lanes. */
function route(from: Box, to: Box, laneXs: number[]): Piece[] {
  const pts: Pt[] = [{ x: from.x + from.w / 2, y: from.y + H }];
  laneXs.forEach((x, i) => {
    const top = PAD + (from.layer + 1 + i) * (H + GAP_Y);
    pts.push({ x, y: top }, { x, y: top + H });
  });
  pts.push({ x: to.x + to.w / 2, y: to.y - 2 });
  return pts.slice(1).map((p, i) => ({ from: pts[i]!, to: p, curve: i % 2 === 0 }));
}

/** A point `t` of the way along a piece (curves bend with vertical tangents at both ends). */
function pointOn(p: Piece, t: number): Pt {
  if (!p.curve) return { x: p.from.x + (p.to.x - p.from.x) * t, y: p.from.y + (p.to.y - p.from.y) * t };
  const my = (p.from.y + p.to.y) / 2;
  const u = 1 - t;
  const x = (u * u * u + 3 * u * u * t) * p.from.x + (3 * u * t * t + t * t * t) * p.to.x;
  const y = u * u * u * p.from.y + 3 * u * u * t * my + 3 * u * t * t * my + t * t * t * p.to.y;
  return { x, y };
}

const f = (n: number) => n.toFixed(1);

function pathData(pieces: Piece[]): string {
  let d = `M${f(pieces[0]!.from.x)},${f(pieces[0]!.from.y)}`;
  for (const p of pieces) {
    const my = f((p.from.y + p.to.y) / 2);
    d += p.curve ? ` C${f(p.from.x)},${my} ${f(p.to.x)},${my} ${f(p.to.x)},${f(p.to.y)}` : ` L${f(p.to.x)},${f(p.to.y)}`;
  }
  return d;
}

/**
 * Where each edge's label goes: a point on the edge's first or last curve, chosen to be as far as
 * possible from every other edge and from labels already placed, so a label reads as its own edge's.
 */
function placeLabels(edges: { key: string; pieces: Piece[] }[], labelled: Set<string>): Map<string, Pt> {
  const samples = new Map(edges.map((e) => [e.key, e.pieces.flatMap((p) => Array.from({ length: 17 }, (_, i) => pointOn(p, i / 16)))]));
  const dist = (a: Pt, b: Pt) => Math.hypot(a.x - b.x, a.y - b.y);
  const placed = new Map<string, Pt>();
  for (const e of edges) {
    if (!labelled.has(e.key)) continue;
    const ends = e.pieces.length > 1 ? [e.pieces[0]!, e.pieces[e.pieces.length - 1]!] : [e.pieces[0]!];
    let best: { at: Pt; score: number } | undefined;
    for (const piece of ends) {
      for (let i = 2; i <= 8; i++) {
        const at = pointOn(piece, i / 10);
        let score = Infinity;
        for (const [other, pts] of samples) if (other !== e.key) for (const q of pts) score = Math.min(score, dist(at, q));
        for (const q of placed.values()) score = Math.min(score, dist(at, q) / 2);
        if (!best || score > best.score + 0.5) best = { at, score };
      }
    }
    placed.set(e.key, best!.at);
  }
  return placed;
}

/** Fill and stroke of a step's box, by step name (e.g. a run report colouring steps by status). */
export type StepColours = Record<string, { fill: string; stroke: string }>;

/** A standalone SVG picture of the DAG; `colours` overrides the boxes' default colours. */
export function toSvg(plan: Plan, colours: StepColours = {}): string {
  const { boxes, lanes, width, height } = layout(plan);
  const labels = edgeLabels(plan);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${Math.ceil(width)}" height="${Math.ceil(height)}" viewBox="0 0 ${Math.ceil(width)} ${Math.ceil(height)}" font-family="ui-sans-serif, system-ui, sans-serif">`);
  parts.push(`<title>${esc(plan.name)}</title>`);
  parts.push('<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#64748b"/></marker></defs>');
  parts.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  const edges: { key: string; pieces: Piece[] }[] = [];
  for (const s of plan.steps) {
    for (const a of s.after) {
      const from = boxes.get(a);
      if (!from) continue;
      const key = edgeKey(a, s.name);
      edges.push({ key, pieces: route(from, boxes.get(s.name)!, lanes.get(key) ?? []) });
    }
  }
  const labelled = new Set(edges.filter((e) => labels.get(e.key)?.length).map((e) => e.key));
  const labelAt = placeLabels(edges, labelled);
  for (const e of edges) {
    parts.push(`<path d="${pathData(e.pieces)}" data-edge="${esc(e.key)}" fill="none" stroke="#64748b" stroke-width="1.4" marker-end="url(#arrow)"/>`);
  }
  // labels after all edges, so no edge is drawn over a label's white halo
  for (const e of edges) {
    const at = labelAt.get(e.key);
    if (at) parts.push(`<text x="${f(at.x)}" y="${f(at.y + 4)}" font-size="11" text-anchor="middle" fill="#334155" paint-order="stroke" stroke="#ffffff" stroke-width="4" data-edge="${esc(e.key)}">${esc(shortList(labels.get(e.key)!, 2))}</text>`);
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
