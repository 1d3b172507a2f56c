/**
 * `--engine oci`: builds images without a daemon or container runtime. It reads the image below
 * from a registry (or an OCI layout folder), writes each described layer itself (layer.ts) and
 * derives the config from inputs only (image.ts), keeping everything in its store (store.ts).
 * Publishers (publish.ts) copy images from the store to a registry, a layout, an archive or a daemon.
 */
import { APP_DEPS } from "../../contract.js";
import { NbbuildError } from "../../errors.js";
import { stripCredentials } from "../../render/pip.js";
import type { ImageDescription } from "../../render/image-description.js";
import { normalizeName, requirementName } from "../../render/requirements.js";
import { RegistryClient } from "../../registry/client.js";
import { parseImageRef, referenceOf } from "../../registry/reference.js";
import type { BuildContextFiles, BuildOptions, Builder, ImageInfo, Publisher } from "../engine.js";
import { deriveConfig, imageManifest, jsonBytes, OCI_CONFIG, OCI_INDEX, OCI_LAYER_GZIP, OCI_MANIFEST, type ImageConfig } from "./image.js";
import { buildLayer, withParents, type LayerEntry } from "./layer.js";
import { mergeFacts, scanLayer, type PythonFacts } from "./python-facts.js";
import { findPython, machineOf } from "./wheel-target.js";
import type { InstalledPackages } from "./packages.js";
import { OciStore, type Descriptor, type Manifest } from "./store.js";

/** A layer written for an image being built: its digests and history line. */
interface NewLayer {
  diffId: string;
  createdBy: string;
  descriptor: Descriptor;
}

/** Options of the oci builder. */
export interface OciBuilderOptions {
  /** Store folder (default: defaultStoreDir()). */
  storeDir?: string;
  /** Plain http for non-loopback registries. */
  insecure?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** An image in the store: its manifest and config. */
export interface StoredImage {
  digest: string;
  manifest: Manifest;
  config: ImageConfig;
}

/** The platform of this machine in OCI terms (an index is resolved to it). */
function hostPlatform(): { os: string; architecture: string } {
  const arch: Record<string, string> = { x64: "amd64", arm64: "arm64", ppc64: "ppc64le", s390x: "s390x", arm: "arm" };
  return { os: "linux", architecture: arch[process.arch] ?? process.arch };
}

export class OciBuilder implements Builder {
  readonly name = "oci" as const;
  readonly store: OciStore;
  private readonly clients = new Map<string, RegistryClient>();

  constructor(private readonly opts: OciBuilderOptions = {}) {
    this.store = new OciStore(opts.storeDir);
  }

  /** The client of a registry host (one per host, so tokens are reused). */
  client(host: string): RegistryClient {
    let c = this.clients.get(host);
    if (!c) {
      c = new RegistryClient(host, { insecure: this.opts.insecure, env: this.opts.env });
      this.clients.set(host, c);
    }
    return c;
  }

  /** Registry requests made so far and bytes uploaded, over every host. */
  traffic(): { requests: number; bytesPushed: number } {
    let requests = 0;
    let bytesPushed = 0;
    for (const c of this.clients.values()) {
      requests += c.requests;
      bytesPushed += c.bytesPushed;
    }
    return { requests, bytesPushed };
  }

  /** The stored image a local tag or pulled reference names. */
  image(ref: string): StoredImage | undefined {
    const entry = this.store.getRef(ref);
    if (!entry || !this.store.hasBlob(entry.digest)) return undefined;
    const manifest = this.store.readJson<Manifest>(entry.digest);
    return { digest: entry.digest, manifest, config: this.store.readJson<ImageConfig>(manifest.config.digest) };
  }

  private info(ref: string, img: StoredImage): ImageInfo {
    const remote = this.store.getRef(ref)?.local ? [] : [`${parseImageRef(ref).name}@${img.digest}`];
    return {
      id: img.manifest.config.digest,
      repoDigests: remote,
      user: img.config.config?.User ?? "",
      labels: img.config.config?.Labels ?? {},
    };
  }

  async inspect(ref: string): Promise<ImageInfo | undefined> {
    const img = this.image(ref);
    return img ? this.info(ref, img) : undefined;
  }

