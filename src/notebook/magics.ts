/**
 * IPython magics and shell lines rewritten to plain Python, line for line (so traceback line
 * numbers still point into the cell): %pip lines become requirements, `!cmd` a subprocess call,
 * display-only magics are dropped, and anything else is reported with its fix.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Location, Problem } from "../errors.js";
import { locate } from "../io/inside.js";
import { parsePipInstall } from "./pip-line.js";

/** A cell's code after rewriting, and the pip requirements its magics declared. */
export interface Rewritten {
  source: string;
  requirements: string[];
  /** What was dropped or changed on purpose (shown as info diagnostics); absent when nothing was. */
  notes?: string[];
}

const SUBPROCESS = '__import__("subprocess")';
const DROPPED_LINE = new Set(["matplotlib", "config", "autoreload", "reload_ext", "who", "whos", "lsmagic", "pylab"]);
const UNWRAP_CELL = new Set(["time", "timeit", "capture", "prun"]);
const DISPLAY_CELL = new Set(["html", "HTML", "markdown", "latex", "javascript", "js", "svg"]);
const OS = '__import__("os")';
const FIX_MAGIC = "rewrite the line as plain Python (e.g. a subprocess call or an import), or tag the cell `skip` if it is not part of the pipeline";

/** A Python string literal for `s` (JSON escapes are valid Python escapes). */
export function pyString(s: string): string {
  return JSON.stringify(s);
}

/** IPython expands `{name}` in shell lines; we do the same with an f-string, other braces stay literal. */
function shellLiteral(cmd: string): string {
  const expr = /\{([A-Za-z_][\w.]*(?:\[[^\]{}]*\])?)\}/g;
  if (!cmd.match(expr)) return pyString(cmd);
  let out = "";
  let last = 0;
  for (const m of cmd.matchAll(expr)) {
    out += cmd.slice(last, m.index).replace(/[{}]/g, (b) => b + b);
    out += `{${m[1]}}`;
    last = m.index! + m[0].length;
  }
  out += cmd.slice(last).replace(/[{}]/g, (b) => b + b);
  return "f" + pyString(out);
}

/** Splits a shell-ish argument string, honouring simple quotes. */
function shellWords(s: string): string[] {
  const words: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (const m of s.matchAll(re)) words.push(m[1] ?? m[2] ?? m[3] ?? "");
  return words;
}

const PIP_LINE = /^(?:%pip|!\s*(?:pip3?|python3?\s+-m\s+pip|\{sys\.executable\}\s+-m\s+pip))\s+install\b(.*)$/;

/** Where the cell being rewritten sits (for errors and `-r` files). */
export interface MagicContext {
  loc: Location;
  /** Absolute folder of the notebook (for `-r requirements.txt`). */
  notebookDir: string;
}

