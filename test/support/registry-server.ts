/**
 * A small OCI distribution server on 127.0.0.1 for the registry client's auth tests: blobs,
 * uploads (POST + PUT, cross-repository mount), manifests, and either no auth, basic auth or
 * docker's bearer-token flow (a /token endpoint that wants basic credentials). Logs every request.
 */
import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface TestRegistry {
  url: string;
  host: string;
  /** `METHOD path` of every request, token requests included. */
  log: string[];
  blobs: Map<string, Buffer>;
  close(): Promise<void>;
}

const sha = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

export async function startTestRegistry(auth: { mode: "none" | "basic" | "bearer"; user?: string; password?: string } = { mode: "none" }): Promise<TestRegistry> {
  const blobs = new Map<string, Buffer>();
  const repoBlobs = new Map<string, Set<string>>();
  const manifests = new Map<string, { body: Buffer; type: string }>();
  const uploads = new Map<string, string>();
  const log: string[] = [];
  const tokens = new Set<string>();
  const basicOk = (h?: string) => h === `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString("base64")}`;
  let port = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const u = new URL(req.url ?? "/", `http://127.0.0.1:${port}`);
      log.push(`${req.method} ${u.pathname}${u.search}`);
      const send = (status: number, headers: Record<string, string> = {}, data?: Buffer) => {
        res.writeHead(status, headers);
        res.end(req.method === "HEAD" ? undefined : data);
      };
      if (u.pathname === "/token") {
        if (!basicOk(req.headers.authorization)) return send(401);
        const t = `tok-${tokens.size}`;
        tokens.add(t);
        return send(200, { "Content-Type": "application/json" }, Buffer.from(JSON.stringify({ token: t })));
      }
      const authz = req.headers.authorization ?? "";
      if (auth.mode === "basic" && !basicOk(authz)) return send(401, { "WWW-Authenticate": 'Basic realm="test"' });
      if (auth.mode === "bearer" && !tokens.has(authz.replace(/^Bearer /, ""))) {
        return send(401, { "WWW-Authenticate": `Bearer realm="http://127.0.0.1:${port}/token",service="test"` });
      }
      const m = /^\/v2\/(.+)\/(blobs|manifests)\/(.*)$/.exec(u.pathname);
      if (!m) return send(u.pathname === "/v2/" ? 200 : 404);
      const [, repo, kind, ref] = m as unknown as [string, string, string, string];
      const inRepo = repoBlobs.get(repo) ?? new Set<string>();
      repoBlobs.set(repo, inRepo);
      if (kind === "blobs" && ref.startsWith("uploads/")) {
        if (req.method === "POST") {
          const mount = u.searchParams.get("mount");
          const from = u.searchParams.get("from");
          if (mount && from && repoBlobs.get(from)?.has(mount)) {
            inRepo.add(mount);
            return send(201, { "Docker-Content-Digest": mount });
          }
          const id = `u${uploads.size}`;
          uploads.set(id, repo);
          return send(202, { Location: `/v2/${repo}/blobs/uploads/${id}` });
        }
        if (req.method === "PUT") {
          const digest = u.searchParams.get("digest") ?? "";
          if (sha(body) !== digest) return send(400);
          blobs.set(digest, body);
          inRepo.add(digest);
          return send(201, { "Docker-Content-Digest": digest });
        }
      }
      if (kind === "blobs") {
        if (!inRepo.has(ref)) return send(404);
        return send(200, { "Content-Length": String(blobs.get(ref)!.length) }, blobs.get(ref));
      }
      const key = `${repo}:${ref}`;
      if (req.method === "PUT") {
        const entry = { body, type: String(req.headers["content-type"]) };
        manifests.set(key, entry);
        manifests.set(`${repo}:${sha(body)}`, entry);
        return send(201, { "Docker-Content-Digest": sha(body) });
      }
      const man = manifests.get(key);
      if (!man) return send(404);
      return send(200, { "Content-Type": man.type, "Docker-Content-Digest": sha(man.body) }, man.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    log,
    blobs,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
