import { isLoopbackRegistry } from "../engines/engine.js";

/** Manifest media types we accept when asking a registry for a digest. */
const ACCEPT = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

/** Splits `host[:port]/repo/path:tag` (or `@sha256:…`) into its parts. */
export function parseRemoteRef(ref: string): { host: string; repo: string; reference: string } {
  const slash = ref.indexOf("/");
  if (slash < 0) throw new Error(`not a registry reference: ${ref}`);
  const host = ref.slice(0, slash);
  const rest = ref.slice(slash + 1);
  const at = rest.indexOf("@");
  if (at >= 0) return { host, repo: rest.slice(0, at), reference: rest.slice(at + 1) };
  const colon = rest.lastIndexOf(":");
  return colon >= 0 ? { host, repo: rest.slice(0, colon), reference: rest.slice(colon + 1) } : { host, repo: rest, reference: "latest" };
}

/**
 * The manifest digest a registry holds for `ref` (anonymous HEAD request), or undefined when
 * the tag is absent or the registry wants credentials. Plain http only for loopback registries.
 */
export async function remoteDigest(ref: string, timeoutMs = 5000): Promise<string | undefined> {
  const { host, repo, reference } = parseRemoteRef(ref);
  const scheme = isLoopbackRegistry(ref) ? "http" : "https";
  try {
    const res = await fetch(`${scheme}://${host}/v2/${repo}/manifests/${reference}`, {
      method: "HEAD",
      headers: { Accept: ACCEPT },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) return undefined;
    return res.headers.get("docker-content-digest") ?? undefined;
  } catch {
    return undefined;
  }
}
