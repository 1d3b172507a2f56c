/**
 * A client of the OCI distribution API: manifests and blobs, anonymous, bearer-token or basic
 * auth (challenge-driven, as docker does), cross-repository mounts, monolithic uploads. Counts its
 * requests and the bytes it uploads, so builds can report and bound them.
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { rename, rm, stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { findCredential, type Credential } from "./auth.js";
import { isLoopbackHost } from "./reference.js";

/** Manifest media types accepted when reading. */
export const MANIFEST_TYPES = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
];

/** Options of a client for one registry host. */
export interface RegistryClientOptions {
  /** Allow plain http (and basic auth over it) for a non-loopback host. */
  insecure?: boolean;
  /** Credential to use (default: looked up in the credential files). */
  credential?: Credential | null;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** A failed registry request: the method, URL path and status. */
export class RegistryError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** A manifest read from a registry. */
export interface FetchedManifest {
  body: Buffer;
  mediaType: string;
  digest: string;
}

interface Challenge {
  scheme: "bearer" | "basic";
  realm?: string;
  service?: string;
}

/** Parses `Bearer realm="…",service="…",scope="…"`. */
export function parseChallenge(header: string): Challenge | undefined {
  const m = /^\s*(\w+)\s*(.*)$/.exec(header);
  if (!m) return undefined;
  const scheme = m[1]!.toLowerCase();
  if (scheme !== "bearer" && scheme !== "basic") return undefined;
  const params: Record<string, string> = {};
  for (const p of m[2]!.matchAll(/(\w+)="([^"]*)"/g)) params[p[1]!.toLowerCase()] = p[2]!;
  return { scheme, realm: params.realm, service: params.service };
}

const sha256Of = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

export class RegistryClient {
  /** Requests made (token requests included). */
  requests = 0;
  /** Bytes uploaded in blob and manifest bodies. */
  bytesPushed = 0;
  private readonly scheme: "http" | "https";
  private readonly credential?: Credential;
  private challenge?: Challenge;
  /** Bearer tokens by scope. */
  private readonly tokens = new Map<string, string>();
  private readonly timeoutMs: number;

  constructor(readonly host: string, opts: RegistryClientOptions = {}) {
    this.scheme = isLoopbackHost(host) || opts.insecure ? "http" : "https";
    this.credential = opts.credential === null ? undefined : (opts.credential ?? findCredential(host, opts.env));
    this.timeoutMs = opts.timeoutMs ?? 10 * 60_000;
  }

  private url(pathOrUrl: string): string {
    return /^https?:\/\//.test(pathOrUrl) ? pathOrUrl : `${this.scheme}://${this.host}${pathOrUrl}`;
  }

  private basic(): string | undefined {
    if (!this.credential) return undefined;
    return `Basic ${Buffer.from(`${this.credential.username}:${this.credential.password}`).toString("base64")}`;
  }

