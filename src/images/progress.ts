/**
 * How `nbbuild image` shows a build. On a terminal: a live table, one row per image (waiting,
 * building with elapsed seconds, built, pushing, pushed, cached, failed) and under a building
 * dependency image the tail of pip's output, redrawn in place. Elsewhere (logs, CI): one line per
 * finished image, and a heartbeat line when nothing was printed for a few seconds, so a long
 * build is never silent. `verbose` streams every engine log line as well.
 */
import type { BuildRecord } from "./record-types.js";
import type { BuildEvent } from "./build-images.js";
import { stripAnsi } from "./pip-failure.js";

/** One progress line: `  train_lr        built    1.2s`, `  split           cached`. */
export function formatEvent(e: BuildEvent): string | undefined {
  if (e.state === "building" || e.state === "pushing" || e.state === "waiting") return undefined;
  const time = e.seconds !== undefined && e.state !== "cached" ? `${e.seconds.toFixed(1)}s` : "";
  return `  ${e.subject.padEnd(24)} ${e.state.padEnd(7)} ${time}${e.detail ? ` (${e.detail})` : ""}`.trimEnd();
}

/** Text summary of a build record: one line per step with its image. */
export function formatRecord(record: BuildRecord): string {
  const rows = Object.entries(record.steps).map(([step, s]) => `${step}\t${s.image}${s.cached ? "\t(cached)" : ""}`);
  return rows.join("\n") + "\n";
}

/** Where progress goes: stderr, or a fake terminal in tests. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Options of a progress renderer. */
export interface ProgressOptions {
  /** Print every engine log line. */
  verbose?: boolean;
  /** Line mode: the longest silence before a heartbeat line (default 5 s). */
  heartbeatMs?: number;
  /** Terminal mode: redraw period (default 250 ms). */
  redrawMs?: number;
  /** Lines of a building dependency image's log shown under its row (default 3). */
  tailLines?: number;
  /** Clock in ms (tests pass a fake one). */
  now?: () => number;
  /** Start the redraw/heartbeat timer (default true; tests call `tick()` themselves). */
  timer?: boolean;
}

/** A build's progress display: feed it events and log lines, tick it, close it. */
export interface ProgressRenderer {
  onEvent(e: BuildEvent): void;
  onLog(subject: string, line: string): void;
  /** Redraw (terminal) or emit a heartbeat when due (lines); the timer calls it. */
  tick(): void;
  /** Final frame; stops the timer. */
  close(): void;
}

/** What the renderer knows about one image. */
interface Row {
  subject: string;
  state: BuildEvent["state"];
  /** When it started building (ms), for the elapsed time. */
  started?: number;
  seconds?: number;
  /** What the build says about how it was built (an engine fallback). */
  detail?: string;
  tail: string[];
}

/** Progress on a terminal when `stream` is one, else line by line. */
export function makeProgress(stream: ProgressStream, opts: ProgressOptions = {}): ProgressRenderer {
  return stream.isTTY ? new TerminalProgress(stream, opts) : new LineProgress(stream, opts);
}

/** Shared bookkeeping: rows in first-seen order, log tails, timer. */
abstract class BaseProgress implements ProgressRenderer {
  protected readonly rows = new Map<string, Row>();
  protected readonly now: () => number;
  private timer?: NodeJS.Timeout;

  constructor(protected readonly stream: ProgressStream, protected readonly opts: ProgressOptions, periodMs: number) {
    this.now = opts.now ?? (() => performance.now());
    if (opts.timer !== false) {
      this.timer = setInterval(() => this.tick(), periodMs);
      this.timer.unref();
    }
  }

  onEvent(e: BuildEvent): void {
    const row = this.rows.get(e.subject) ?? { subject: e.subject, state: e.state, tail: [] };
    if ((e.state === "building" || e.state === "pushing") && row.started === undefined) row.started = this.now();
    row.state = e.state;
    if (e.seconds !== undefined) row.seconds = e.seconds;
    if (e.detail !== undefined) row.detail = e.detail;
    if (e.state !== "building") row.tail = [];
    this.rows.set(e.subject, row);
  }

