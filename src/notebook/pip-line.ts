/**
 * The arguments of a notebook's `pip install` line, read the way a shell and pip would: the
 * install command ends at a control operator (`;`, `&&`, `||`, `|`, `&`), redirections are not
 * arguments, quotes are honoured, and options are never packages (an option that takes a value
 * takes the next word, as pip's own option table says).
 */

/** What one `pip install …` line asks for. */
export interface PipLine {
  /** Requirement specifiers, in order. */
  requirements: string[];
  /** Files named by -r/--requirement, in order. */
  requirementFiles: string[];
  /** Shell text after `;`, `&&` or `&` that runs as its own command (empty when none). */
  rest: string;
  /** Problems reading the line (the caller names the cell). */
  errors: { message: string; fix: string }[];
  /** Things the shell does that the author may not expect (info notes). */
  notes: string[];
}

type Token = { kind: "word"; text: string; raw: string } | { kind: "op"; text: string };

const CONTROL = new Set([";", "&&", "||", "|", "&", "|&"]);
const REDIRECT = /^(\d*>>?|\d*<|&>>?|\d*>&\d*-?|\d*<&\d*-?)$/;

/** Splits shell text into words and operators; undefined for an unterminated quote. */
function tokenize(s: string): Token[] | undefined {
  const tokens: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === " " || c === "\t") {
      i++;
      continue;
    }
    if (c === "#") break; // a shell comment
    // Operators, including redirections with a file descriptor (2>&1, 2>, &>).
    const op = /^(\d*>>?&?\d*-?|\d*<&?\d*-?|&>>?|&&|\|\||\|&|[;&|])/.exec(s.slice(i));
    if (op && (/^[;&|<>]/.test(op[0]) || /^\d+[<>]/.test(op[0]))) {
      tokens.push({ kind: "op", text: op[0] });
      i += op[0].length;
      continue;
    }
    let text = "";
    const start = i;
    while (i < s.length && !/[\s;&|<>]/.test(s[i]!)) {
      const ch = s[i]!;
      if (ch === "'") {
        const end = s.indexOf("'", i + 1);
        if (end < 0) return undefined;
        text += s.slice(i + 1, end);
        i = end + 1;
      } else if (ch === '"') {
        let j = i + 1;
        while (j < s.length && s[j] !== '"') {
          if (s[j] === "\\" && j + 1 < s.length) j++;
          text += s[j];
          j++;
        }
        if (j >= s.length) return undefined;
        i = j + 1;
      } else if (ch === "\\" && i + 1 < s.length) {
        text += s[i + 1];
        i += 2;
      } else {
        text += ch;
        i++;
      }
    }
    tokens.push({ kind: "word", text, raw: s.slice(start, i) });
  }
  return tokens;
}

/** pip install options that take a value, and what nbbuild does with them. */
const VALUE_OPTIONS: Record<string, "requirement" | "ignore" | "unsupported"> = {
  "-r": "requirement", "--requirement": "requirement",
  "-c": "unsupported", "--constraint": "unsupported",
  "-e": "unsupported", "--editable": "unsupported",
  "-i": "unsupported", "--index-url": "unsupported", "--extra-index-url": "unsupported",
  "-f": "unsupported", "--find-links": "unsupported",
  "-t": "unsupported", "--target": "unsupported", "--prefix": "unsupported", "--root": "unsupported", "--src": "unsupported",
  "--platform": "unsupported", "--python-version": "unsupported", "--implementation": "unsupported", "--abi": "unsupported",
  "--no-binary": "unsupported", "--only-binary": "unsupported",
  "--upgrade-strategy": "ignore", "--progress-bar": "ignore", "--root-user-action": "ignore", "--timeout": "ignore",
  "--retries": "ignore", "--cache-dir": "ignore", "--exists-action": "ignore", "--log": "ignore", "--log-file": "ignore",
  "--report": "ignore", "--proxy": "ignore", "--trusted-host": "ignore", "--cert": "ignore", "--client-cert": "ignore",
  "--global-option": "ignore", "--config-settings": "ignore", "-C": "ignore", "--use-feature": "ignore", "--use-deprecated": "ignore",
  "--keyring-provider": "ignore",
};

/** Flags without a value: none changes what gets installed into the image, except --no-index. */
const FLAGS = new Set([
  "-q", "--quiet", "-v", "--verbose", "-U", "--upgrade", "--user", "--no-cache-dir", "--pre", "--no-deps",
  "--force-reinstall", "-I", "--ignore-installed", "--ignore-requires-python", "--no-build-isolation", "--use-pep517",
  "--no-use-pep517", "--check-build-dependencies", "--no-clean", "--compile", "--no-compile", "--no-warn-script-location",
  "--no-warn-conflicts", "--disable-pip-version-check", "--isolated", "--no-input", "--require-hashes", "--prefer-binary",
  "--break-system-packages", "--no-color", "-y", "--yes", "--no-python-version-warning", "--dry-run",
]);

