import { createWriteStream } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import Dockerode from "dockerode";
import { NbbuildError } from "../errors.js";
import { splitTag } from "../registry/reference.js";
import { redact, type BuildContextFiles, type BuildOptions, type Engine, type ImageInfo } from "./engine.js";
import { tarContext } from "./tar.js";

/** The subset of a dockerode client the docker family (builder and runner) uses; tests may pass a fake. */
export type DockerClient = Pick<Dockerode, "buildImage" | "getImage" | "listImages" | "pull" | "ping" | "modem" | "createContainer" | "getContainer" | "listContainers">;

/** One JSON message of the docker build/pull/push progress stream. */
interface ProgressMessage {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string; Digest?: string; Tag?: string };
}

/** Builds with the Docker daemon through dockerode; the context is streamed as a tar. */
export class DockerEngine implements Engine {
  readonly name = "docker" as const;
  constructor(private readonly client: DockerClient = new Dockerode()) {}

  /** True when the daemon answers a ping within `timeoutMs`. */
  static async available(client: DockerClient = new Dockerode(), timeoutMs = 2000): Promise<boolean> {
    const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref());
    return Promise.race([client.ping().then(() => true, () => false), timeout]);
  }

  async inspect(ref: string): Promise<ImageInfo | undefined> {
    try {
      const data = await this.client.getImage(ref).inspect();
      return {
        id: data.Id,
        repoDigests: data.RepoDigests ?? [],
        user: data.Config?.User ?? "",
        labels: data.Config?.Labels ?? {},
      };
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw err;
    }
  }

  async pull(ref: string): Promise<ImageInfo> {
    const have = await this.inspect(ref);
    if (have) return have;
    try {
      const stream = await this.client.pull(ref);
      await this.follow(stream);
    } catch (err) {
      throw NbbuildError.at(
        { file: ref },
        `docker cannot pull base image ${ref}: ${(err as Error).message.trim()}`,
        "pass --base (or set NBBUILD_BASE) to an image the daemon has or can pull from a reachable registry; " +
          "public images such as python:3.11-slim cannot be pulled offline",
      );
    }
    const info = await this.inspect(ref);
    if (!info) throw new Error(`docker pulled ${ref} but cannot inspect it`);
    return info;
  }

  async build(context: BuildContextFiles, tag: string, opts: BuildOptions = {}): Promise<ImageInfo> {
    const startedAt = Math.floor(Date.now() / 1000) - 2;
    try {
      return await this.buildOnly(context, tag, opts);
    } finally {
      const secrets = (opts.secretArgs ?? []).map((n) => opts.buildArgs?.[n] ?? "").filter((v) => v.length >= 4);
      if (secrets.length) await this.dropStagesWithValues(startedAt, secrets);
    }
  }

  /**
   * The classic builder keeps an earlier stage's images (untagged) as its cache, and records the
   * build args a RUN used in their history. Removes those of this build that mention a secret
   * value, so credentials do not stay behind in the local image store either.
   */
  private async dropStagesWithValues(since: number, values: string[]): Promise<void> {
    const images = await this.client.listImages({ all: true, filters: { dangling: ["true"] } }).catch(() => []);
    for (const img of images) {
      if (img.Created < since) continue;
      try {
        const history = (await this.client.getImage(img.Id).history()) as { CreatedBy?: string }[];
        if (history.some((h) => values.some((v) => h.CreatedBy?.includes(v)))) {
          await this.client.getImage(img.Id).remove({ force: false, noprune: false });
        }
      } catch {
        /* in use by a running build, or already gone */
      }
    }
  }

  private async buildOnly(context: BuildContextFiles, tag: string, opts: BuildOptions): Promise<ImageInfo> {
    const stream = await this.client.buildImage(Readable.from(tarContext(context.files)), {
      t: tag,
      dockerfile: context.containerfile,
      buildargs: opts.buildArgs,
      networkmode: opts.network ?? "default",
      rm: true,
      forcerm: true,
      pull: false,
      version: "1",
    });
    const tail: string[] = [];
    try {
      await this.follow(stream, (line) => {
        const clean = redact(line, opts.buildArgs);
        tail.push(clean);
        if (tail.length > 20) tail.shift();
        opts.onLog?.(clean);
      });
    } catch (err) {
      const last = tail.filter((l) => !/^(Step \d+\/\d+|\s*--->)/.test(l)).slice(-12).join("\n");
      throw new Error(`docker build of ${tag} failed: ${redact((err as Error).message, opts.buildArgs)}${last ? `\n${last}` : ""}`);
    }
    const info = await this.inspect(tag);
    if (!info) throw new Error(`docker build of ${tag} finished but the image is missing`);
    return info;
  }

  async publish(tag: string, remoteRef: string): Promise<string> {
    const { repo, tag: remoteTag } = splitTag(remoteRef);
    await this.client.getImage(tag).tag({ repo, tag: remoteTag });
    let digest = "";
    try {
      const stream = (await this.client.getImage(`${repo}:${remoteTag}`).push({ tag: remoteTag })) as unknown as NodeJS.ReadableStream;
      await this.follow(stream, undefined, (m) => {
        if (m.aux?.Digest) digest = m.aux.Digest;
      });
      if (!digest) throw new Error(`docker push of ${remoteRef} reported no digest`);
      return digest;
    } catch (err) {
      // The remote-named tag exists only to push; a failed push must not leave it behind.
      await this.client.getImage(`${repo}:${remoteTag}`).remove({ noprune: true }).catch(() => undefined);
      throw err;
    }
  }

  async exportArchive(tag: string, file: string): Promise<void> {
    const stream = (await this.client.getImage(tag).get()) as unknown as NodeJS.ReadableStream;
    await pipeline(stream, createWriteStream(file));
  }

  async close(): Promise<void> {
    /* dockerode keeps no connection open between requests */
  }

  /** Waits for a progress stream to end; rejects on the first error message. */
  private follow(
    stream: NodeJS.ReadableStream,
    onLine?: (line: string) => void,
    onMessage?: (m: ProgressMessage) => void,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      let failed: string | undefined;
      this.client.modem.followProgress(
        stream,
        (err: Error | null) => (err ? reject(err) : failed ? reject(new Error(failed)) : resolve()),
        (m: ProgressMessage) => {
          if (m.error || m.errorDetail) failed ??= m.errorDetail?.message ?? m.error;
          if (m.stream) for (const l of m.stream.split("\n")) if (l.trim()) onLine?.(l);
          onMessage?.(m);
        },
      );
    });
  }
}
