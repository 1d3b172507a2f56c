/**
 * A local PEP 503 "simple" index for e2e tests: wheels written with python3's zipfile (no network,
 * no build backend), served on 127.0.0.1, optionally behind basic auth.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

/** A wheel's file name for a distribution and version (`my-pkg` → `my_pkg-1.0-py3-none-any.whl`). */
export function wheelName(distribution: string, version: string): string {
  return `${distribution.replace(/-/g, "_")}-${version}-py3-none-any.whl`;
}

/** Extra content of a test wheel. */
export interface WheelExtras {
  /** More members: archive path → text (`pkg_1.0.data/scripts/x`, `pkg/cli.py`). */
  files?: Record<string, string>;
  /** entry_points.txt text. */
  entryPoints?: string;
  /** Unix modes of members (e.g. 0o755 for an executable data script). */
  modes?: Record<string, number>;
  /** Write members with zip64 extra fields. */
  zip64?: boolean;
  /** Requires-Dist lines of METADATA. */
  requires?: string[];
}

/**
 * Writes a minimal pure-Python wheel of `distribution` whose module (the distribution name with
 * `_`) has `VALUE = value`; returns its path.
 */
export function buildWheel(dir: string, value: string, distribution = "nbbuild-probe", version = "0.1.0", extras: WheelExtras = {}): string {
  const script = `
import base64, hashlib, json, sys, zipfile
out, value, dist, version, extras = sys.argv[1:6]
extras = json.loads(extras)
mod = dist.replace("-", "_")
info = "%s-%s.dist-info" % (mod, version)
meta = "Metadata-Version: 2.1\\nName: %s\\nVersion: %s\\n" % (dist, version) + "".join("Requires-Dist: %s\\n" % r for r in extras.get("requires", []))
files = {
  mod + "/__init__.py": "VALUE = %r\\n" % value,
  info + "/METADATA": meta,
  info + "/WHEEL": "Wheel-Version: 1.0\\nGenerator: nbbuild-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
}
files.update(extras.get("files", {}))
if extras.get("entryPoints"):
  files[info + "/entry_points.txt"] = extras["entryPoints"]
def digest(b):
  return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b"=").decode()
record = "".join("%s,%s,%d\\n" % (n, digest(c.encode()), len(c.encode())) for n, c in files.items())
record += info + "/RECORD,,\\n"
modes = extras.get("modes", {})
with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
  for n, c in list(files.items()) + [(info + "/RECORD", record)]:
    zi = zipfile.ZipInfo(n, (2020, 1, 1, 0, 0, 0))
    zi.compress_type = zipfile.ZIP_DEFLATED
    zi.external_attr = (0o100000 | modes.get(n, 0o644)) << 16
    zi.create_system = 3
    with z.open(zi, "w", force_zip64=bool(extras.get("zip64"))) as f:
      f.write(c.encode())
`;
  const file = path.join(dir, wheelName(distribution, version));
  execFileSync("python3", ["-c", script, file, value, distribution, version, JSON.stringify(extras)]);
  return file;
}

/**
 * Writes a source distribution (an sdist only: no wheel) of `distribution`; returns its path. A
 * setup.py without pyproject.toml: pip builds it with the setuptools and wheel the image has,
 * without fetching build requirements from the index.
 */
export function buildSdist(dir: string, value: string, distribution: string, version = "0.1.0"): string {
  const script = `
import io, sys, tarfile
out, value, dist, version = sys.argv[1:5]
mod = dist.replace("-", "_")
root = "%s-%s" % (mod, version)
files = {
  root + "/setup.py": "from setuptools import setup\\nsetup(name=%r, version=%r, packages=[%r])\\n" % (dist, version, mod),
  root + "/PKG-INFO": "Metadata-Version: 2.1\\nName: %s\\nVersion: %s\\n" % (dist, version),
  root + "/%s/__init__.py" % mod: "VALUE = %r\\n" % value,
}
with tarfile.open(out, "w:gz") as t:
  for n, c in files.items():
    data = c.encode()
    ti = tarfile.TarInfo(n)
    ti.size = len(data)
    ti.mtime = 1577836800
    t.addfile(ti, io.BytesIO(data))
`;
  const file = path.join(dir, `${distribution.replace(/-/g, "_")}-${version}.tar.gz`);
  execFileSync("python3", ["-c", script, file, value, distribution, version]);
  return file;
}

/** What a served index knows: wheel files by project name, and who asked for what. */
export interface IndexOptions {
  /** Basic-auth user and password the index requires (none: anonymous). */
  auth?: { user: string; password: string };
  /** Receives `METHOD URL auth|anon` for every request. */
  seen?: string[];
  /** Delay before a wheel download answers: a slow index (progress tests), or a function read per request (to interrupt a client mid-fetch). */
  delayMs?: number | (() => number);
}

/**
 * Serves the given wheel files as a PEP 503 index at `http://127.0.0.1:<port>/simple`; the
 * project name of each wheel is read from its file name. Resolves with the server and its URL
 * (without credentials).
 */
export async function serveIndex(wheelFiles: string[], opts: IndexOptions = {}): Promise<{ server: Server; url: string; close: () => Promise<void> }> {
  const projects = new Map<string, { name: string; data: Buffer; sha: string }[]>();
  for (const file of wheelFiles) {
    const name = path.basename(file);
    const project = name.split("-")[0]!.toLowerCase().replace(/[_.]+/g, "-");
    const data = readFileSync(file);
    projects.set(project, [...(projects.get(project) ?? []), { name, data, sha: createHash("sha256").update(data).digest("hex") }]);
  }
  const expected = opts.auth ? `Basic ${Buffer.from(`${opts.auth.user}:${opts.auth.password}`).toString("base64")}` : undefined;
  const server = createServer((req, res) => {
    const authed = expected !== undefined && req.headers.authorization === expected;
    opts.seen?.push(`${req.method} ${req.url} ${authed ? "auth" : "anon"}`);
    if (expected && !authed) {
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="probe"' }).end();
      return;
    }
    const html = (body: string) => res.writeHead(200, { "Content-Type": "text/html" }).end(`<!DOCTYPE html><html><body>${body}</body></html>`);
    const url = (req.url ?? "").replace(/\/+$/, "");
    if (url === "/simple") return html([...projects.keys()].map((p) => `<a href="/simple/${p}/">${p}</a>`).join("\n"));
    const project = /^\/simple\/([^/]+)$/.exec(url)?.[1];
    if (project && projects.has(project)) {
      return html(projects.get(project)!.map((w) => `<a href="/files/${w.name}#sha256=${w.sha}">${w.name}</a>`).join("\n"));
    }
    const file = /^\/files\/([^/]+)$/.exec(url)?.[1];
    const wheel = file ? [...projects.values()].flat().find((w) => w.name === file) : undefined;
    if (wheel) {
      const send = () => res.writeHead(200, { "Content-Type": "application/octet-stream" }).end(wheel.data);
      const hold = typeof opts.delayMs === "function" ? opts.delayMs() : (opts.delayMs ?? 0);
      if (hold > 0) setTimeout(send, hold);
      else send();
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/simple`;
  return { server, url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
