/**
 * The SVG picture of a DAG is truthful: edges do not run through boxes they do not connect, and
 * each edge label sits nearer its own edge than any other. Checked on the SVG text alone: boxes,
 * edge paths (lines and cubic curves, sampled) and labels are parsed back out of it.
 */
import { describe, expect, it } from "vitest";
import { toSvg } from "../../../src/plan/graph.js";
import type { Plan } from "../../../src/plan/types.js";
import { neutralPlan, neutralStep } from "../../support/plan-builders.js";

type Pt = { x: number; y: number };
type Rect = { name: string; x: number; y: number; w: number; h: number };

/** Edges as [from, to, variables carried]; each step's `after` and `inputs` follow from them. */
function planOf(edges: [string, string, string[]][], order: string[]): Plan {
  const steps = order.map((n) =>
    neutralStep(n, {
      after: edges.filter((e) => e[1] === n).map((e) => e[0]).sort(),
      inputs: edges.filter((e) => e[1] === n).flatMap(([from, , vars]) => vars.map((name) => ({ name, from }))),
      outputs: edges.filter((e) => e[0] === n).flatMap((e) => e[2]),
    }),
  );
  return neutralPlan(steps, "/nb");
}

function boxesOf(svg: string): Rect[] {
  return [...svg.matchAll(/<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" rx="9"[^>]*\/>\s*<text[^>]*>([^<]+)</g)].map((m) => ({
    name: m[5]!,
    x: Number(m[1]),
    y: Number(m[2]),
    w: Number(m[3]),
    h: Number(m[4]),
  }));
}

/** Each edge path as a polyline (cubic curves sampled finely). */
function pathsOf(svg: string): Pt[][] {
  return [...svg.matchAll(/<path d="(M[^"]+)"[^>]*marker-end/g)].map((m) => {
    const tokens = m[1]!.match(/[MLC]|-?[\d.]+/g)!;
    const pts: Pt[] = [];
    let cmd = "M";
    for (let i = 0; i < tokens.length; ) {
      if (/[MLC]/.test(tokens[i]!)) cmd = tokens[i++]!;
      const num = (k: number) => Number(tokens[i + k]);
      if (cmd === "C") {
        const p0 = pts[pts.length - 1]!;
        const [c1, c2, p3] = [{ x: num(0), y: num(1) }, { x: num(2), y: num(3) }, { x: num(4), y: num(5) }];
        for (let s = 1; s <= 32; s++) {
          const t = s / 32;
          const u = 1 - t;
          const b = (a: number, b1: number, b2: number, c: number) => u * u * u * a + 3 * u * u * t * b1 + 3 * u * t * t * b2 + t * t * t * c;
          pts.push({ x: b(p0.x, c1.x, c2.x, p3.x), y: b(p0.y, c1.y, c2.y, p3.y) });
        }
        i += 6;
      } else {
        pts.push({ x: num(0), y: num(1) });
        i += 2;
      }
    }
    return pts;
  });
}

function labelsOf(svg: string): { text: string; at: Pt }[] {
  return [...svg.matchAll(/<text x="([\d.]+)" y="([\d.]+)" font-size="11"[^>]*fill="#334155"[^>]*>([^<]+)</g)].map((m) => ({
    text: m[3]!,
    at: { x: Number(m[1]), y: Number(m[2]) - 4 },
  }));
}

/** Whether segment a-b passes through the interior of r (Liang–Barsky clipping). */
function crossesInterior(a: Pt, b: Pt, r: Rect): boolean {
  const inset = 1;
  const [x0, x1, y0, y1] = [r.x + inset, r.x + r.w - inset, r.y + inset, r.y + r.h - inset];
  let lo = 0;
  let hi = 1;
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  for (const [p, q] of [[-dx, a.x - x0], [dx, x1 - a.x], [-dy, a.y - y0], [dy, y1 - a.y]] as const) {
    if (p === 0) {
      if (q < 0) return false;
    } else {
      const t = q / p;
      if (p < 0) lo = Math.max(lo, t);
      else hi = Math.min(hi, t);
    }
  }
  return lo < hi;
}

