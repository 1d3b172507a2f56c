/**
 * What a layer holds for Python, read from its tar without running anything: Python versions
 * (`usr/lib/python3.X/`), installed distributions (`*.dist-info/METADATA`, `*.egg-info`) and the
 * top-level modules of site-/dist-packages. The oci engine decides from these whether a base
 * satisfies a step's imports, and the SBOM lists the distributions.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { createGunzip } from "node:zlib";
import { extract } from "tar-stream";

/** One installed Python distribution. */
export interface PythonDistribution {
  name: string;
  version: string;
  /** Metadata path inside the image. */
  path: string;
}

/** Python facts of one layer. */
export interface PythonFacts {
  pythonVersions: string[];
  distributions: PythonDistribution[];
  modules: string[];
  /** Regular files under /opt/app-root (the step's own files) with their sha256 (hex). */
  appFiles: { path: string; sha256: string }[];
  /** `…/bin/python3*` entries: a file (no target) or a symbolic link and its target. */
  interpreters: { path: string; target?: string }[];
  /** The C library, when the layer holds one: glibc with its version, or musl. */
  libc?: { family: "glibc" | "musl"; version?: string };
}

const PKG_DIR = /^(.*\/(?:site|dist)-packages)\/([^/]+)(\/.*)?$/;
const INTERPRETER = /(^|\/)bin\/python3(\.\d+)?$/;
const GLIBC = /(^|\/)lib(64)?\/([^/]+\/)?libc\.so\.6$/;
const MUSL = /(^|\/)lib\/ld-musl-[^/]+\.so\.1$/;
const METADATA = /^(.*\/(?:site|dist)-packages)\/([^/]+)\.(dist-info\/METADATA|egg-info\/PKG-INFO|egg-info)$/;

/** `Name:` and `Version:` of a METADATA/PKG-INFO text. */
function readMetadata(text: string): { name?: string; version?: string } {
  const head = text.split(/\r?\n\r?\n/, 1)[0] ?? "";
  return {
    name: /^Name:\s*(.+)$/m.exec(head)?.[1]?.trim(),
    version: /^Version:\s*(.+)$/m.exec(head)?.[1]?.trim(),
  };
}

/** Reads the Python facts of a gzipped layer tar at `file`. */
export async function scanLayer(file: string): Promise<PythonFacts> {
  const versions = new Set<string>();
  const modules = new Set<string>();
  const distributions: PythonDistribution[] = [];
  const appFiles: PythonFacts["appFiles"] = [];
  const interpreters: PythonFacts["interpreters"] = [];
  let libc: PythonFacts["libc"];
  const ex = extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on("entry", (header, stream, next) => {
      const name = header.name.replace(/^\.?\//, "").replace(/\/$/, "");
      const v = /^usr\/(?:local\/)?lib(?:64)?\/python(3\.\d+)(?:\/|$)/.exec(name);
      if (v) versions.add(v[1]!);
      const pkg = PKG_DIR.exec(name);
      if (pkg && !/\.(dist-info|egg-info|pth)$/.test(pkg[2]!) && !pkg[2]!.startsWith(".wh.")) {
        const top = pkg[3] ? pkg[2]! : /^([A-Za-z_][\w]*)(\.[\w-]+)*\.(py|so|pyd)$/.exec(pkg[2]!)?.[1];
        if (top && /^[A-Za-z_]\w*$/.test(top)) modules.add(top);
      }
      if (INTERPRETER.test(name) && (header.type === "file" || header.type === "symlink")) {
        interpreters.push({ path: `/${name}`, ...(header.type === "symlink" ? { target: header.linkname ?? "" } : {}) });
      }
      if (MUSL.test(name)) libc = { family: "musl" };
      if (GLIBC.test(name) && header.type === "file") {
        // glibc says its version in its own bytes: "… release version 2.36."
        const chunks: Buffer[] = [];
        stream.on("data", (c: unknown) => chunks.push(c as Buffer));
        stream.on("end", () => {
          const version = /release version (2\.\d+)/.exec(Buffer.concat(chunks).toString("latin1"))?.[1];
          libc = { family: "glibc", ...(version ? { version } : {}) };
          next();
        });
        return;
      }
      if (name.startsWith("opt/app-root/") && header.type === "file") {
        const hash = createHash("sha256");
        stream.on("data", (c: unknown) => hash.update(c as Buffer));
        stream.on("end", () => {
          appFiles.push({ path: `/${name}`, sha256: hash.digest("hex") });
          next();
        });
        return;
      }
      const meta = METADATA.exec(name);
      if (meta && header.type === "file") {
        const chunks: Buffer[] = [];
        stream.on("data", (c: unknown) => chunks.push(c as Buffer));
        stream.on("end", () => {
          const m = readMetadata(Buffer.concat(chunks).toString("utf8"));
          if (m.name && m.version) distributions.push({ name: m.name, version: m.version, path: `/${name}` });
          next();
        });
        return;
      }
      stream.on("end", next);
      stream.resume();
    });
    ex.on("finish", resolve);
    ex.on("error", reject);
  });
  const src = createReadStream(file).pipe(createGunzip());
  src.on("error", (e) => ex.destroy(e));
  src.pipe(ex);
  await done;
  distributions.sort((a, b) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : a.name.toLowerCase() > b.name.toLowerCase() ? 1 : a.path < b.path ? -1 : 1));
  appFiles.sort((a, b) => (a.path < b.path ? -1 : 1));
  interpreters.sort((a, b) => (a.path < b.path ? -1 : 1));
  return { pythonVersions: [...versions].sort(), distributions, modules: [...modules].sort(), appFiles, interpreters, ...(libc ? { libc } : {}) };
}

/** The facts of an image: the union over its layers, in order. */
export function mergeFacts(layers: PythonFacts[]): PythonFacts {
  const versions = new Set(layers.flatMap((l) => l.pythonVersions));
  const modules = new Set(layers.flatMap((l) => l.modules));
  // A later layer's file replaces an earlier one at the same path.
  const files = new Map(layers.flatMap((l) => l.appFiles.map((f) => [f.path, f] as const)));
  const interpreters = new Map(layers.flatMap((l) => (l.interpreters ?? []).map((i) => [i.path, i] as const)));
  const libc = layers.map((l) => l.libc).filter((l) => l !== undefined).at(-1);
  return {
    pythonVersions: [...versions].sort(),
    distributions: layers.flatMap((l) => l.distributions),
    modules: [...modules].sort(),
    appFiles: [...files.values()].sort((a, b) => (a.path < b.path ? -1 : 1)),
    interpreters: [...interpreters.values()].sort((a, b) => (a.path < b.path ? -1 : 1)),
    ...(libc ? { libc } : {}),
  };
}