  /** Reads `ref`'s manifest and config from its registry into the store (layers stay remote until needed). */
  async pull(ref: string): Promise<ImageInfo> {
    const have = await this.inspect(ref);
    const entry = this.store.getRef(ref);
    let r;
    try {
      r = parseImageRef(ref);
    } catch (err) {
      if (have) return have;
      throw NbbuildError.at({ file: ref }, (err as Error).message, "pass --base an image reference such as 127.0.0.1:5000/team/python:3.11");
    }
    // A digest or a tag this store built cannot change; a registry tag may have moved (one HEAD).
    if (have && (entry?.local || r.digest)) return have;
    const client = this.client(r.registry);
    const repository = `${r.registry}/${r.path}`;
    try {
      if (have && (await client.headManifest(r.path, referenceOf(r))) === entry?.digest) return have;
      let m = await client.getManifest(r.path, referenceOf(r));
      if (!m) throw new Error(`${ref} is not in the registry`);
      if (m.mediaType === OCI_INDEX || m.mediaType.includes("manifest.list")) {
        const want = hostPlatform();
        const index = JSON.parse(m.body.toString("utf8")) as { manifests: Descriptor[] };
        const pick = index.manifests.find((d) => d.platform?.os === want.os && d.platform.architecture === want.architecture);
        if (!pick) throw new Error(`${ref} has no image for ${want.os}/${want.architecture}`);
        m = await client.getManifest(r.path, pick.digest);
        if (!m) throw new Error(`${ref}: the index names ${pick.digest}, which the registry lacks`);
      }
      const manifest = JSON.parse(m.body.toString("utf8")) as Manifest;
      this.store.putBlob(m.body);
      if (!this.store.hasBlob(manifest.config.digest)) await client.downloadBlob(r.path, manifest.config.digest, this.store.blobPath(manifest.config.digest));
      for (const d of [manifest.config, ...manifest.layers]) this.store.setSource(d.digest, repository);
      this.store.setRef(ref, { digest: m.digest });
    } catch (err) {
      throw NbbuildError.at(
        { file: ref },
        `oci cannot read base image ${ref}: ${(err as Error).message}`,
        "pass --base (or set NBBUILD_BASE) to an image in a reachable registry (plain http is used for 127.0.0.1; --insecure for others); credentials come from docker/podman login",
      );
    }
    return (await this.inspect(ref))!;
  }

  /** Makes blob `digest` local, downloading it from the repository it came from. */
  async ensureBlob(digest: string): Promise<string> {
    const file = this.store.blobPath(digest);
    if (this.store.hasBlob(digest)) return file;
    const source = this.store.getSource(digest);
    if (!source) throw new Error(`blob ${digest} is neither in the store nor known in any registry`);
    const slash = source.indexOf("/");
    await this.client(source.slice(0, slash)).downloadBlob(source.slice(slash + 1), digest, file);
    return file;
  }

  /** The Python facts of an image (each layer scanned once, cached by digest). */
  async pythonFacts(manifest: Manifest): Promise<PythonFacts> {
    const layers: PythonFacts[] = [];
    for (const l of manifest.layers) layers.push(await this.store.fact("layer-v3", l.digest, async () => scanLayer(await this.ensureBlob(l.digest))));
    return mergeFacts(layers);
  }

  /** Requirement lines and imports of `desc` the image below does not satisfy. */
  private async missingPackages(desc: ImageDescription, below: StoredImage): Promise<string[]> {
    const pk = desc.packages;
    if (!pk || (!pk.requirements.length && !pk.imports.length)) return [];
    const facts = await this.pythonFacts(below.manifest);
    const dists = new Map(facts.distributions.map((d) => [normalizeName(d.name), d.version]));
    const modules = new Set(facts.modules);
    const missing: string[] = [];
    const ask: string[] = [];
    for (const line of pk.requirements) {
      const name = requirementName(line);
      const version = name ? dists.get(normalizeName(name)) : undefined;
      // A bare name is satisfied by any version, `name==V` only by V; pip's rules tell the rest.
      const spec = name ? line.trim().slice(name.length).trim() : line;
      if (version !== undefined && (spec === "" || spec === `==${version}`)) continue;
      if (version !== undefined || line.includes(";")) ask.push(line);
      else missing.push(line);
    }
    if (ask.length) {
      const pathVar = (below.config.config?.Env ?? []).find((e) => e.startsWith("PATH="))?.slice(5) ?? "/usr/local/bin:/usr/bin:/bin";
      const python = findPython(facts, pathVar);
      const target = { pythonVersion: python?.version ?? "", machine: machineOf(below.config.architecture) };
      const { unsatisfiedRequirements } = await import("../host-pip.js");
      const unmet = python ? await unsatisfiedRequirements(ask, Object.fromEntries(dists), target) : ask;
      missing.push(...pk.requirements.filter((l) => ask.includes(l) && unmet.includes(l)));
    }
    for (const imp of pk.imports) if (!modules.has(imp.module.split(".")[0]!)) missing.push(imp.distribution);
    return pk.requirements.filter((l) => missing.includes(l)).concat(missing.filter((m) => !pk.requirements.includes(m)));
  }

