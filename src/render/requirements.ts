/**
 * The dependency set of a step: requirement lines (requirements.txt, %pip lines) plus imports
 * mapped to distributions. Pure text functions; reading requirements.txt is the caller's job.
 */
import { STDLIB_MODULES } from "./stdlib.js";

/** Import names (top-level, or dotted for namespace packages) whose distribution has another name. */
export const IMPORT_TO_DISTRIBUTION: Readonly<Record<string, string>> = {
  // Data science and machine learning.
  sklearn: "scikit-learn",
  skimage: "scikit-image",
  imblearn: "imbalanced-learn",
  umap: "umap-learn",
  cv2: "opencv-python-headless",
  PIL: "Pillow",
  faiss: "faiss-cpu",
  haiku: "dm-haiku",
  tensorflow_datasets: "tensorflow-datasets",
  tensorflow_hub: "tensorflow-hub",
  tensorflow_probability: "tensorflow-probability",
  tensorflow_text: "tensorflow-text",
  sentence_transformers: "sentence-transformers",
  ydata_profiling: "ydata-profiling",
  pandas_profiling: "pandas-profiling",
  Bio: "biopython",
  mpl_toolkits: "matplotlib",
  pylab: "matplotlib",
  // Formats, parsing, configuration.
  yaml: "PyYAML",
  bs4: "beautifulsoup4",
  dateutil: "python-dateutil",
  dotenv: "python-dotenv",
  attr: "attrs",
  docx: "python-docx",
  pptx: "python-pptx",
  fitz: "PyMuPDF",
  magic: "python-magic",
  Levenshtein: "python-Levenshtein",
  slugify: "python-slugify",
  multipart: "python-multipart",
  // Databases and clouds.
  sqlalchemy: "SQLAlchemy",
  psycopg2: "psycopg2-binary",
  MySQLdb: "mysqlclient",
  pymysql: "PyMySQL",
  "snowflake.connector": "snowflake-connector-python",
  "snowflake.snowpark": "snowflake-snowpark-python",
  "google.protobuf": "protobuf",
  "google.auth": "google-auth",
  "google.oauth2": "google-auth",
  "google.api_core": "google-api-core",
  "google.cloud.secretmanager": "google-cloud-secret-manager",
  "google.cloud.pubsub_v1": "google-cloud-pubsub",
  "google.generativeai": "google-generativeai",
  googleapiclient: "google-api-python-client",
  dns: "dnspython",
  ldap: "python-ldap",
  // Systems and misc.
  jwt: "PyJWT",
  jose: "python-jose",
  Crypto: "pycryptodome",
  OpenSSL: "pyOpenSSL",
  serial: "pyserial",
  usb: "pyusb",
  gi: "PyGObject",
  zmq: "pyzmq",
  git: "GitPython",
  IPython: "ipython",
  pkg_resources: "setuptools",
};

/**
 * Namespace packages whose unlisted sub-packages follow a naming rule: `google.cloud.storage` →
 * google-cloud-storage, `azure.storage.blob` → azure-storage-blob. `depth` is how many dotted
 * parts name the distribution.
 */
const NAMESPACE_RULES: readonly { prefix: string; depth: number }[] = [
  { prefix: "google.cloud", depth: 3 },
  { prefix: "azure", depth: 3 },
];

/** Top-level names that are namespace packages only: never a distribution on their own. */
const NAMESPACE_ONLY = new Set(["google", "azure", "snowflake"]);

/** An import found in code that is not in the standard library, with the distribution to install. */
export interface ImportRequirement {
  module: string;
  distribution: string;
}

/** True for a (top-level or dotted) module of the Python 3.8–3.12 standard library. */
export function isStdlib(module: string): boolean {
  return STDLIB_MODULES.has(module.split(".")[0]!);
}

/**
 * Dotted module paths imported by Python source, found by a line scan of `import a.b, c` and
 * `from a.b import c, d` (giving `a.b.c`, `a.b.d`: a name imported from a package may be its
 * sub-module) at statement start. Relative imports (`from . import x`, `from .m import x`) and
 * imports guarded by `try:` (optional dependencies) are skipped; text inside triple-quoted
 * strings is ignored.
 */
