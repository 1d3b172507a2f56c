/**
 * The one DAG module: cycle finding, topological order and ancestors over named nodes, used by the
 * notebook compiler, the Elyra reader, the KFP validator and the local runner's IR reader.
 */

/** Edges as node → the nodes it comes after (its direct dependencies). */
export type AfterMap = ReadonlyMap<string, readonly string[]>;

/** A cycle as a node list in run order (each runs before the next, the last before the first), or undefined when acyclic. */
export function findCycle(order: readonly string[], after: AfterMap): string[] | undefined {
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    const s = state.get(n);
    if (s === 2) return undefined;
    if (s === 1) return stack.slice(stack.indexOf(n));
    state.set(n, 1);
    stack.push(n);
    for (const d of [...(after.get(n) ?? [])].sort()) {
      const c = visit(d);
      if (c) return c;
    }
    stack.pop();
    state.set(n, 2);
    return undefined;
  };
  for (const n of order) {
    const c = visit(n);
    // the DFS walks dependency edges: reverse to read it in run order
    if (c) return c.reverse();
  }
  return undefined;
}

/** findCycle, closed and starting at the node that comes first in `order` (a stable message). */
export function closedCycle(order: readonly string[], after: AfterMap): string[] | undefined {
  const cycle = findCycle(order, after);
  if (!cycle) return undefined;
  const rank = new Map(order.map((n, i) => [n, i]));
  const first = cycle.reduce((best, n, i) => ((rank.get(n) ?? Infinity) < (rank.get(cycle[best]!) ?? Infinity) ? i : best), 0);
  const rotated = [...cycle.slice(first), ...cycle.slice(0, first)];
  return [...rotated, rotated[0]!];
}

/** Topological order (dependencies first), ties broken by the position in `order`. Assumes no cycle. */
export function topoSort(order: readonly string[], after: AfterMap): string[] {
  const rank = new Map(order.map((n, i) => [n, i]));
  const indeg = new Map<string, number>(order.map((n) => [n, 0]));
  const children = new Map<string, string[]>(order.map((n) => [n, []]));
  for (const n of order) {
    for (const d of new Set(after.get(n) ?? [])) {
      if (!rank.has(d)) continue;
      indeg.set(n, indeg.get(n)! + 1);
      children.get(d)!.push(n);
    }
  }
  const ready = order.filter((n) => indeg.get(n) === 0);
  const out: string[] = [];
  while (ready.length) {
    ready.sort((a, b) => rank.get(a)! - rank.get(b)!);
    const n = ready.shift()!;
    out.push(n);
    for (const c of children.get(n)!) {
      indeg.set(c, indeg.get(c)! - 1);
      if (indeg.get(c) === 0) ready.push(c);
    }
  }
  return out;
}

/** All transitive dependencies of every node. */
export function ancestorsOf(order: readonly string[], after: AfterMap): Map<string, Set<string>> {
  const memo = new Map<string, Set<string>>();
  const get = (n: string, guard: Set<string>): Set<string> => {
    const m = memo.get(n);
    if (m) return m;
    const out = new Set<string>();
    if (guard.has(n)) return out;
    guard.add(n);
    for (const d of after.get(n) ?? []) {
      out.add(d);
      for (const a of get(d, guard)) out.add(a);
    }
    guard.delete(n);
    memo.set(n, out);
    return out;
  };
  for (const n of order) get(n, new Set());
  return memo;
}
