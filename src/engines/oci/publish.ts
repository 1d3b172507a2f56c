/**
 * Sinks for images in the oci builder's store, one `Publisher` each (as go-containerregistry's
 * remote, layout, tarball and daemon packages): a registry (only the blobs it lacks: what the
 * store knows it holds costs nothing, else HEAD, cross-repository mount, one-PUT upload), an OCI
 * image layout folder, a docker-archive tarball, and the local docker daemon.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { pack } from "tar-stream";
import { createReadStream, createWriteStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import { NbbuildError } from "../../errors.js";
import { parseImageRef, referenceOf } from "../../registry/reference.js";
import type { Publisher } from "../engine.js";
import type { OciBuilder, StoredImage } from "./builder.js";
import { jsonBytes, OCI_INDEX, OCI_MANIFEST } from "./image.js";
import type { Descriptor, Manifest } from "./store.js";
import { IN_TOTO_MEDIA_TYPE, provenanceStatement, spdxDocument, SPDX_MEDIA_TYPE, type StepAttestation } from "./attestations.js";

/** The stored image behind a local tag, or an error naming it. */
function stored(builder: OciBuilder, tag: string): StoredImage {
  const img = builder.image(tag);
  if (!img) throw new Error(`the oci store has no image ${tag}`);
  return img;
}

/** The empty config of an artifact manifest (OCI 1.1). */
const EMPTY = { mediaType: "application/vnd.oci.empty.v1+json", data: Buffer.from("{}") };

/** Pushes images to a registry, blob by blob, asking only about blobs it does not know there. */
export class RegistryPublisher implements Publisher {
  /** Images whose config this publisher had to send: new in the registry, so nothing refers to them yet. */
  private readonly fresh = new Set<string>();
  constructor(private readonly builder: OciBuilder) {}

  /**
   * Makes sure `repo` on `host` holds blob `d` (store knowledge, HEAD, mount, upload); true when
   * it had to be sent. `unique`: the blob cannot be there yet (skip the HEAD).
   */
  async ensureBlob(host: string, repo: string, d: Pick<Descriptor, "digest">, opts: { unique?: boolean } = {}): Promise<boolean> {
    const { store } = this.builder;
    const client = this.builder.client(host);
    const repository = `${host}/${repo}`;
    if (store.isKnown(repository, d.digest)) return false;
    if (!opts.unique && (await client.hasBlob(repo, d.digest))) {
      store.markKnown(repository, d.digest);
      return false;
    }
    const source = store.getSource(d.digest);
    let uploadUrl: string | undefined;
    if (source && source !== repository && source.startsWith(`${host}/`)) {
      const mounted = await client.mountBlob(repo, d.digest, source.slice(host.length + 1));
      if (mounted === true) {
        store.markKnown(repository, d.digest);
        return true;
      }
      uploadUrl = mounted;
    }
    await client.uploadBlob(repo, d.digest, { file: await this.builder.ensureBlob(d.digest) }, uploadUrl);
    store.markKnown(repository, d.digest);
    if (!source) store.setSource(d.digest, repository);
    return true;
  }

  async publish(tag: string, ref: string): Promise<string> {
    const img = stored(this.builder, tag);
    const r = parseImageRef(ref);
    if (await this.ensureBlob(r.registry, r.path, img.manifest.config)) this.fresh.add(img.digest);
    for (const d of img.manifest.layers) await this.ensureBlob(r.registry, r.path, d);
    const body = this.builder.store.readBlob(img.digest);
    return this.builder.client(r.registry).putManifest(r.path, referenceOf(r), body, img.manifest.mediaType ?? OCI_MANIFEST);
  }

  /**
   * Pushes the SBOM and the provenance of image `digest` as artifact manifests whose `subject` is
   * the image, and records them under the referrers tag `sha256-<hex>` too (the OCI 1.1 fallback
   * for registries without the referrers API, such as CNCF distribution 2.x).
   */
  async attach(ref: string, digest: string, facts: StepAttestation): Promise<string[]> {
    const { store } = this.builder;
    const r = parseImageRef(ref);
    const client = this.builder.client(r.registry);
    const manifest = store.readJson<Manifest>(digest);
    const subject = { mediaType: manifest.mediaType, digest, size: store.readBlob(digest).length };
    const repo = `${r.registry}/${r.path}`;
    const python = await this.builder.pythonFacts(manifest);
    const docs: [string, Buffer][] = [
      [SPDX_MEDIA_TYPE, jsonBytes(spdxDocument(repo, digest, python, facts))],
      [IN_TOTO_MEDIA_TYPE, jsonBytes(provenanceStatement(repo, digest, facts))],
    ];
    const empty = store.putBlob(EMPTY.data);
    await this.ensureBlob(r.registry, r.path, empty);
    const referrers: Descriptor[] = [];
    for (const [type, bytes] of docs) {
      const blob = store.putBlob(bytes);
      await this.ensureBlob(r.registry, r.path, blob, { unique: this.fresh.has(digest) });
      const artifact: Manifest = {
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        artifactType: type,
        config: { mediaType: EMPTY.mediaType, ...empty },
        layers: [{ mediaType: type, ...blob }],
        subject,
        annotations: { "org.opencontainers.image.created": facts.created },
      };
      const body = jsonBytes(artifact);
      const artifactDigest = await client.putManifest(r.path, store.putBlob(body).digest, body, OCI_MANIFEST);
      referrers.push({ mediaType: OCI_MANIFEST, digest: artifactDigest, size: body.length, artifactType: type, annotations: artifact.annotations });
    }
    // The fallback tag lists every referrer: keep those another tool attached (unless the image is new).
    const tag = `sha256-${digest.slice("sha256:".length)}`;
    const existing = this.fresh.has(digest) ? undefined : await client.getManifest(r.path, tag, [OCI_INDEX]);
    const kept = existing ? (JSON.parse(existing.body.toString("utf8")) as { manifests?: Descriptor[] }).manifests ?? [] : [];
    const all = [...kept.filter((d) => !referrers.some((x) => x.digest === d.digest)), ...referrers];
    await client.putManifest(r.path, tag, jsonBytes({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: all }), OCI_INDEX);
    return referrers.map((d) => d.digest);
  }
}

