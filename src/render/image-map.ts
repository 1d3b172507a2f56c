/**
 * Base-image mapping for disconnected clusters: `FROM=TO` rules (from `--image-map`,
 * `--image-map-file` and `$NBBUILD_IMAGE_MAP`) that replace a public base image by its mirror
 * wherever a base is chosen, so a notebook or `.pipeline` naming `tensorflow/tensorflow:2.8.0`
 * builds unchanged.
 *
 * Matching (references are normalised as docker does: `python:3.11` is
 * `docker.io/library/python:3.11`, a reference without tag or digest means `:latest`):
 * - FROM with a tag or digest is an exact rule: it maps that reference only, to TO as written.
 * - FROM without tag or digest is a repository-prefix rule: it maps every tag and digest of that
 *   repository (`python` is `docker.io/library/python`); a FROM that starts with a registry also
 *   covers every repository under that path (`docker.io/tensorflow` covers
 *   `tensorflow/tensorflow:2.8.0`, `docker.io` all of Docker Hub); the rest of the path and the tag/digest are appended to TO
 *   (`python=registry.local/python` maps `python:3.11` to `registry.local/python:3.11`) unless
 *   TO has a tag or digest of its own, which then replaces them.
 * - Exact rules win over prefix rules, a longer prefix over a shorter one, and on a tie the
 *   first rule given (--image-map flags, then --image-map-file lines, then $NBBUILD_IMAGE_MAP).
 */
import { readFileSync } from "node:fs";
import { NbbuildError } from "../errors.js";
import { parseImageRef } from "../registry/reference.js";

/** One `FROM=TO` rule and where it was written (for error messages). */
export interface ImageMapRule {
  from: string;
  to: string;
  /** `--image-map`, `FILE:LINE` or `NBBUILD_IMAGE_MAP`. */
  origin: string;
}

/** An image reference split docker's way. */
interface Reference {
  /** `docker.io/library/python`. */
  repository: string;
  /** `:3.11`, `@sha256:…`, `:3.11@sha256:…`, or "" when neither is written. */
  suffix: string;
}

/** Splits and normalises a reference docker's way (see registry/reference.ts). */
function parseReference(ref: string): Reference {
  const r = parseImageRef(ref);
  return { repository: `${r.registry}/${r.path}`, suffix: (r.tag !== undefined ? `:${r.tag}` : "") + (r.digest ? `@${r.digest}` : "") };
}

/** The normalised form of a reference: `python:3.11` → `docker.io/library/python:3.11`. */
export function normalizeReference(ref: string): string {
  const r = parseReference(ref);
  return r.repository + (r.suffix || ":latest");
}

/** True when `ref` is a valid image reference. */
function isReference(ref: string): boolean {
  try {
    parseImageRef(ref);
    return true;
  } catch {
    return false;
  }
}

/** Parses one `FROM=TO` text; throws an NbbuildError naming `origin` when it is malformed. */
export function parseImageMapRule(text: string, origin: string): ImageMapRule {
  const eq = text.indexOf("=");
  const from = eq >= 0 ? text.slice(0, eq).trim() : "";
  const to = eq >= 0 ? text.slice(eq + 1).trim() : "";
  if (!from || !to || !isReference(from) || !isReference(to)) {
    throw NbbuildError.at(
      { file: origin },
      `image map entry "${text.trim()}" is not FROM=TO with two image references`,
      "write e.g. tensorflow/tensorflow:2.8.0=registry.local/tensorflow:2.8.0, or docker.io/library/python=registry.local/python to map every tag",
    );
  }
  return { from, to, origin };
}

/** Rules of a file: one `FROM=TO` per line; blank lines and `#` comments are skipped. */
export function parseImageMapFile(file: string): ImageMapRule[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw NbbuildError.at({ file }, "the image map file cannot be read", "pass an existing file of FROM=TO lines to --image-map-file");
  }
  return text.split(/\r?\n/).flatMap((line, i) => {
    const content = line.replace(/(^|\s)#.*$/, "").trim();
    return content ? [parseImageMapRule(content, `${file}:${i + 1}`)] : [];
  });
}

/** Rules of `$NBBUILD_IMAGE_MAP`: `FROM=TO` entries separated by commas or newlines. */
export function imageMapFromEnv(env: NodeJS.ProcessEnv = process.env): ImageMapRule[] {
  const text = env.NBBUILD_IMAGE_MAP ?? "";
  return text.split(/[,\n]/).map((s) => s.trim()).filter((s) => s && !s.startsWith("#")).map((s) => parseImageMapRule(s, "NBBUILD_IMAGE_MAP"));
}

/** All rules in precedence order: flags, then the file's lines, then the environment. */
export function collectImageMap(flags: { imageMap?: string[]; imageMapFile?: string[] }, env: NodeJS.ProcessEnv = process.env): ImageMapRule[] {
  return [
    ...(flags.imageMap ?? []).map((t) => parseImageMapRule(t, "--image-map")),
    ...(flags.imageMapFile ?? []).flatMap(parseImageMapFile),
    ...imageMapFromEnv(env),
  ];
}

/**
 * The repository paths a prefix rule's FROM covers: the repository it names (`python` is
 * `docker.io/library/python`) and, when FROM starts with a registry, that literal path too
 * (`docker.io/tensorflow` is also the namespace of `tensorflow/tensorflow`, `docker.io` the registry).
 */
function prefixForms(from: string): string[] {
  const forms = [parseReference(from).repository];
  const first = from.split("/")[0]!;
  if (first.includes(".") || first.includes(":") || first === "localhost") forms.push(from.replace(/^(index|registry-1)\.docker\.io(\/|$)/, "docker.io$2").replace(/\/+$/, ""));
  return [...new Set(forms)];
}

/** The rule that applies to `ref` and the repository path it matched (see the module comment for the order). */
function findRule(rules: readonly ImageMapRule[], ref: string): { rule: ImageMapRule; prefix?: string } | undefined {
  const target = parseReference(ref);
  const full = normalizeReference(ref);
  const exact = rules.find((r) => parseReference(r.from).suffix && normalizeReference(r.from) === full);
  if (exact) return { rule: exact };
  let best: { rule: ImageMapRule; prefix: string } | undefined;
  for (const rule of rules) {
    if (parseReference(rule.from).suffix) continue;
    for (const prefix of prefixForms(rule.from)) {
      const covers = target.repository === prefix || target.repository.startsWith(`${prefix}/`);
      if (covers && prefix.length > (best?.prefix.length ?? -1)) best = { rule, prefix };
    }
  }
  return best;
}

/** The rule that applies to `ref`, if any. */
export function matchImageMap(rules: readonly ImageMapRule[], ref: string): ImageMapRule | undefined {
  return findRule(rules, ref)?.rule;
}

/** `ref` after the mapping (unchanged when no rule applies). */
export function mapImage(rules: readonly ImageMapRule[], ref: string): string {
  const found = findRule(rules, ref);
  if (!found) return ref;
  if (found.prefix === undefined || parseReference(found.rule.to).suffix) return found.rule.to;
  const target = parseReference(ref);
  return found.rule.to.replace(/\/+$/, "") + target.repository.slice(found.prefix.length) + target.suffix;
}
