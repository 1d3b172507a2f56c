/**
 * The dependency set of a step: requirement lines (requirements.txt, %pip lines) plus imports
 * mapped to distributions. Pure text functions; reading requirements.txt is the caller's job.
 */

/** Top-level modules of the Python 3.11 standard library (sys.stdlib_module_names, public part). */
const STDLIB = new Set(
  (
    "abc aifc antigravity argparse array ast asynchat asyncio asyncore atexit audioop base64 bdb binascii bisect " +
    "builtins bz2 cProfile calendar cgi cgitb chunk cmath cmd code codecs codeop collections colorsys compileall " +
    "concurrent configparser contextlib contextvars copy copyreg crypt csv ctypes curses dataclasses datetime dbm " +
    "decimal difflib dis distutils doctest email encodings ensurepip enum errno faulthandler fcntl filecmp " +
    "fileinput fnmatch fractions ftplib functools gc genericpath getopt getpass gettext glob graphlib grp gzip " +
    "hashlib heapq hmac html http idlelib imaplib imghdr imp importlib inspect io ipaddress itertools json keyword " +
    "lib2to3 linecache locale logging lzma mailbox mailcap marshal math mimetypes mmap modulefinder msilib msvcrt " +
    "multiprocessing netrc nis nntplib nt ntpath nturl2path numbers opcode operator optparse os ossaudiodev " +
    "pathlib pdb pickle pickletools pipes pkgutil platform plistlib poplib posix posixpath pprint profile pstats " +
    "pty pwd py_compile pyclbr pydoc pydoc_data pyexpat queue quopri random re readline reprlib resource " +
    "rlcompleter runpy sched secrets select selectors shelve shlex shutil signal site smtpd smtplib sndhdr socket " +
    "socketserver spwd sqlite3 sre_compile sre_constants sre_parse ssl stat statistics string stringprep struct " +
    "subprocess sunau symtable sys sysconfig syslog tabnanny tarfile telnetlib tempfile termios textwrap this " +
    "threading time timeit tkinter token tokenize tomllib trace traceback tracemalloc tty turtle turtledemo types " +
    "typing unicodedata unittest urllib uu uuid venv warnings wave weakref webbrowser winreg winsound wsgiref " +
    "xdrlib xml xmlrpc zipapp zipfile zipimport zlib zoneinfo __future__"
  ).split(" "),
);

/** Import names whose distribution has another name. */
export const IMPORT_TO_DISTRIBUTION: Readonly<Record<string, string>> = {
  sklearn: "scikit-learn",
  skimage: "scikit-image",
  cv2: "opencv-python-headless",
  yaml: "PyYAML",
  PIL: "Pillow",
  bs4: "beautifulsoup4",
  dateutil: "python-dateutil",
  dotenv: "python-dotenv",
  jwt: "PyJWT",
  Crypto: "pycryptodome",
  OpenSSL: "pyOpenSSL",
  serial: "pyserial",
  usb: "pyusb",
  magic: "python-magic",
  docx: "python-docx",
  pptx: "python-pptx",
  attr: "attrs",
  google: "protobuf",
  tensorflow_datasets: "tensorflow-datasets",
  torchvision: "torchvision",
  lightgbm: "lightgbm",
  xgboost: "xgboost",
  MySQLdb: "mysqlclient",
  psycopg2: "psycopg2-binary",
  sqlalchemy: "SQLAlchemy",
  kfp: "kfp",
  mpl_toolkits: "matplotlib",
  pylab: "matplotlib",
  IPython: "ipython",
  ipywidgets: "ipywidgets",
  gi: "PyGObject",
  Levenshtein: "python-Levenshtein",
  fitz: "PyMuPDF",
  zmq: "pyzmq",
  git: "GitPython",
  jose: "python-jose",
  multipart: "python-multipart",
  slugify: "python-slugify",
  pkg_resources: "setuptools",
  setuptools: "setuptools",
};