export function scanImportPaths(source: string): string[] {
  const found = new Set<string>();
  let inString: string | undefined;
  let tryIndent: number | undefined;
  const lines = source.split("\n");
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.replace(/\r$/, "");
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
    if (!/^(import|from)\s/.test(trimmed)) continue;
    let statement = trimmed.replace(/#.*/, "");
    // Parenthesised or backslash-continued name lists.
    while (((statement.includes("(") && !statement.includes(")")) || /\\\s*$/.test(statement)) && n + 1 < lines.length) {
      statement = statement.replace(/\\\s*$/, " ") + " " + lines[++n]!.replace(/#.*/, "").trim();
    }
    const names = (list: string) =>
      list.replace(/[()\\]/g, " ").split(",").map((p) => /^\s*([A-Za-z_][\w]*(?:\s*\.\s*[A-Za-z_][\w]*)*)/.exec(p)?.[1]?.replace(/\s+/g, ""));
    const imp = /^import\s+(.+)$/.exec(statement);
    if (imp) {
      for (const name of names(imp[1]!)) if (name) found.add(name);
      continue;
    }
    const from = /^from\s+([A-Za-z_][\w.]*)\s+import\s+(.+)$/.exec(statement);
    if (from) {
      const pkg = from[1]!.replace(/\.+$/, "");
      found.add(pkg);
      for (const name of names(from[2]!)) if (name && name !== "*") found.add(`${pkg}.${name}`);
    }
  }
  return [...found].sort();
}

/** Top-level module names imported by Python source (see `scanImportPaths`). */
export function scanImports(source: string): string[] {
  return [...new Set(scanImportPaths(source).map((m) => m.split(".")[0]!))].sort();
}

/**
 * Top-level names the step's folder provides as Python modules: `x.py` and extension modules
 * (`x.*.so`, `x.pyd`) at its root, and `x/` when it holds Python files (`x/__init__.py`, or a
 * namespace package). `paths` are POSIX paths relative to the folder: its files plus files the
 * code writes (`%%writefile helper.py`).
 */
export function localModules(paths: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const raw of paths) {
    if (raw.startsWith("/")) continue;
    const p = raw.split("\\").join("/").replace(/^(\.\/)+/, "");
    if (p.startsWith("../")) continue;
    const parts = p.split("/");
    const file = parts[parts.length - 1]!;
    if (!/\.(py|pyc|pyd|so)$/.test(file)) continue;
    const top = parts.length > 1 ? parts[0]! : file.replace(/\..*$/, "");
    if (/^[A-Za-z_]\w*$/.test(top)) out.add(top);
  }
  return out;
}

/** The distribution providing a dotted import path, or undefined when none can be named. */
export function distributionOf(module: string): { module: string; distribution: string } | undefined {
  const parts = module.split(".");
  for (let i = parts.length; i >= 1; i--) {
    const prefix = parts.slice(0, i).join(".");
    const mapped = IMPORT_TO_DISTRIBUTION[prefix];
    if (mapped) return { module: prefix, distribution: mapped };
  }
  for (const rule of NAMESPACE_RULES) {
    if (module.startsWith(`${rule.prefix}.`) && parts.length >= rule.depth) {
      const prefix = parts.slice(0, rule.depth).join(".");
      return { module: prefix, distribution: prefix.split(".").join("-").replace(/_/g, "-") };
    }
  }
  if (NAMESPACE_ONLY.has(parts[0]!)) return undefined;
  return { module: parts[0]!, distribution: parts[0]! };
}

/**
 * Maps imported modules (top-level or dotted) to distributions, skipping the standard library,
 * `local` top-level modules (the step folder's own, see `localModules`) and namespace packages
 * with no nameable distribution. One entry per distribution, sorted by module.
 */
export function importRequirements(modules: Iterable<string>, local: ReadonlySet<string> = new Set()): ImportRequirement[] {
  const byDist = new Map<string, ImportRequirement>();
  for (const m of [...modules].sort()) {
    const top = m.split(".")[0]!;
    if (isStdlib(top) || local.has(top) || top === "nbbuild_runtime") continue;
    const found = distributionOf(m);
    if (!found) continue;
    const key = normalizeName(found.distribution);
    const have = byDist.get(key);
    if (!have || found.module < have.module) byDist.set(key, found);
  }
  return [...byDist.values()].sort((a, b) => (a.module < b.module ? -1 : a.module > b.module ? 1 : 0));
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
