/** Writes Kale-tagged notebooks for tests (cells with tags, optional `kubeflow_notebook` metadata). */
import { writeFileSync } from "node:fs";
import path from "node:path";

/** One code cell: its Kale tags and source. */
export interface TaggedCell {
  tags: string[];
  source: string;
}

/** Writes `dir/name` with the given cells (ids c0, c1, …); returns its path. */
export function writeTaggedNotebook(dir: string, name: string, cells: TaggedCell[], kubeflow?: Record<string, unknown>): string {
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: "python3", display_name: "Python 3", language: "python" },
      ...(kubeflow ? { kubeflow_notebook: kubeflow } : {}),
    },
    cells: cells.map((c, i) => ({ cell_type: "code", id: `c${i}`, metadata: { tags: c.tags }, execution_count: null, outputs: [], source: c.source })),
  };
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify(nb, null, 1));
  return file;
}
