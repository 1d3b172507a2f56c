/**
 * The S2I engine: a local source-to-image build that follows the upstream `s2i build` contract
 * (openshift/source-to-image, docs/builder_image.md) on the docker daemon:
 *   1. the source (and the artifacts of an incremental build) are streamed as a tar into a
 *      container of the builder image, which runs as the image's user
 *      `/bin/sh -c "tar -C <destination> -xf - && <scripts>/assemble"`;
 *   2. the container is committed with the build environment, `CMD <scripts>/run` and labels.
 * Plain Containerfile builds, inspection and pulls go to the wrapped docker builder.
 */
import { existsSync, lstatSync, readFileSync, readdirSync, readlinkSync, statSync } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { execa } from "execa";
import { pack } from "tar-stream";
import { excludedByOutside } from "../render/folder.js";
import type { BuildContextFiles, BuildOptions, Builder, ContextFile, ImageInfo } from "./engine.js";

/** Folders never injected as source: local nbbuild state and version-control data. */
const SKIPPED_DIRS = new Set([".nbbuild", ".git"]);
const TIMEOUT_MS = 30 * 60_000;

/** One source build: `from` (the builder or an image it built) + the source folder → `tag`. */
export interface SourceBuildRequest {
  from: string;
  /** Folder injected at `<destination>/src`. */
  source: string;
  /** Build environment (`s2i build -e`): committed into the image, so never credentials. */
  env: Record<string, string>;
  /** Files injected under the source for the build only (a build secret); assemble removes them. */
  secretFiles?: ContextFile[];
  /** A previous image of this build: its save-artifacts output is restored to `<destination>/artifacts`. */
  incrementalFrom?: string;
  tag: string;
  labels?: Record<string, string>;
  /** "host" lets pip reach a 127.0.0.1 index; step builds need no network. */
  network: "host" | "none";
  onLog?: (line: string) => void;
}

/** S2I facts of an image, from its labels (defaults as upstream s2i applies them). */
export interface S2IImageFacts {
  scriptsDir: string;
  destination: string;
  user: string;
}

/** Reads the scripts location and destination labels of a builder image. */
export function s2iFacts(info: ImageInfo): S2IImageFacts {
  const url = info.labels["io.openshift.s2i.scripts-url"] ?? "image:///usr/libexec/s2i";
  return {
    scriptsDir: url.startsWith("image://") ? url.slice("image://".length) : "/usr/libexec/s2i",
    destination: info.labels["io.openshift.s2i.destination"] ?? "/tmp",
    user: info.user,
  };
}

/** Files and symbolic links under `dir` (relative POSIX paths), without SKIPPED_DIRS. */
function filesOf(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const e of readdirSync(path.join(dir, prefix), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (!SKIPPED_DIRS.has(e.name)) out.push(...filesOf(dir, rel));
    } else if (e.isFile() || e.isSymbolicLink()) out.push(rel);
  }
  return out;
}

/**
 * Files and symbolic links of the source folder (relative POSIX paths) an S2I build receives, as
 * `s2i build DIR` copies them — minus what nbbuild leaves out of the folder image for reasons the
 * builder cannot see (ignore rules above DIR, nbbuild's own outputs): with them, assemble would
 * render another folder, and so another content hash, than this host.
 */
export function sourceFiles(dir: string): string[] {
  const hidden = new Set(excludedByOutside(dir));
  return filesOf(dir).filter((p) => !hidden.has(p));
}

/**
 * The tar streamed into the builder container: `src/…` (+ secret files) and, for an incremental
 * build, `artifacts.tar` (the previous image's save-artifacts output, unpacked by the command).
 */
