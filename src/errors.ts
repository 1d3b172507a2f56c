/** Where a problem sits in the user's input: a file, and optionally a cell or an Elyra node. */
export interface Location {
  file: string;
  /** Zero-based index of the cell in the notebook's `cells` array. */
  cellIndex?: number;
  /** nbformat cell id (nbformat >= 4.5), or "" when the notebook has none. */
  cellId?: string;
  /** Elyra pipeline node id. */
  nodeId?: string;
  /** One-based line inside the cell or file. */
  line?: number;
}

/** Renders a location the way every nbbuild message does: `nb.ipynb#cell 7 (id ab12), line 3`. */
export function formatLocation(loc: Location): string {
  let s = loc.file;
  if (loc.cellIndex !== undefined) {
    s += `#cell ${loc.cellIndex}`;
    if (loc.cellId) s += ` (id ${loc.cellId})`;
  }
  if (loc.nodeId) s += `#node ${loc.nodeId}`;
  if (loc.line !== undefined) s += `, line ${loc.line}`;
  return s;
}

/** One problem with the user's input, carrying where it is and how to fix it. */
export interface Problem {
  location: Location;
  message: string;
  fix?: string;
}

export function formatProblem(p: Problem): string {
  return `${formatLocation(p.location)}: ${p.message}${p.fix ? `\n  fix: ${p.fix}` : ""}`;
}

/**
 * The one error type domain code throws. It may carry several problems (validate everything,
 * then fail once). Only the CLI prints it and picks the exit code.
 */
export class NbbuildError extends Error {
  readonly problems: Problem[];
  constructor(problems: Problem | Problem[]) {
    const list = Array.isArray(problems) ? problems : [problems];
    super(list.map(formatProblem).join("\n"));
    this.name = "NbbuildError";
    this.problems = list;
  }
  /** Convenience for the common single-problem case. */
  static at(location: Location, message: string, fix?: string): NbbuildError {
    return new NbbuildError({ location, message, fix });
  }
}

const SYSTEM_ERRORS: Record<string, { message: string; fix: string }> = {
  ENOSPC: { message: "no space left on the device", fix: "free disk space there (df -h shows what is full), or write to another place" },
  EDQUOT: { message: "disk quota exceeded", fix: "free space within your quota, or write to another place" },
  EROFS: { message: "the file system is read-only", fix: "write to a writable place" },
  EACCES: { message: "permission denied", fix: "write to a place your user may write to, or fix the folder's permissions" },
};

/** A write that failed for a reason of the machine (full disk, read-only, no permission) as a clear error. */
export function systemWriteError(err: unknown, file: string): NbbuildError | undefined {
  const known = SYSTEM_ERRORS[(err as NodeJS.ErrnoException | undefined)?.code ?? ""];
  return known ? NbbuildError.at({ file }, `cannot write: ${known.message}`, known.fix) : undefined;
}