const FIX_UNSUPPORTED: Record<string, string> = {
  index: "pass the index to the build instead: nbbuild image --index-url URL / --extra-index-url URL / --find-links DIR / --no-index (credentials are never stored)",
  place: "remove the option: nbbuild installs every requirement into the image's own environment",
  other: "declare plain requirements on the line (name and version specifier), or list them in a requirements.txt beside the notebook",
};
const fixFor = (opt: string): string =>
  /^(-i|--index-url|--extra-index-url|-f|--find-links|--no-index)$/.test(opt) ? FIX_UNSUPPORTED["index"]! : /^(-t|--target|--prefix|--root|--src|--user)$/.test(opt) ? FIX_UNSUPPORTED["place"]! : FIX_UNSUPPORTED["other"]!;

/** Reads the text after `pip install` on a notebook line. */
export function parsePipInstall(args: string): PipLine {
  const out: PipLine = { requirements: [], requirementFiles: [], rest: "", errors: [], notes: [] };
  const tokens = tokenize(args);
  if (!tokens) {
    out.errors.push({ message: "the pip install line has an unterminated quote", fix: "close the quote, or write the requirements without quotes" });
    return out;
  }
  // The install command ends at the first control operator; what follows `;`, `&&` or `&` is
  // another command (kept to run as a shell line), what follows `|` or `||` only reads pip's
  // output or runs when pip fails (pip runs at build time, so it is dropped).
  const end = tokens.findIndex((t) => t.kind === "op" && CONTROL.has(t.text));
  if (end >= 0) {
    const op = tokens[end]!.text;
    if (op === ";" || op === "&&" || op === "&") {
      const at = args.indexOf(op, positionOfToken(args, tokens, end));
      out.rest = args.slice(at + op.length).trim();
    }
  }
  const words: string[] = [];
  const own = end >= 0 ? tokens.slice(0, end) : tokens;
  for (let i = 0; i < own.length; i++) {
    const t = own[i]!;
    if (t.kind === "op") {
      // A redirection: the next word is its target unless the operator names a descriptor (2>&1).
      const target = own[i + 1];
      if (REDIRECT.test(t.text) && !/&\d|&-$/.test(t.text) && target?.kind === "word") {
        i++;
        const before = own[i - 2];
        // `pandas>=1.5` unquoted: the shell writes pip's output to a file named "=1.5".
        if (/^[=\d]/.test(target.text) && before?.kind === "word" && !before.text.startsWith("-")) {
          out.notes.push(`the shell reads ${before.raw}${t.text}${target.raw} as ${before.text} with its output redirected to the file ${JSON.stringify(target.text)}, so pip installs ${before.text} without that version bound (as Jupyter does); quote it ("${before.text}${t.text}${target.text}") to keep the bound`);
        }
      }
      continue;
    }
    if (/\$|`/.test(t.raw) || /\{[A-Za-z_][\w.]*\}/.test(t.raw)) {
      out.errors.push({ message: `the pip install line uses a shell or Python variable (${t.raw}), which is only known when the notebook runs`, fix: "write the requirement itself on the line (e.g. pandas==2.2.2), or list it in a requirements.txt beside the notebook" });
      continue;
    }
    words.push(t.text);
  }
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (!w.startsWith("-") || w === "-") {
      out.requirements.push(w);
      continue;
    }
    const eq = w.indexOf("=");
    const long = w.startsWith("--");
    const name = long && eq > 0 ? w.slice(0, eq) : long ? w : w.slice(0, 2);
    // Short options glue their value (-rreqs.txt) or combine flags (-qU).
    const glued = long ? (eq > 0 ? w.slice(eq + 1) : undefined) : w.length > 2 ? w.slice(2) : undefined;
    const kind = VALUE_OPTIONS[name];
    if (kind) {
      const value = glued ?? words[++i];
      if (value === undefined) {
        out.errors.push({ message: `pip option ${name} needs a value`, fix: `write ${name} VALUE` });
        continue;
      }
      if (kind === "requirement") out.requirementFiles.push(value);
      else if (kind === "unsupported") out.errors.push({ message: `pip option ${name} is not supported in a notebook install line`, fix: fixFor(name) });
      continue;
    }
    if (!long && glued !== undefined && [...w.slice(1)].every((ch) => FLAGS.has(`-${ch}`))) continue; // -qU, -qq
    if (FLAGS.has(name) && glued === undefined) continue;
    out.errors.push({ message: `pip option ${name === w ? w : name} is not supported in a notebook install line`, fix: fixFor(name) });
  }
  return out;
}

/** Offset in `args` where token `index` starts (operators are found again by text from there). */
function positionOfToken(args: string, tokens: Token[], index: number): number {
  let at = 0;
  for (let i = 0; i < index; i++) {
    const t = tokens[i]!;
    const text = t.kind === "word" ? t.raw : t.text;
    at = args.indexOf(text, at) + text.length;
  }
  return at;
}
