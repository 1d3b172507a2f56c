/** Ordering of a DAG given as parent lists: topological order, cycles, ancestors. */

/** A vertex: its id, its position in the source (ties), and the ids it depends on. */
export interface Vertex {
  id: string;
  index: number;
  parents: string[];
}

/** Topological order (ties broken by `index`), or one cycle as a closed path of ids. */
export function topoOrder(vertices: Vertex[]): { order: string[] } | { cycle: string[] } {
  const byId = new Map(vertices.map((v) => [v.id, v]));
  const pending = new Map(vertices.map((v) => [v.id, new Set(v.parents.filter((p) => byId.has(p)))]));
  const children = new Map<string, string[]>(vertices.map((v) => [v.id, []]));
  for (const v of vertices) for (const p of pending.get(v.id)!) children.get(p)!.push(v.id);
  const ready = vertices.filter((v) => pending.get(v.id)!.size === 0).map((v) => v.id);
  const order: string[] = [];
  while (ready.length) {
    ready.sort((a, b) => byId.get(a)!.index - byId.get(b)!.index);
    const id = ready.shift()!;
    order.push(id);
    for (const c of children.get(id)!) {
      const left = pending.get(c)!;
      left.delete(id);
      if (left.size === 0) ready.push(c);
    }
  }
  if (order.length === vertices.length) return { order };
  return { cycle: findCycle(vertices.filter((v) => !order.includes(v.id)), byId) };
}

/** Walks parent links from the first unordered vertex until a vertex repeats. */
function findCycle(stuck: Vertex[], byId: Map<string, Vertex>): string[] {
  const inStuck = new Set(stuck.map((v) => v.id));
  const start = [...stuck].sort((a, b) => a.index - b.index)[0];
  const path: string[] = [];
  let id = start.id;
  while (!path.includes(id)) {
    path.push(id);
    id = byId.get(id)!.parents.filter((p) => inStuck.has(p)).sort((a, b) => byId.get(a)!.index - byId.get(b)!.index)[0];
  }
  // `path` follows parent links; the cycle is the part from the repeated vertex on, read as edges parent → child.
  const cycle = path.slice(path.indexOf(id)).reverse();
  // start at the vertex that comes first in the source, so the message is stable
  const first = cycle.reduce((best, v, i) => (byId.get(v)!.index < byId.get(cycle[best])!.index ? i : best), 0);
  const rotated = [...cycle.slice(first), ...cycle.slice(0, first)];
  return [...rotated, rotated[0]];
}

/** Every ancestor of `id` (transitively), given parent lists of an acyclic graph. */
export function ancestorsOf(id: string, parents: Map<string, string[]>): Set<string> {
  const seen = new Set<string>();
  const stack = [...(parents.get(id) ?? [])];
  while (stack.length) {
    const p = stack.pop()!;
    if (seen.has(p)) continue;
    seen.add(p);
    stack.push(...(parents.get(p) ?? []));
  }
  return seen;
}
