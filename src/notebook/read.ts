/** Reads an .ipynb file into a small, validated shape (nbformat 4.x, Python kernel). */
import { readFile } from "node:fs/promises";
import { NbbuildError } from "../errors.js";

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

/** Reads and validates a notebook; `file` is how errors name it. */
export async function readNotebook(abs: string, file: string): Promise<Notebook> {
  let text: string;
  try {
    text = await readFile(abs, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw NbbuildError.at(
      { file },
      code === "ENOENT" ? "notebook not found" : `cannot read notebook: ${(err as Error).message}`,
      code === "ENOENT" ? "check the path (it is resolved against the current directory)" : undefined,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    const pos = jsonErrorPosition(text, msg);
    throw NbbuildError.at(
      pos ? { file, line: pos.line } : { file },
      `not valid JSON${pos ? ` (line ${pos.line}, column ${pos.column})` : ""}: ${msg}`,
      "the .ipynb file is damaged; open and re-save it in Jupyter, or restore it from version control",
    );
  }
  if (!isRecord(json)) throw NbbuildError.at({ file }, "not a notebook: the top level is not a JSON object");
  const nbformat = json["nbformat"];
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
  const rawCells = Array.isArray(json["cells"]) ? json["cells"] : [];
  const cells: NbCell[] = rawCells.map((c: unknown, index: number) => {
    const cell = isRecord(c) ? c : {};
    const md = isRecord(cell["metadata"]) ? cell["metadata"] : {};
    return {
      index,
      id: typeof cell["id"] === "string" ? cell["id"] : "",
      type: typeof cell["cell_type"] === "string" ? cell["cell_type"] : "code",
      source: joinSource(cell["source"]),
      tags: Array.isArray(md["tags"]) ? md["tags"] : [],
      metadata: md,
    };
  });
  return { file, abs, cells, metadata };
}
