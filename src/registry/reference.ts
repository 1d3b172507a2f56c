/**
 * The one parser of image references (`[registry[:port]/]path[:tag][@digest]`), with Docker's
 * normalisation: a first component is a registry only when it holds a `.` or `:` or is
 * `localhost`; otherwise the registry is docker.io and a single-component path gets `library/`.
 */

/** A parsed image reference. */
export interface ImageRef {
  /** Registry host as Docker normalises it (`docker.io` when the reference names none). */
  registry: string;
  /** Repository path inside the registry (`library/python`, `team/wine-split`). */
  path: string;
  tag?: string;
  /** `sha256:…`. */
  digest?: string;
  /** Repository as written, without tag or digest (`python`, `127.0.0.1:5000/team/x`). */
  name: string;
}

const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

/** True when `component` (the part before the first `/`) names a registry host. */
function isRegistryHost(component: string): boolean {
  return component.includes(".") || component.includes(":") || component === "localhost";
}

/** Parses an image reference; throws a plain Error naming the reference when it is malformed. */
export function parseImageRef(text: string): ImageRef {
  const bad = (why: string) => new Error(`invalid image reference "${text}": ${why}`);
  let rest = text.trim();
  if (!rest) throw bad("empty");
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw bad(`"${digest}" is not a digest`);
  }
  let tag: string | undefined;
  const slash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw bad(`"${tag}" is not a tag`);
  }
  const name = rest;
  const first = name.indexOf("/");
  let registry = "docker.io";
  let repoPath = name;
  if (first >= 0 && isRegistryHost(name.slice(0, first))) {
    registry = name.slice(0, first);
    repoPath = name.slice(first + 1);
  }
  if (registry === "index.docker.io" || registry === "registry-1.docker.io") registry = "docker.io";
  if (registry === "docker.io" && !repoPath.includes("/")) repoPath = `library/${repoPath}`;
  for (const c of repoPath.split("/")) if (!PATH_COMPONENT.test(c)) throw bad(`repository component "${c}" must be lowercase letters, digits and separators`);
  return { registry, path: repoPath, ...(tag !== undefined ? { tag } : {}), ...(digest ? { digest } : {}), name };
}

/** The repository as written, without tag or digest (keeps a registry port). */
export function repositoryOf(ref: string): string {
  return parseImageRef(ref).name;
}

/** The fully qualified repository (`docker.io/library/python`), for comparing references. */
export function canonicalRepository(ref: string): string {
  const r = parseImageRef(ref);
  return `${r.registry}/${r.path}`;
}

/** True when both references name the same repository after normalisation. */
export function sameRepository(a: string, b: string): boolean {
  return canonicalRepository(a) === canonicalRepository(b);
}

/** The tag or digest a registry request addresses (digest first, else tag, else `latest`). */
export function referenceOf(r: ImageRef): string {
  return r.digest ?? r.tag ?? "latest";
}

/** `name:tag` (tag defaults to latest) — the form a docker tag/push API takes apart. */
export function splitTag(ref: string): { repo: string; tag: string } {
  const r = parseImageRef(ref);
  return { repo: r.name, tag: r.digest ?? r.tag ?? "latest" };
}

/** `repo@digest` for a reference's repository. */
export function withDigest(ref: string, digest: string): string {
  return `${repositoryOf(ref)}@${digest}`;
}

/** True when a reference points at a registry on the loopback interface (plain http allowed). */
export function isLoopbackRegistry(ref: string): boolean {
  const host = ref.split("/")[0] ?? "";
  return ref.includes("/") && isLoopbackHost(host);
}

/** True for `127.x.x.x`, `localhost` and `[::1]`, with or without a port. */
export function isLoopbackHost(host: string): boolean {
  return /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/.test(host);
}