/** Rewrites a cell's IPython syntax to plain Python; problems are appended, never thrown. */
export function rewriteMagics(source: string, ctx: MagicContext, problems: Problem[]): Rewritten {
  const requirements: string[] = [];
  const notes: string[] = [];
  const lines = source.split("\n");
  const bad = (line: number, message: string, fix = FIX_MAGIC) => problems.push({ location: { ...ctx.loc, line: line + 1 }, message, fix });

  // ---- cell magics (first line only, as IPython) ---------------------------------------------
  const first = lines[0] ?? "";
  const cellMagic = /^%%(\w+)\s*(.*)$/.exec(first.trim());
  if (cellMagic && !first.startsWith(" ")) {
    const [, name = "", args = ""] = cellMagic;
    const body = lines.slice(1);
    if (name === "bash" || name === "sh") {
      const text = body.join("\n");
      const tail = `, shell=True, executable="/bin/bash", check=True)`;
      if (!text.includes("'''") && !text.endsWith("\\") && body.length > 0) {
        const out = [`${SUBPROCESS}.run(r'''`, ...body];
        out[out.length - 1] += `'''${tail}`;
        return { source: out.join("\n"), requirements };
      }
      return { source: [`${SUBPROCESS}.run(${pyString(text)}${tail}`, ...body.map(() => "")].join("\n"), requirements };
    }
    if (UNWRAP_CELL.has(name)) {
      const innerProblems: Problem[] = [];
      const inner = rewriteMagics(body.join("\n"), ctx, innerProblems);
      for (const p of innerProblems) problems.push({ ...p, location: { ...p.location, line: (p.location.line ?? 0) + 1 } });
      const capture = name === "capture" && args.trim() && /^[A-Za-z_]\w*$/.test(args.trim().split(/\s+/).pop() ?? "");
      const head = `# nbbuild: %%${name} unwrapped${capture ? " (captured output is not kept)" : ""}`;
      return { source: [head, inner.source].join("\n"), requirements: inner.requirements };
    }
    if (DISPLAY_CELL.has(name)) {
      return {
        source: lines.map((l, i) => (i === 0 ? `# nbbuild: dropped display-only %%${name} cell` : `# ${l}`)).join("\n"),
        requirements,
        notes: [`dropped the display-only %%${name} cell (it only renders in a notebook front end)`],
      };
    }
    if (name === "writefile") {
      const w = writefile(args, body);
      if (typeof w === "string") {
        bad(0, w, "write %%writefile [-a] PATH (quote a path with spaces)");
        return { source, requirements };
      }
      return { source: w.source, requirements, notes: [w.note] };
    }
    bad(0, `unsupported cell magic %%${name}`, FIX_MAGIC);
    return { source, requirements };
  }

  // ---- line magics and shell lines -------------------------------------------------------------
  let inTriple: string | undefined;
  const out = lines.map((line, i) => {
    const wasInString = inTriple !== undefined;
    for (const m of line.matchAll(/"""|'''/g)) {
      if (inTriple === undefined) inTriple = m[0];
      else if (inTriple === m[0]) inTriple = undefined;
    }
    if (wasInString) return line;
    const indent = /^\s*/.exec(line)![0];
    const body = line.slice(indent.length);
    const dropped = (what: string) => (indent ? `${indent}pass  # nbbuild: dropped ${what}` : `# nbbuild: dropped ${what}`);

    const pip = PIP_LINE.exec(body);
    if (pip) {
      const parsed = parsePipInstall(pip[1] ?? "");
      for (const e of parsed.errors) bad(i, `${body.trim()}: ${e.message}`, e.fix);
      notes.push(...parsed.notes);
      requirements.push(...parsed.requirements);
      for (const rel of parsed.requirementFiles) {
        const path = resolve(ctx.notebookDir, rel);
        if (locate(ctx.notebookDir, path) === "outside") {
          // Never read: its lines would be printed and sent to the engine as requirements.
          bad(i, `${body.trim()}: requirements file ${JSON.stringify(rel)} is outside the notebook's folder (${ctx.notebookDir})`, "copy the requirements file into the notebook's folder (nbbuild never reads files outside it) or list the packages on the %pip line");
          continue;
        }
        try {
          for (const r of readFileSync(path, "utf8").split("\n")) {
            const t = r.replace(/(^|\s)#.*$/, "").trim();
            if (t) requirements.push(t);
          }
        } catch {
          bad(i, `${body.trim()}: requirements file ${JSON.stringify(rel)} not found next to the notebook (${dirname(path)})`, "commit the requirements file beside the notebook or list the packages on the %pip line");
        }
      }
      // What follows `;`/`&&` on a shell line is another command: it still runs, in the step.
      if (parsed.rest) return `${indent}${SUBPROCESS}.run(${shellLiteral(parsed.rest)}, shell=True, check=True)  # nbbuild: pip install moved into the image`;
      return dropped(`${body.trim()} (installed into the image)`);
    }
    if (/^%conda\b|^!\s*conda\s+install\b/.test(body)) {
      bad(i, `conda installs are not supported: ${body.trim()}`, "use %pip install with the same package (the image is built with pip)");
      return line;
    }
    // `x = !cmd`: capture stdout lines, as IPython's SList does.
    const capture = /^([A-Za-z_][\w]*)\s*=\s*!(.*)$/.exec(body);
    if (capture) {
      return `${indent}${capture[1]} = ${SUBPROCESS}.run(${shellLiteral(capture[2]!.trim())}, shell=True, check=True, capture_output=True, text=True).stdout.splitlines()`;
    }
    if (body.startsWith("!")) {
      return `${indent}${SUBPROCESS}.run(${shellLiteral(body.slice(1).trim())}, shell=True, check=True)`;
    }
    if (body.startsWith("%%")) {
      bad(i, `cell magic ${body.trim().split(/\s+/)[0]} is not on the first line of the cell`, "IPython only accepts cell magics on a cell's first line: move it there, or remove it");
      return line;
    }
    const magic = /^%(\w+)\b\s*(.*)$/.exec(body);
    if (!magic) return line;
    const [, name = "", args = ""] = magic;
    if (DROPPED_LINE.has(name)) return dropped(body.trim());
    if (name === "load_ext") {
      if (args.trim() === "autoreload") return dropped(body.trim());
      bad(i, `unsupported magic %load_ext ${args.trim()}`, "extensions only exist inside IPython: remove the line or tag the cell `skip`");
      return line;
    }
    if (name === "time" || name === "timeit") {
      // drop timeit's options (-n N -r N -q -o …) and run the statement once
      const stmt = args.replace(/^(\s*-(?:[nrp]\s*\d+|[tcqo])\s*)*/, "");
      if (!stmt.trim()) {
        bad(i, `%${name} without a statement`, "put the statement on the same line or remove the magic");
        return line;
      }
      return `${indent}${stmt}`;
    }
    if (name === "env" || name === "set_env") {
      // IPython splits at the first "=" when there is one, else at the first space.
      const a = args.trim();
      const kv = a.includes("=") ? /^([A-Za-z_]\w*)\s*=\s*(.*)$/.exec(a) : /^([A-Za-z_]\w*)\s+(.+)$/.exec(a);
      if (kv) return `${indent}${OS}.environ[${pyString(kv[1]!)}] = ${shellLiteral(kv[2]!)}`;
      bad(i, `%${name} without NAME=VALUE: ${body.trim()}`, "write %env NAME=VALUE (or %env NAME VALUE), or set os.environ directly");
      return line;
    }
    if (name === "cd") {
      const words = shellWords(args.trim());
      const quiet = words[0] === "-q";
      const dir = quiet ? words.slice(1) : words;
      if (dir.length !== 1 || dir[0]!.startsWith("-")) {
        bad(i, `%cd needs exactly one folder: ${body.trim()}`, "write %cd FOLDER (relative to the notebook's folder), or call os.chdir(...)");
        return line;
      }
      const chdir = `${OS}.chdir(${OS}.path.expanduser(${shellLiteral(dir[0]!)}))`;
      return `${indent}${chdir}${quiet ? "" : `; print(${OS}.getcwd())`}`;
    }
    if (name === "pwd" && !args.trim()) return `${indent}print(${OS}.getcwd())`;
    bad(i, `unsupported magic %${name}`);
    return line;
  });
  return { source: out.join("\n"), requirements, ...(notes.length ? { notes } : {}) };
}

/**
 * `%%writefile [-a|--append] PATH` as IPython runs it: the body (with a final newline) written or
 * appended verbatim to PATH relative to the working dir, with IPython's "Writing PATH" message.
 * Returns the Python (as many lines as the cell) and a note, or an error message.
 */
function writefile(args: string, body: string[]): { source: string; note: string } | string {
  const words = shellWords(args.trim());
  const append = words.some((w) => w === "-a" || w === "--append");
  const rest = words.filter((w) => w !== "-a" && w !== "--append");
  if (rest.length !== 1 || rest[0]!.startsWith("-")) return `%%writefile needs exactly one file path (got ${JSON.stringify(args.trim())})`;
  const file = rest[0]!;
  const text = body.join("\n");
  const content = body.length === 0 ? "" : text.endsWith("\n") ? text : text + "\n";
  const path = file.startsWith("~") ? `${OS}.path.expanduser(${pyString(file)})` : pyString(file);
  const verb = append ? "Appending to " : "Overwriting ";
  const message = `print((${pyString(verb)} if ${OS}.path.exists(${path}) else "Writing ") + ${pyString(file)})`;
  const head = `${message}; (lambda f: (f.write(`;
  // The trailing `;` keeps the runner from displaying the tuple, as IPython shows nothing either.
  const tail = `), f.close()))(open(${path}, ${pyString(append ? "a" : "w")}, encoding="utf-8"));`;
  let source: string;
  if (body.length > 0 && !text.includes("'''") && !/[\\']$/.test(text) && !text.includes("\r")) {
    // A raw triple-quoted string keeps the body readable, each line where it was.
    // (it opens on the magic's line, so the literal starts with a newline that [1:] removes)
    const out = [`${head}r'''`, ...body];
    out[out.length - 1] += `'''[1:]${content === text ? "" : ' + "\\n"'}${tail}`;
    source = out.join("\n");
  } else {
    source = [`${head}${pyString(content)}${tail}`, ...body.map(() => "")].join("\n");
  }
  return { source, note: `%%writefile ${file}: the cell ${append ? "appends" : "writes"} its body to ${file} (relative to the working dir) when the step runs` };
}