function distToSegment(p: Pt, a: Pt, b: Pt): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len2 = dx * dx + dy * dy;
  const t = len2 ? Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2)) : 0;
  return Math.hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
}

const distToPath = (p: Pt, path: Pt[]) => Math.min(...path.slice(1).map((b, i) => distToSegment(p, path[i]!, b)));

/** Which box an edge leaves (start on a bottom side) and enters (end near a top side). */
function endpoints(path: Pt[], boxes: Rect[]): [string, string] {
  const near = (p: Pt, y: (r: Rect) => number) => boxes.find((r) => p.x >= r.x && p.x <= r.x + r.w && Math.abs(p.y - y(r)) <= 4)?.name ?? "?";
  return [near(path[0]!, (r) => r.y + r.h), near(path[path.length - 1]!, (r) => r.y)];
}

function checkGeometry(plan: Plan, edges: [string, string, string[]][]) {
  const svg = toSvg(plan);
  const boxes = boxesOf(svg);
  expect(boxes.map((b) => b.name).sort()).toEqual(plan.steps.map((s) => s.name).sort());
  const paths = pathsOf(svg);
  expect(paths).toHaveLength(edges.length);
  const byEdge = new Map(paths.map((p) => [endpoints(p, boxes).join("->"), p]));
  expect([...byEdge.keys()].sort()).toEqual(edges.map((e) => `${e[0]}->${e[1]}`).sort());

  const crossings: string[] = [];
  for (const [key, path] of byEdge) {
    const own = key.split("->");
    for (const r of boxes) {
      if (own.includes(r.name)) continue;
      if (path.slice(1).some((b, i) => crossesInterior(path[i]!, b, r))) crossings.push(`${key} crosses ${r.name}`);
    }
  }
  expect(crossings).toEqual([]);

  const misplaced: string[] = [];
  const labels = labelsOf(svg);
  for (const [from, to, vars] of edges.filter((e) => e[2].length)) {
    const key = `${from}->${to}`;
    const label = labels.find((l) => l.text === vars.join(", "));
    expect(label, `label of ${key}`).toBeDefined();
    const mine = distToPath(label!.at, byEdge.get(key)!);
    for (const [other, path] of byEdge) {
      if (other !== key && distToPath(label!.at, path) <= mine) misplaced.push(`label of ${key} is as near ${other}`);
    }
  }
  expect(misplaced).toEqual([]);
  return svg;
}

describe("SVG DAG geometry", () => {
  it("routes an edge that skips a level around the box in between (Kale's candies)", () => {
    const edges: [string, string, string[]][] = [
      ["sack", "kid1", ["candies"]],
      ["kid1", "kid2", ["left_after_kid1"]],
      ["kid2", "kid3", ["left_after_kid2"]],
      ["kid1", "kid3", ["kid1_share"]],
    ];
    checkGeometry(planOf(edges, ["sack", "kid1", "kid2", "kid3"]), edges);
  });

  it("keeps labels on their own edges in a wide DAG with fan-out, fan-in and long edges", () => {
    const edges: [string, string, string[]][] = [
      ["load", "clean", ["raw"]],
      ["load", "features", ["schema"]],
      ["load", "report", ["rows"]],
      ["clean", "train_a", ["x_a"]],
      ["clean", "train_b", ["x_b"]],
      ["features", "train_b", ["feats"]],
      ["train_a", "compare", ["acc_a"]],
      ["train_b", "compare", ["acc_b"]],
      ["features", "compare", ["names"]],
      ["compare", "report", ["best"]],
    ];
    checkGeometry(planOf(edges, ["load", "clean", "features", "train_a", "train_b", "compare", "report"]), edges);
  });
});