/** An import found in code that is not in the standard library, with the distribution to install. */
export interface ImportRequirement {
  module: string;
  distribution: string;
}

/** True for a module of the Python standard library. */
export function isStdlib(module: string): boolean {
  return STDLIB.has(module) || module.startsWith("_");
}

/**
 * Top-level module names imported by Python source, found by a line scan of `import a.b, c` and
 * `from a import …` at statement start. Relative imports and imports guarded by `try:` (optional
 * dependencies) are skipped; text inside triple-quoted strings is ignored.
 */
export function scanImports(source: string): string[] {
  const found = new Set<string>();
  let inString: string | undefined;
  let tryIndent: number | undefined;
  for (const raw of source.split("\n")) {
    const line = raw.replace(/\r$/, "");
    if (inString) {
      if (line.includes(inString)) inString = undefined;
      continue;
    }
    const trimmed = line.trimStart();
    const indent = line.length - trimmed.length;
    if (!trimmed || trimmed.startsWith("#")) continue;
    if (tryIndent !== undefined && indent <= tryIndent && !/^(except|else|finally)\b/.test(trimmed)) tryIndent = undefined;
    if (/^try\s*:/.test(trimmed)) {
      tryIndent = indent;
      continue;
    }
    for (const q of ['"""', "'''"]) {
      const count = trimmed.split(q).length - 1;
      if (count % 2 === 1) inString = q;
    }
    if (tryIndent !== undefined) continue;
    const imp = /^import\s+(.+)$/.exec(trimmed);
    if (imp) {
      for (const part of imp[1]!.replace(/#.*/, "").replace(/[()\\]/g, "").split(",")) {
        const name = /^\s*([A-Za-z_][\w]*)/.exec(part)?.[1];
        if (name) found.add(name);
      }
      continue;
    }
    const from = /^from\s+([A-Za-z_][\w]*)[\w.]*\s+import\b/.exec(trimmed);
    if (from) found.add(from[1]!);
  }
  return [...found].sort();
}

/** Maps imported modules to distributions, skipping the standard library and `local` modules. */
export function importRequirements(modules: Iterable<string>, local: ReadonlySet<string> = new Set()): ImportRequirement[] {
  const out = new Map<string, ImportRequirement>();
  for (const m of modules) {
    if (isStdlib(m) || local.has(m) || m === "nbbuild_runtime") continue;
    out.set(m, { module: m, distribution: IMPORT_TO_DISTRIBUTION[m] ?? m });
  }
  return [...out.values()].sort((a, b) => (a.module < b.module ? -1 : 1));
}

/**
 * Requirement lines of a requirements.txt: comments, blank lines and pip options (`-r`, `--hash`
 * …) removed; continuation lines joined. Options are reported separately so callers can warn.
 */
export function parseRequirementsTxt(text: string): { requirements: string[]; options: string[] } {
  const requirements: string[] = [];
  const options: string[] = [];
  for (const raw of text.replace(/\\\r?\n/g, " ").split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, "").trim();
    if (!line) continue;
    if (line.startsWith("-")) options.push(line);
    else requirements.push(line.replace(/\s+--hash=\S+/g, "").replace(/\s+/g, " ").trim());
  }
  return { requirements, options };
}

/** Normalised distribution name of a requirement line (PEP 503), or undefined for URLs/paths. */
export function requirementName(line: string): string | undefined {
  const t = line.trim();
  if (t.includes("://") && !/\s@\s/.test(t)) return undefined;
  const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[|[<>=!~;@ ]|$)/.exec(t);
  return m ? normalizeName(m[1]!) : undefined;
}

/** PEP 503 normalisation: lowercase, runs of `-_.` become `-`. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

/** Sorted, de-duplicated requirement lines (exact duplicates only; conflicting pins are kept for pip). */
export function mergeRequirements(...lists: string[][]): string[] {
  return [...new Set(lists.flat().map((l) => l.trim()).filter(Boolean))].sort();
}
