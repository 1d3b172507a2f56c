/** Reads an .ipynb file into a small, validated shape (nbformat 4.x, Python kernel). */
import { NbbuildError, type Problem } from "../errors.js";
import { readInputFile } from "../io/read-input.js";

/** One notebook cell, with its source joined into a single string. */
export interface NbCell {
  index: number;
  /** nbformat cell id, "" when the notebook has none (nbformat < 4.5). */
  id: string;
  type: string;
  source: string;
  tags: unknown[];
  metadata: Record<string, unknown>;
}

/** A parsed notebook; `file` is relative to the plan root (POSIX separators). */
export interface Notebook {
  file: string;
  abs: string;
  cells: NbCell[];
  metadata: Record<string, unknown>;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Joins nbformat's string-or-list-of-lines source. */
export function joinSource(src: unknown): string {
  if (typeof src === "string") return src;
  if (Array.isArray(src)) return src.map((s) => (typeof s === "string" ? s : "")).join("");
  return "";
}

function jsonErrorPosition(text: string, message: string): { line: number; column: number } | undefined {
  const m = /position (\d+)/.exec(message);
  if (m) {
    const pos = Number(m[1]);
    const before = text.slice(0, pos);
    const line = before.split("\n").length;
    return { line, column: pos - before.lastIndexOf("\n") };
  }
  const lc = /line (\d+) column (\d+)/.exec(message);
  return lc ? { line: Number(lc[1]), column: Number(lc[2]) } : undefined;
}

const FIX_RESAVE = "the .ipynb file is damaged; open and re-save it in Jupyter, or restore it from version control";

/** What JSON calls a value's type, for messages ("a string", "an object", "null"). */
function jsonKind(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  if (typeof v === "string") return `a string (${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v)})`;
  return `a ${typeof v}`;
}

/** Checks nbformat's shape of one cell; problems are appended. Returns the cell as nbbuild reads it. */
function readCell(c: unknown, index: number, file: string, problems: Problem[]): NbCell {
  const cell = isRecord(c) ? c : {};
  const id = typeof cell["id"] === "string" ? cell["id"] : "";
  const loc = { file, cellIndex: index, cellId: id };
  if (!isRecord(c)) problems.push({ location: loc, message: `cell ${index} is ${jsonKind(c)}, not a cell object`, fix: FIX_RESAVE });
  const md = isRecord(cell["metadata"]) ? cell["metadata"] : {};
  const source = cell["source"];
  const sourceOk = typeof source === "string" || (Array.isArray(source) && source.every((s) => typeof s === "string"));
  if (isRecord(c) && !sourceOk) {
    problems.push({ location: loc, message: `the cell's source is ${Array.isArray(source) ? "a list holding a non-string" : jsonKind(source)}, not text`, fix: 'nbformat needs "source" to be a string or a list of strings: write "source": "" for an empty cell, or re-save the notebook in Jupyter' });
  }
  const tags = md["tags"];
  if (tags !== undefined && !Array.isArray(tags)) {
    problems.push({ location: loc, message: `the cell's metadata.tags is ${jsonKind(tags)}, not a list`, fix: `write the tags as a list of strings, e.g. "tags": [${typeof tags === "string" ? JSON.stringify(tags) : '"step:load"'}]` });
  }
  return {
    index,
    id,
    type: typeof cell["cell_type"] === "string" ? cell["cell_type"] : "code",
    source: joinSource(source),
    tags: Array.isArray(tags) ? tags : [],
    metadata: md,
  };
}

/** Reads and validates a notebook; `file` is how errors name it. */
export async function readNotebook(abs: string, file: string): Promise<Notebook> {
  const text = await readInputFile(abs, file, "notebook", ".ipynb");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    const pos = jsonErrorPosition(text, msg);
    throw NbbuildError.at(
      pos ? { file, line: pos.line } : { file },
      `not valid JSON${pos ? ` (line ${pos.line}, column ${pos.column})` : ""}: ${msg}`,
      FIX_RESAVE,
    );
  }
  if (!isRecord(json)) throw NbbuildError.at({ file }, `not a notebook: the top level is ${jsonKind(json)}, not a JSON object`, "pass a Jupyter notebook (.ipynb)");
  const nbformat = json["nbformat"];
  if (nbformat !== undefined && typeof nbformat !== "number") {
    throw NbbuildError.at({ file }, `"nbformat" is ${jsonKind(nbformat)}; nbformat requires a number`, `write "nbformat": ${typeof nbformat === "string" && /^\d+$/.test(nbformat) ? nbformat : 4} (without quotes), or re-save the notebook in Jupyter`);
  }
  if (typeof nbformat !== "number" || nbformat < 4) {
    throw NbbuildError.at(
      { file },
      `nbformat ${String(nbformat ?? "missing")} is not supported (nbbuild reads nbformat 4.x)`,
      `upgrade it: jupyter nbconvert --to notebook --nbformat 4 --inplace ${JSON.stringify(file)}`,
    );
  }
  if (nbformat > 4) throw NbbuildError.at({ file }, `nbformat ${nbformat} is not supported (nbbuild reads nbformat 4.x)`);
  const metadata = isRecord(json["metadata"]) ? json["metadata"] : {};
  const kernelspec = isRecord(metadata["kernelspec"]) ? metadata["kernelspec"] : {};
  const langInfo = isRecord(metadata["language_info"]) ? metadata["language_info"] : {};
  const language = String(kernelspec["language"] ?? langInfo["name"] ?? "python").toLowerCase();
  if (language !== "python") {
    throw NbbuildError.at(
      { file },
      `the notebook's kernel language is ${JSON.stringify(language)}${kernelspec["name"] ? ` (kernel ${String(kernelspec["name"])})` : ""}; nbbuild compiles Python notebooks only`,
      "switch the notebook to a Python 3 kernel (Kernel > Change kernel) and save it",
    );
  }
  const rawCells = json["cells"];
  if (!Array.isArray(rawCells)) {
    throw NbbuildError.at({ file }, rawCells === undefined ? 'the notebook has no "cells" list' : `"cells" is ${jsonKind(rawCells)}; nbformat 4 requires a list of cells`, FIX_RESAVE);
  }
  const problems: Problem[] = [];
  const cells = rawCells.map((c: unknown, index: number) => readCell(c, index, file, problems));
  if (problems.length) throw new NbbuildError(problems);
  return { file, abs, cells, metadata };
}
