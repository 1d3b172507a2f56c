/**
 * Files that flow between steps. Each step runs in its own container, so a file one step writes
 * outside its declared outputs is gone when a later step reads it. For a later step that reads a
 * literal path an earlier step writes: a relative path inside the notebook's folder is passed
 * automatically (the writer declares it as a file output, the reader receives the writer's
 * files); any other path is a warning.
 */
import path from "node:path";
import type { Diagnostic } from "../plan/types.js";

/** One step as file flow sees it, in notebook (topological) order. */
export interface FileFlowStep {
  name: string;
  /** Literal paths the step's code writes / reads. */
  writes: string[];
  reads: string[];
  /** Where to point a diagnostic about this step. */
  location: Diagnostic["location"];
}

/** What the plan gains: per step, files to declare as outputs and producers to receive files from. */
export interface FileFlow {
  fileOutputs: Map<string, string[]>;
  /** Reader → producers (each also a dependency). */
  fileInputs: Map<string, string[]>;
  diagnostics: Diagnostic[];
}

/** `./data//out.csv` → `data/out.csv`; undefined for a path that leaves the folder or is absolute. */
export function folderPath(p: string): string | undefined {
  if (!p || path.posix.isAbsolute(p) || /^[A-Za-z]:[\\/]|^~/.test(p) || p.includes("\\")) return undefined;
  const n = path.posix.normalize(p);
  if (n === "." || n === ".." || n.startsWith("../")) return undefined;
  // A glob character would make the runner's copy-out match other files too.
  if (/[*?[\]]/.test(n)) return undefined;
  return n;
}

const key = (p: string) => folderPath(p) ?? path.posix.normalize(p);
const add = (m: Map<string, string[]>, k: string, v: string) => {
  const list = m.get(k) ?? m.set(k, []).get(k)!;
  if (!list.includes(v)) list.push(v);
};

/** Matches each step's reads with the latest earlier step that writes the same path. */
export function resolveFileFlow(steps: readonly FileFlowStep[]): FileFlow {
  const out: FileFlow = { fileOutputs: new Map(), fileInputs: new Map(), diagnostics: [] };
  const writers = new Map<string, string>(); // path key → latest earlier writer
  for (const s of steps) {
    const own = new Set(s.writes.map(key));
    for (const read of s.reads) {
      const k = key(read);
      const producer = writers.get(k);
      // A step that writes the file itself reads its own copy.
      if (!producer || own.has(k)) continue;
      const inside = folderPath(read);
      if (inside) {
        add(out.fileOutputs, producer, inside);
        add(out.fileInputs, s.name, producer);
        out.diagnostics.push({
          level: "info",
          message: `step ${s.name} reads ${inside}, which step ${producer} writes: the file is passed from ${producer} to ${s.name} (each step runs in its own container)`,
          location: s.location,
        });
      } else {
        out.diagnostics.push({
          level: "warning",
          message: `step ${s.name} reads ${read}, which step ${producer} writes outside the notebook's folder: each step runs in its own container, so the file will not be there — write it to a relative path inside the notebook's folder (nbbuild then passes it between the steps), or pass the data as a variable`,
          location: s.location,
        });
      }
    }
    for (const w of s.writes) writers.set(key(w), s.name);
  }
  return out;
}