  onLog(subject: string, line: string): void {
    const row = this.rows.get(subject);
    const clean = stripAnsi(line).replace(/\s+$/, "");
    if (row && clean.trim()) {
      row.tail.push(clean);
      if (row.tail.length > (this.opts.tailLines ?? 3)) row.tail.shift();
    }
  }

  abstract tick(): void;

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Seconds an active row has been running. */
  protected elapsed(row: Row): number {
    return row.started === undefined ? 0 : Math.floor((this.now() - row.started) / 1000);
  }
}

/** Line mode: finished images as lines, engine logs with --verbose, a heartbeat when quiet. */
class LineProgress extends BaseProgress {
  private lastWrite: number;

  constructor(stream: ProgressStream, opts: ProgressOptions) {
    super(stream, opts, Math.min(1000, opts.heartbeatMs ?? 5000));
    this.lastWrite = this.now();
  }

  private line(text: string): void {
    this.stream.write(`${text}\n`);
    this.lastWrite = this.now();
  }

  override onEvent(e: BuildEvent): void {
    super.onEvent(e);
    const text = formatEvent(e);
    if (text) this.line(text);
  }

  override onLog(subject: string, line: string): void {
    super.onLog(subject, line);
    if (this.opts.verbose) this.line(`  [${subject}] ${stripAnsi(line).trimEnd()}`);
  }

  tick(): void {
    if (this.now() - this.lastWrite < (this.opts.heartbeatMs ?? 5000)) return;
    const active = [...this.rows.values()].filter((r) => r.state === "building" || r.state === "pushing");
    if (!active.length) return;
    const parts = active.map((r) => {
      const last = r.tail.at(-1)?.trim();
      return `${r.subject} ${r.state} ${this.elapsed(r)}s${last ? `: ${last.slice(0, 100)}` : ""}`;
    });
    this.line(`  … ${parts.join("; ")}`);
  }
}

/** Terminal mode: a table redrawn in place (cursor up, clear to end of screen). */
class TerminalProgress extends BaseProgress {
  /** Lines of the frame on screen now, and their text. */
  private drawn = 0;
  private last = "";

  constructor(stream: ProgressStream, opts: ProgressOptions) {
    super(stream, opts, opts.redrawMs ?? 250);
  }

  override onEvent(e: BuildEvent): void {
    super.onEvent(e);
    this.draw();
  }

  override onLog(subject: string, line: string): void {
    super.onLog(subject, line);
    // Verbose: the log line goes above the frame, which is drawn again below it.
    if (this.opts.verbose) this.draw([`  [${subject}] ${stripAnsi(line).trimEnd()}`]);
  }

  tick(): void {
    this.draw();
  }

  override close(): void {
    super.close();
    this.draw();
  }

  /** The current frame's lines, each cut to the terminal width. */
  frame(): string[] {
    const width = Math.max(20, (this.stream.columns || 80) - 1);
    const cut = (s: string) => (s.length > width ? `${s.slice(0, width - 1)}…` : s);
    const lines: string[] = [];
    for (const r of this.rows.values()) {
      const time = r.state === "building" || r.state === "pushing"
        ? `${this.elapsed(r)}s`
        : r.seconds !== undefined && r.state !== "cached" && r.state !== "waiting" ? `${r.seconds.toFixed(1)}s` : "";
      lines.push(cut(`  ${r.subject.padEnd(24)} ${r.state.padEnd(8)} ${time}${r.detail ? ` (${r.detail})` : ""}`.trimEnd()));
      // pip's progress under a dependency image (with --verbose the whole log scrolls above instead)
      if (r.state === "building" && r.subject.startsWith("deps ") && !this.opts.verbose) for (const t of r.tail) lines.push(cut(`      │ ${t.trim()}`));
    }
    return lines;
  }

  private draw(above: string[] = []): void {
    const lines = this.frame();
    if (!above.length && lines.join("\n") === this.last) return;
    this.last = lines.join("\n");
    let out = this.drawn ? `\x1b[${this.drawn}A\r\x1b[J` : "";
    for (const l of [...above, ...lines]) out += `${l}\n`;
    this.stream.write(out);
    this.drawn = lines.length;
  }
}