  /** Fetches a bearer token for `scope` from the challenge's realm (with the credential, if any). */
  private async token(scope: string): Promise<string> {
    const have = this.tokens.get(scope);
    if (have) return have;
    const c = this.challenge!;
    if (!c.realm) throw new RegistryError(401, `${this.host}: bearer challenge without a realm`);
    const u = new URL(c.realm);
    if (c.service) u.searchParams.set("service", c.service);
    for (const s of scope.split(" ")) u.searchParams.append("scope", s);
    const basic = this.basic();
    this.requests++;
    const res = await fetch(u, { headers: basic ? { Authorization: basic } : {}, signal: AbortSignal.timeout(30_000) });
    if (!res.ok) throw new RegistryError(res.status, `${this.host}: token request for ${scope} failed: HTTP ${res.status}${basic ? "" : " (no credential found: log in with docker login or podman login)"}`);
    const body = (await res.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new RegistryError(401, `${this.host}: token response has no token`);
    this.tokens.set(scope, token);
    return token;
  }

  private async authorization(scope: string): Promise<string | undefined> {
    if (!this.challenge) return undefined;
    if (this.challenge.scheme === "basic") return this.basic();
    return `Bearer ${await this.token(scope)}`;
  }

  /**
   * One request; on a 401 learns the host's challenge (once per host) and retries with a token or
   * basic credentials. `body` may be a function so a retried upload re-opens its stream.
   */
  private async request(
    method: string,
    pathOrUrl: string,
    scope: string,
    init: { headers?: Record<string, string>; body?: () => Buffer | Readable; size?: number } = {},
  ): Promise<Response> {
    const send = async (): Promise<Response> => {
      const auth = await this.authorization(scope);
      const body = init.body?.();
      const headers: Record<string, string> = { ...init.headers, ...(auth ? { Authorization: auth } : {}) };
      if (init.size !== undefined) headers["Content-Length"] = String(init.size);
      this.requests++;
      return fetch(this.url(pathOrUrl), {
        method,
        headers,
        ...(body !== undefined
          ? { body: Buffer.isBuffer(body) ? body : (Readable.toWeb(body) as unknown as BodyInit), duplex: "half" }
          : {}),
        redirect: "follow",
        signal: AbortSignal.timeout(this.timeoutMs),
      } as RequestInit);
    };
    let res = await send();
    if (res.status === 401 && !this.challenge) {
      const c = parseChallenge(res.headers.get("www-authenticate") ?? "");
      await res.body?.cancel();
      if (!c) throw new RegistryError(401, `${this.host}: ${method} ${pathOrUrl} needs credentials the registry did not say how to send`);
      if (c.scheme === "basic" && !this.credential) throw new RegistryError(401, `${this.host} asks for a user name and password: log in with docker login or podman login`);
      this.challenge = c;
      res = await send();
    }
    return res;
  }

  private async fail(res: Response, what: string): Promise<never> {
    const text = (await res.text().catch(() => "")).slice(0, 300);
    throw new RegistryError(res.status, `${this.host}: ${what} failed: HTTP ${res.status}${text ? ` ${text.trim()}` : ""}`);
  }

  /** True when `repo` has blob `digest`. */
  async hasBlob(repo: string, digest: string): Promise<boolean> {
    const res = await this.request("HEAD", `/v2/${repo}/blobs/${digest}`, `repository:${repo}:pull`);
    if (res.ok) return true;
    if (res.status === 404) return false;
    return this.fail(res, `HEAD blob ${digest} in ${repo}`);
  }

  /** Downloads blob `digest` of `repo` into `file` (atomically), verifying the digest. */
  async downloadBlob(repo: string, digest: string, file: string): Promise<void> {
    const res = await this.request("GET", `/v2/${repo}/blobs/${digest}`, `repository:${repo}:pull`);
    if (!res.ok || !res.body) return this.fail(res, `GET blob ${digest} from ${repo}`);
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.part`;
    const hash = createHash("sha256");
    try {
      const src = Readable.fromWeb(res.body as unknown as WebReadableStream);
      src.on("data", (c: Buffer) => hash.update(c));
      await pipeline(src, createWriteStream(tmp));
      const got = `sha256:${hash.digest("hex")}`;
      if (got !== digest) throw new Error(`${this.host}: blob ${digest} of ${repo} arrived with digest ${got}`);
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  /**
   * Mounts blob `digest` from repository `from` (same registry) into `repo`. Returns true when
   * mounted; otherwise the upload URL the registry opened instead (an upload continues there).
   */
  async mountBlob(repo: string, digest: string, from: string): Promise<true | string> {
    const res = await this.request(
      "POST",
      `/v2/${repo}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`,
      `repository:${repo}:pull,push repository:${from}:pull`,
    );
    await res.body?.cancel();
    if (res.status === 201) return true;
    if (res.status === 202) return this.location(res);
    return this.fail(res, `mount of ${digest} from ${from} into ${repo}`);
  }

  private location(res: Response): string {
    const loc = res.headers.get("location");
    if (!loc) throw new RegistryError(res.status, `${this.host}: upload response without a Location`);
    return new URL(loc, this.url("/")).toString();
  }

  /**
   * Uploads a blob in one PUT (after the POST that opens the session, unless `uploadUrl` is
   * given). `data` is the bytes or a file path (streamed).
   */
  async uploadBlob(repo: string, digest: string, data: Buffer | { file: string }, uploadUrl?: string): Promise<void> {
    const scope = `repository:${repo}:pull,push`;
    let url = uploadUrl;
    if (!url) {
      const post = await this.request("POST", `/v2/${repo}/blobs/uploads/`, scope);
      await post.body?.cancel();
      if (post.status !== 202) return this.fail(post, `starting an upload to ${repo}`);
      url = this.location(post);
    }
    const u = new URL(url);
    u.searchParams.set("digest", digest);
    const size = Buffer.isBuffer(data) ? data.length : (await stat(data.file)).size;
    const body = () => (Buffer.isBuffer(data) ? data : createReadStream(data.file));
    const put = await this.request("PUT", u.toString(), scope, { headers: { "Content-Type": "application/octet-stream" }, body, size });
    await put.body?.cancel();
    if (put.status !== 201) return this.fail(put, `uploading ${digest} to ${repo}`);
    this.bytesPushed += size;
  }

  /** Reads a (small) blob into memory, verifying its digest. */
  async getBlob(repo: string, digest: string): Promise<Buffer> {
    const res = await this.request("GET", `/v2/${repo}/blobs/${digest}`, `repository:${repo}:pull`);
    if (!res.ok) return this.fail(res, `GET blob ${digest} from ${repo}`);
    const body = Buffer.from(await res.arrayBuffer());
    if (sha256Of(body) !== digest) throw new Error(`${this.host}: blob ${digest} of ${repo} arrived with digest ${sha256Of(body)}`);
    return body;
  }

  /**
   * The manifests that refer to `digest` (OCI 1.1): the referrers API when the registry has one,
   * else the fallback tag `sha256-<hex>`; [] when there are none.
   */
  async referrers(repo: string, digest: string): Promise<{ digest: string; artifactType?: string; mediaType: string }[]> {
    const index = "application/vnd.oci.image.index.v1+json";
    const res = await this.request("GET", `/v2/${repo}/referrers/${digest}`, `repository:${repo}:pull`, { headers: { Accept: index } });
    if (res.ok && (res.headers.get("content-type") ?? "").startsWith(index)) {
      return ((await res.json()) as { manifests?: [] }).manifests ?? [];
    }
    await res.body?.cancel();
    const fallback = await this.getManifest(repo, `sha256-${digest.slice("sha256:".length)}`, [index]);
    return fallback ? ((JSON.parse(fallback.body.toString("utf8")) as { manifests?: [] }).manifests ?? []) : [];
  }

  /** Reads a manifest (or index) by tag or digest; verifies a digest reference. */
  async getManifest(repo: string, reference: string, accept = MANIFEST_TYPES): Promise<FetchedManifest | undefined> {
    const res = await this.request("GET", `/v2/${repo}/manifests/${reference}`, `repository:${repo}:pull`, { headers: { Accept: accept.join(", ") } });
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    if (!res.ok) return this.fail(res, `GET manifest ${repo}:${reference}`);
    const body = Buffer.from(await res.arrayBuffer());
    const digest = sha256Of(body);
    if (reference.startsWith("sha256:") && digest !== reference) throw new Error(`${this.host}: manifest ${reference} of ${repo} arrived with digest ${digest}`);
    const mediaType = (JSON.parse(body.toString("utf8")) as { mediaType?: string }).mediaType ?? res.headers.get("content-type") ?? "";
    return { body, mediaType, digest };
  }

  /** The digest a tag points at, or undefined when absent. */
  async headManifest(repo: string, reference: string): Promise<string | undefined> {
    const res = await this.request("HEAD", `/v2/${repo}/manifests/${reference}`, `repository:${repo}:pull`, { headers: { Accept: MANIFEST_TYPES.join(", ") } });
    if (res.status === 404) return undefined;
    if (!res.ok) return this.fail(res, `HEAD manifest ${repo}:${reference}`);
    return res.headers.get("docker-content-digest") ?? undefined;
  }

  /** Stores a manifest under a tag or its digest; returns its digest. */
  async putManifest(repo: string, reference: string, body: Buffer, mediaType: string): Promise<string> {
    const res = await this.request("PUT", `/v2/${repo}/manifests/${reference}`, `repository:${repo}:pull,push`, {
      headers: { "Content-Type": mediaType },
      body: () => body,
      size: body.length,
    });
    await res.body?.cancel();
    if (res.status !== 201) return this.fail(res, `PUT manifest ${repo}:${reference}`);
    this.bytesPushed += body.length;
    return sha256Of(body);
  }
}
