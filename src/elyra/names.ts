/** Step and pipeline names derived from Elyra labels and file names. */

/** A step name from a node label: lowercase letters, digits and `_`, the file extension dropped. */
export function stepNameFromLabel(label: string): string {
  const stem = label.replace(/\.(ipynb|py|r)$/i, "");
  const name = stem
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  if (!name) return "node";
  return /^[0-9]/.test(name) ? `node_${name}` : name;
}

/** Makes names unique in order: the second `x` becomes `x_1`, the third `x_2` (as Elyra does). */
export function uniqueNames(names: string[]): string[] {
  const taken = new Set<string>();
  const next = new Map<string, number>();
  return names.map((base) => {
    let name = base;
    while (taken.has(name)) {
      const n = next.get(base) ?? 1;
      next.set(base, n + 1);
      name = `${base}_${n}`;
    }
    taken.add(name);
    return name;
  });
}

/** A DNS-1123-ish pipeline name: lowercase letters, digits and `-`, at most 63 characters. */
export function pipelineName(raw: string): string {
  const name = raw
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63)
    .replace(/-+$/, "");
  return name || "pipeline";
}