  /**
   * Builds the description's layers on the image below. A dependency image whose base lacks
   * packages gets them as one more layer, installed from wheels without an engine (packages.ts);
   * NeedsEngine when some requirement has no wheel for the base.
   */
  async build(context: BuildContextFiles, tag: string, opts: BuildOptions = {}): Promise<ImageInfo> {
    const desc = context.image;
    if (!desc) throw new Error(`the oci engine needs an image description for ${tag}`);
    await this.pull(desc.from);
    const below = this.image(desc.from)!;
    const missing = await this.missingPackages(desc, below);
    let installed: InstalledPackages | undefined;
    if (missing.length) {
      if (!desc.dirs) throw new Error(`the base ${desc.from} lacks ${missing.join(", ")} and ${tag} is no dependency image`);
      const { installPackages } = await import("./packages.js");
      installed = await installPackages({
        need: missing,
        facts: await this.pythonFacts(below.manifest),
        config: below.config,
        pip: opts.pip ?? {},
        deps: APP_DEPS.replace(/^\//, ""),
        uid: desc.dirs.uid,
        gid: desc.dirs.gid,
        onLog: opts.onLog,
      });
      opts.onLog?.(`nbbuild: installing ${installed.distributions.join(" ")} from ${installed.describe}, without an engine`);
    }
    const newLayers: NewLayer[] = [];
    const add = async (entries: LayerEntry[], createdBy: string) => newLayers.push(await this.writeLayer(entries, desc, createdBy));
    if (desc.dirs) {
      const { paths, uid, gid } = desc.dirs;
      const root = paths[0]!.replace(/^\//, "");
      const entries: LayerEntry[] = paths.map((p) => ({ path: p.replace(/^\//, ""), type: "directory", mode: 0o775, uid, gid }));
      // The same marker (and bytes: Python's json.dump) the engines' installer writes.
      const marker = `{"installed": [${missing.map((m) => JSON.stringify(stripCredentials(m))).join(", ")}]}`;
      entries.push({ path: `${root}/deps/.nbbuild-installed.json`, type: "file", mode: 0o664, uid, gid, data: Buffer.from(marker) });
      await add(withParents(entries, root, { uid, gid }), `nbbuild: app-root layout ${paths.join(" ")} (${uid}:${gid}, group-writable)`);
      if (installed) {
        const deps = APP_DEPS.replace(/^\//, "");
        await add(withParents(installed.entries, deps, { uid, gid }), `nbbuild: installed ${installed.wheels.join(" ")} into ${APP_DEPS} (wheels unpacked, no engine)`);
      }
    }
    for (const l of desc.layers) {
      const dest = l.dest.replace(/^\/|\/$/g, "");
      const owner = { uid: l.uid, gid: l.gid };
      const entries: LayerEntry[] = [{ path: dest, type: "directory", mode: 0o775, ...owner }];
      for (const f of l.files) {
        const at = `${dest}/${f.path}`;
        entries.push(f.linkTarget !== undefined ? { path: at, type: "symlink", mode: 0o777, linkTarget: f.linkTarget, ...owner } : { path: at, type: "file", mode: f.mode, data: f.data, ...owner });
      }
      await add(withParents(entries, dest, owner), `COPY --chown=${l.uid}:${l.gid} ${l.contextDir}/ ${l.dest}/`);
    }
    return this.commit(below, desc, newLayers, tag);
  }

  /** Writes one reproducible layer (mtimes from the description's time) into the store. */
  async writeLayer(entries: LayerEntry[], desc: ImageDescription, createdBy: string): Promise<NewLayer> {
    const layer = await buildLayer(entries, new Date(desc.created));
    const { digest, size } = this.store.putBlob(layer.blob);
    return { diffId: layer.diffId, createdBy, descriptor: { mediaType: OCI_LAYER_GZIP, digest, size } };
  }

  /** Stores the image of `below` plus `newLayers`, configured as `desc` says, under local `tag`. */
  async commit(below: StoredImage, desc: ImageDescription, newLayers: NewLayer[], tag: string): Promise<ImageInfo> {
    const config = deriveConfig(below.config, desc, newLayers);
    const configBlob = this.store.putBlob(jsonBytes(config));
    const manifest = imageManifest({ mediaType: OCI_CONFIG, ...configBlob }, [...below.manifest.layers, ...newLayers.map((l) => l.descriptor)]);
    const { digest } = this.store.putBlob(jsonBytes(manifest));
    this.store.setRef(tag, { digest, local: true });
    return (await this.inspect(tag))!;
  }

  /**
   * Adopts a dependency image another engine built (exported as a docker-archive tarball): its
   * layers above the base, rewritten reproducibly (sorted, mtimes from the description), on the
   * base's own layers, configured as the description says, under local `tag`.
   */
  async adoptArchive(archive: string, desc: ImageDescription, tag: string, engine: string): Promise<ImageInfo> {
    await this.pull(desc.from);
    const below = this.image(desc.from)!;
    const { layersAbove } = await import("./import-archive.js");
    const newLayers: NewLayer[] = [];
    for (const entries of await layersAbove(archive, below.config.rootfs.diff_ids)) {
      newLayers.push(await this.writeLayer(entries, desc, `nbbuild: dependencies installed by pip in a ${engine} build (no wheel for every requirement)`));
    }
    return this.commit(below, desc, newLayers, tag);
  }

  /** The publisher for `--push REGISTRY/PREFIX`. */
  async registryPublisher(): Promise<Publisher> {
    const { RegistryPublisher } = await import("./publish.js");
    return new RegistryPublisher(this);
  }

  /** The publisher for `--output oci:DIR | docker-archive:FILE | docker-daemon`. */
  async outputPublisher(sink: string): Promise<Publisher> {
    const { outputPublisher } = await import("./publish.js");
    return outputPublisher(this, sink);
  }

  async close(): Promise<void> {
    /* fetch keeps no connection we own */
  }
}

export { OCI_MANIFEST };