/** Writes images into an OCI image layout folder (`index.json` names each by its tag). */
export class LayoutPublisher implements Publisher {
  /** index.json is rewritten by one publish at a time. */
  private queue: Promise<unknown> = Promise.resolve();
  constructor(private readonly builder: OciBuilder, readonly dir: string) {}

  async publish(tag: string, ref: string): Promise<string> {
    const img = stored(this.builder, tag);
    for (const d of [img.manifest.config, ...img.manifest.layers]) await this.builder.ensureBlob(d.digest);
    const run = this.queue.then(() => this.write(img, ref));
    this.queue = run.catch(() => undefined);
    await run;
    return img.digest;
  }

  private write(img: StoredImage, ref: string): void {
    const { store } = this.builder;
    mkdirSync(path.join(this.dir, "blobs", "sha256"), { recursive: true });
    writeFileSync(path.join(this.dir, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
    for (const digest of [img.digest, img.manifest.config.digest, ...img.manifest.layers.map((l) => l.digest)]) {
      const to = path.join(this.dir, "blobs", ...digest.split(":"));
      if (!existsSync(to)) copyFileSync(store.blobPath(digest), to);
    }
    const indexFile = path.join(this.dir, "index.json");
    const index = existsSync(indexFile)
      ? (JSON.parse(readFileSync(indexFile, "utf8")) as { manifests: Descriptor[] })
      : { manifests: [] as Descriptor[] };
    const name = "org.opencontainers.image.ref.name";
    const manifests = index.manifests.filter((m) => m.annotations?.[name] !== ref);
    manifests.push({ mediaType: OCI_MANIFEST, digest: img.digest, size: store.readBlob(img.digest).length, annotations: { [name]: ref } });
    manifests.sort((a, b) => ((a.annotations?.[name] ?? "") < (b.annotations?.[name] ?? "") ? -1 : 1));
    const tmp = `${indexFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }, null, 2) + "\n");
    renameSync(tmp, indexFile);
  }
}

/** A `docker load` tarball of one image: manifest.json, its config and (gzipped) layers. */
function dockerArchive(builder: OciBuilder, img: StoredImage, ref: string): Readable {
  const p = pack();
  const blob = (d: string) => `blobs/sha256/${d.split(":")[1]}`;
  const manifest = [{ Config: blob(img.manifest.config.digest), RepoTags: [ref], Layers: img.manifest.layers.map((l) => blob(l.digest)) }];
  const entries = [img.manifest.config.digest, ...new Set(img.manifest.layers.map((l) => l.digest))];
  void (async () => {
    try {
      for (const d of entries) {
        const file = builder.store.blobPath(d);
        const size = statSync(file).size;
        await new Promise<void>((resolve, reject) => {
          const entry = p.entry({ name: blob(d), size, mode: 0o644, mtime: new Date(0) }, (err) => (err ? reject(err) : resolve()));
          createReadStream(file).pipe(entry);
        });
      }
      p.entry({ name: "manifest.json", mode: 0o644, mtime: new Date(0) }, jsonBytes(manifest));
      p.finalize();
    } catch (err) {
      p.destroy(err as Error);
    }
  })();
  return p as unknown as Readable;
}

/** Writes a docker-archive tarball per image (`FILE`, or `FILE` with the tag when several are published). */
export class ArchivePublisher implements Publisher {
  constructor(private readonly builder: OciBuilder, readonly file: string) {}

  async publish(tag: string, ref: string): Promise<string> {
    const img = stored(this.builder, tag);
    for (const d of [img.manifest.config, ...img.manifest.layers]) await this.builder.ensureBlob(d.digest);
    const out = this.file.includes("{}") ? this.file.replace("{}", ref.replace(/[^\w.-]+/g, "_")) : this.file;
    mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
    const tmp = `${out}.${process.pid}.tmp`;
    await pipeline(dockerArchive(this.builder, img, ref), createWriteStream(tmp));
    renameSync(tmp, out);
    return img.digest;
  }
}

/** Loads images into the local docker daemon (`docker load` of the archive, streamed). */
export class DaemonPublisher implements Publisher {
  constructor(private readonly builder: OciBuilder) {}

  async publish(tag: string, ref: string): Promise<string> {
    const img = stored(this.builder, tag);
    for (const d of [img.manifest.config, ...img.manifest.layers]) await this.builder.ensureBlob(d.digest);
    const Dockerode = (await import("dockerode")).default;
    const docker = new Dockerode();
    const stream = await docker.loadImage(dockerArchive(this.builder, img, ref) as unknown as NodeJS.ReadableStream, { quiet: true });
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())));
    return img.digest;
  }
}

/** The publisher `--output SINK` names. */
export function outputPublisher(builder: OciBuilder, sink: string): Publisher {
  if (sink.startsWith("oci:")) return new LayoutPublisher(builder, path.resolve(sink.slice(4)));
  if (sink.startsWith("docker-archive:")) return new ArchivePublisher(builder, path.resolve(sink.slice("docker-archive:".length)));
  if (sink === "docker-daemon") return new DaemonPublisher(builder);
  throw NbbuildError.at({ file: `--output ${sink}` }, `unknown output "${sink}"`, "use oci:DIR, docker-archive:FILE (FILE may hold {} for the image name) or docker-daemon");
}
