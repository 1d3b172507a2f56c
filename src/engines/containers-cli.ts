import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { NbbuildError } from "../errors.js";
import { ownedTempPrefix, removeStaleTempDirs } from "./ownership.js";
import { isLoopbackRegistry } from "../registry/reference.js";
import { ownGroupChild } from "./own-group.js";
import { chooseStorage, type StorageChoice } from "./storage.js";
import {
  redact,
  type BuildContextFiles,
  type BuildOptions,
  type Engine,
  type ImageInfo,
} from "./engine.js";

/** Upper bound of one build, pull or push. */
const TIMEOUT_MS = 30 * 60_000;

/**
 * Writes a build context to a fresh temporary directory `<root>/nbbuild-ctx-*` with the given
 * modes; removes it again when writing fails. The caller removes it after the build.
 */
export async function writeContextDir(context: BuildContextFiles, root = tmpdir()): Promise<string> {
  const dir = await mkdtemp(path.join(root, ownedTempPrefix("ctx")));
  try {
    for (const f of context.files) {
      const abs = path.join(dir, ...f.path.split("/"));
      await mkdir(path.dirname(abs), { recursive: true, mode: 0o775 });
      if (f.linkTarget !== undefined) {
        await symlink(f.linkTarget, abs);
        continue;
      }
      await writeFile(abs, f.data);
      await chmod(abs, f.mode);
    }
    // mkdir's mode is filtered by the umask: give every directory g=u explicitly.
    const dirs = new Set<string>();
    for (const f of context.files) {
      const parts = f.path.split("/");
      for (let i = 1; i < parts.length; i++) dirs.add(path.join(dir, ...parts.slice(0, i)));
    }
    for (const d of dirs) await chmod(d, 0o775);
    return dir;
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Shared implementation of the daemonless engines (buildah, podman): both drive
 * containers/storage through their CLI. Subclasses give the binary and the build verb.
 */
export abstract class ContainersCliEngine implements Engine {
  abstract readonly name: "buildah" | "podman";
  /** Sub-command that builds a Containerfile ("bud" or "build"). */
  protected abstract readonly buildVerb: string;
  /** Folder that receives each build's temporary context (removed after the build, even on failure). */
  protected contextRoot = tmpdir();
  private staleSwept?: Promise<string[][]>;

  private storage?: Promise<StorageChoice>;

  /** The containers storage this engine uses (chosen once; see storage.ts). */
  storageChoice(): Promise<StorageChoice> {
    this.storage ??= chooseStorage(this.name);
    return this.storage;
  }

  /** Runs the tool with the storage flags; never logs `env` values. */
  protected async run(args: string[], opts: { env?: Record<string, string>; onLine?: (l: string) => void } = {}) {
    const storage = await this.storageChoice();
    // Its own process group (see own-group.ts): a group-wide SIGKILL of nbbuild must not kill
    // buildah/podman mid-build, which would leave their working container behind.
    const child = ownGroupChild(execa(this.name, [...storage.args, ...args], {
      env: opts.env,
      timeout: TIMEOUT_MS,
      all: true,
      reject: false,
      stdin: "ignore",
      detached: true,
    }));
    if (opts.onLine) {
      child.all?.on("data", (chunk: Buffer) => {
        for (const l of chunk.toString("utf8").split("\n")) if (l.trim()) opts.onLine!(l);
      });
    }
    return await child;
  }

  /** Parses the tool's image inspection output (formats differ between buildah and podman). */
  protected abstract parseInspect(stdout: string, ref: string): ImageInfo;
  /** Arguments that inspect an image. */
  protected abstract inspectArgs(ref: string): string[];

  async inspect(ref: string): Promise<ImageInfo | undefined> {
    const r = await this.run(this.inspectArgs(ref));
    if (r.exitCode !== 0) return undefined;
    return this.parseInspect(String(r.stdout), ref);
  }

  async pull(ref: string): Promise<ImageInfo> {
    const have = await this.inspect(ref);
    if (have) return have;
    const tls = isLoopbackRegistry(ref) ? ["--tls-verify=false"] : [];
    const first = await this.run(["pull", "--quiet", ...tls, ref.includes("://") ? ref : `docker://${ref}`]);
    if (first.exitCode !== 0) {
      // The docker daemon may hold it (e.g. an image imported there).
      const fromDaemon = await this.run(["pull", "--quiet", `docker-daemon:${ref.includes(":") || ref.includes("@") ? ref : `${ref}:latest`}`]);
      if (fromDaemon.exitCode !== 0) {
        throw NbbuildError.at(
          { file: ref },
          `${this.name} cannot pull base image ${ref}: ${first.all?.toString().trim().split("\n").pop() ?? ""}`,
          "pass --base (or set NBBUILD_BASE) to an image in a reachable registry (e.g. 127.0.0.1:5000/…) or in the docker daemon; " +
            "public images such as python:3.11-slim cannot be pulled offline",
        );
      }
    }
    const info = await this.inspect(ref);
    if (!info) throw new Error(`${this.name} pulled ${ref} but cannot inspect it`);
    return info;
  }

  async build(context: BuildContextFiles, tag: string, opts: BuildOptions = {}): Promise<ImageInfo> {
    // A killed build leaves its context folder: remove those of dead nbbuild processes first.
    this.staleSwept ??= Promise.all([removeStaleTempDirs(this.contextRoot, ["ctx"]), removeStaleTempDirs(tmpdir(), ["push"])]);
    await this.staleSwept;
    const dir = await writeContextDir(context, this.contextRoot);
    try {
      // Build-arg values travel in the environment (`--build-arg NAME` reads it), not argv.
      const argNames = Object.keys(opts.buildArgs ?? {}).flatMap((k) => ["--build-arg", k]);
      // chroot isolation always shares the host network (buildah refuses other modes); step images
      // run no RUN instruction, so "none" has nothing to restrict there.
      const network = opts.network === "host" ? ["--network", "host"] : [];
      // No --layers: under vfs every layer is a full root-file-system copy; the content-hash tag is
      // the cache, so one committed layer per image is both smaller and as fast on a cache hit.
      const r = await this.run(
        [
          this.buildVerb,
          "--isolation", "chroot",
          "--layers=false",
          "--pull=false",
          "--format", "oci",
          ...network,
          ...argNames,
          "-f", context.containerfile,
          "-t", tag,
          dir,
        ],
        { env: opts.buildArgs, onLine: (l) => opts.onLog?.(redact(l, opts.buildArgs)) },
      );
      if (r.exitCode !== 0) {
        const tail = redact(r.all?.toString() ?? "", opts.buildArgs).split("\n").slice(-25).join("\n");
        throw new Error(`${this.name} build of ${tag} failed (exit ${r.exitCode}):\n${tail}`);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const info = await this.inspect(tag);
    if (!info) throw new Error(`${this.name} build of ${tag} finished but the image is missing`);
    return info;
  }

  async publish(tag: string, remoteRef: string): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), ownedTempPrefix("push")));
    try {
      const digestFile = path.join(dir, "digest");
      const tls = isLoopbackRegistry(remoteRef) ? ["--tls-verify=false"] : [];
      const r = await this.run(["push", "--quiet", ...tls, "--digestfile", digestFile, tag, `docker://${remoteRef}`]);
      if (r.exitCode !== 0) throw new Error(`${this.name} push of ${tag} to ${remoteRef} failed:\n${r.all}`);
      return (await readFile(digestFile, "utf8")).trim();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async exportArchive(tag: string, file: string): Promise<void> {
    const r = await this.run(["push", "--quiet", tag, `docker-archive:${file}`]);
    if (r.exitCode !== 0) throw new Error(`${this.name} could not export ${tag}:\n${r.all}`);
  }

  async close(): Promise<void> {
    /* nothing kept open */
  }

  /** True when the tool runs (`<tool> version` exits 0). */
  static async toolAvailable(tool: string): Promise<boolean> {
    const r = await execa(tool, ["version"], { reject: false, timeout: 10_000, stdin: "ignore" }).catch(() => undefined);
    return r?.exitCode === 0;
  }
}