export async function injectionTar(req: SourceBuildRequest, artifacts?: Buffer): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on("data", (c: unknown) => { chunks.push(c as Buffer); });
  const done = new Promise<void>((resolve, reject) => {
    p.on("end", resolve);
    p.on("error", reject);
  });
  const dirs = new Set<string>(["src"]);
  const entries: { name: string; data: Buffer; mode: number; linkname?: string }[] = [];
  for (const rel of sourceFiles(req.source)) {
    const abs = path.join(req.source, rel);
    const st = lstatSync(abs);
    if (st.isSymbolicLink()) entries.push({ name: `src/${rel}`, data: Buffer.alloc(0), mode: 0o777, linkname: readlinkSync(abs) });
    else entries.push({ name: `src/${rel}`, data: readFileSync(abs), mode: st.mode & 0o777 });
  }
  for (const f of req.secretFiles ?? []) entries.push({ name: `src/${f.path}`, data: f.data, mode: 0o600 });
  if (artifacts?.length) entries.push({ name: "artifacts.tar", data: artifacts, mode: 0o600 });
  for (const e of entries) {
    const parts = e.name.split("/");
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
  }
  // Folders keep their own modes, as `s2i build DIR` copies them: the folder image hashes them.
  const dirMode = (d: string) => {
    const inSource = d === "src" ? req.source : d.startsWith("src/") ? path.join(req.source, d.slice(4)) : undefined;
    return inSource && existsSync(inSource) ? statSync(inSource).mode & 0o777 : 0o775;
  };
  for (const d of [...dirs].sort()) p.entry({ name: `${d}/`, type: "directory", mode: dirMode(d) });
  for (const e of entries) {
    if (e.linkname !== undefined) p.entry({ name: e.name, type: "symlink", linkname: e.linkname, mode: e.mode });
    else p.entry({ name: e.name, mode: e.mode, size: e.data.length }, e.data);
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** Quotes a Dockerfile instruction value (`LABEL "k"="v"`). */
const q = (v: string) => JSON.stringify(v);

/** Local source-to-image builds on the docker daemon; everything else is the docker engine's. */
export class S2IEngine implements Builder {
  readonly name = "s2i" as const;
  constructor(private readonly docker: Builder) {}

  inspect(ref: string): Promise<ImageInfo | undefined> {
    return this.docker.inspect(ref);
  }
  pull(ref: string): Promise<ImageInfo> {
    return this.docker.pull(ref);
  }
  build(context: BuildContextFiles, tag: string, opts?: BuildOptions): Promise<ImageInfo> {
    return this.docker.build(context, tag, opts);
  }
  close(): Promise<void> {
    return this.docker.close();
  }

  /** Runs a command in a fresh container of `image` and returns its stdout (the save-artifacts tar). */
  private async saveArtifacts(image: string, facts: S2IImageFacts): Promise<Buffer> {
    const r = await execa("docker", ["run", "--rm", "--network", "none", ...(facts.user ? ["--user", facts.user] : []), image, "/bin/sh", "-c", `if [ -x ${facts.scriptsDir}/save-artifacts ]; then ${facts.scriptsDir}/save-artifacts; fi`], {
      encoding: "buffer",
      reject: false,
      timeout: TIMEOUT_MS,
      stdin: "ignore",
    });
    if (r.exitCode !== 0) throw new Error(`save-artifacts in ${image} failed: ${Buffer.from(r.stderr).toString("utf8").trim()}`);
    return Buffer.from(r.stdout);
  }

  /** One source build: inject, assemble as the image's user, commit with the run script as CMD. */
  async sourceBuild(req: SourceBuildRequest): Promise<ImageInfo> {
    const from = await this.docker.pull(req.from);
    const facts = s2iFacts(from);
    const artifacts = req.incrementalFrom && (await this.docker.inspect(req.incrementalFrom)) ? await this.saveArtifacts(req.incrementalFrom, facts) : undefined;
    const input = await injectionTar(req, artifacts);
    const name = `nbbuild-s2i-${randomBytes(6).toString("hex")}`;
    const env = Object.entries(req.env).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
    const d = facts.destination;
    const script = `tar -C ${d} -xf - && if [ -s ${d}/artifacts.tar ]; then mkdir -p ${d}/artifacts && tar -C ${d}/artifacts -xf ${d}/artifacts.tar; fi && rm -f ${d}/artifacts.tar && ${facts.scriptsDir}/assemble`;
    try {
      const run = execa("docker", ["run", "-i", "--name", name, "--network", req.network, ...(facts.user ? ["--user", facts.user] : []), ...env, req.from, "/bin/sh", "-c", script], {
        input,
        all: true,
        reject: false,
        timeout: TIMEOUT_MS,
      });
      run.all?.on("data", (chunk: Buffer) => {
        for (const l of chunk.toString("utf8").split("\n")) if (l.trim()) req.onLog?.(l);
      });
      const r = await run;
      if (r.exitCode !== 0) {
        const tail = String(r.all ?? "").split("\n").slice(-25).join("\n");
        throw new Error(`s2i assemble of ${req.tag} failed (exit ${r.exitCode}):\n${tail}`);
      }
      const labels = {
        "io.openshift.s2i.build.image": req.from,
        "io.openshift.s2i.build.source-location": req.source,
        "io.k8s.display-name": req.tag,
        ...(req.labels ?? {}),
      };
      const changes = [
        `CMD [${q(`${facts.scriptsDir}/run`)}]`,
        ...(facts.user ? [`USER ${facts.user}`] : []),
        `LABEL ${Object.entries(labels).map(([k, v]) => `${q(k)}=${q(v)}`).join(" ")}`,
      ].flatMap((c) => ["--change", c]);
      const c = await execa("docker", ["commit", ...changes, name, req.tag], { reject: false, timeout: TIMEOUT_MS, stdin: "ignore" });
      if (c.exitCode !== 0) throw new Error(`committing ${req.tag} failed: ${c.stderr}`);
    } finally {
      await execa("docker", ["rm", "-f", name], { reject: false, stdin: "ignore" });
    }
    const info = await this.docker.inspect(req.tag);
    if (!info) throw new Error(`s2i build of ${req.tag} finished but the image is missing`);
    return info;
  }
}
