/**
 * Image config and manifest documents, derived only from inputs (the image below, the
 * description, its `created` time): the same inputs give the same bytes and digests.
 */
import type { ImageDescription } from "../../render/image-description.js";
import type { Descriptor, Manifest } from "./store.js";

export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
export const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
export const OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
const DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";

/** An image config (the fields nbbuild reads or writes; others are carried over unchanged). */
export interface ImageConfig {
  created?: string;
  architecture: string;
  os: string;
  config?: {
    Env?: string[];
    User?: string;
    WorkingDir?: string;
    Labels?: Record<string, string> | null;
    Cmd?: string[];
    Entrypoint?: string[] | null;
    [k: string]: unknown;
  };
  rootfs: { type: "layers"; diff_ids: string[] };
  history?: { created?: string; created_by?: string; comment?: string; empty_layer?: boolean }[];
  [k: string]: unknown;
}

/** The same layer bytes under the OCI media type (docker's gzip layer type is equivalent). */
export function ociLayer(d: Descriptor): Descriptor {
  return d.mediaType === DOCKER_LAYER_GZIP ? { ...d, mediaType: OCI_LAYER_GZIP } : d;
}

/** Expands `${NAME:-default}` and `${NAME}` against the variables of the image below. */
function expand(value: string, env: Map<string, string>): string {
  return value.replace(/\$\{(\w+)(?::-([^}]*))?\}/g, (_m, name: string, dflt?: string) => env.get(name) || dflt || "");
}

/** The config of an image made of `parent` plus `newDiffIds`, as `desc` says. */
export function deriveConfig(parent: ImageConfig, desc: ImageDescription, newLayers: { diffId: string; createdBy: string }[]): ImageConfig {
  const base = parent.config ?? {};
  const env = new Map((base.Env ?? []).map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)] as [string, string]));
  for (const [k, v] of desc.config.env ?? []) env.set(k, expand(v, env));
  const labels = { ...(base.Labels ?? {}), ...(desc.config.labels ?? {}) };
  const history = [...(parent.history ?? [])];
  for (const l of newLayers) history.push({ created: desc.created, created_by: l.createdBy, comment: "nbbuild" });
  const settings = [
    ...(desc.config.env?.length ? [`ENV ${desc.config.env.map(([k]) => k).join(" ")}`] : []),
    ...(desc.config.user ? [`USER ${desc.config.user}`] : []),
    ...(desc.config.workdir ? [`WORKDIR ${desc.config.workdir}`] : []),
    ...(desc.config.labels ? [`LABEL ${Object.keys(desc.config.labels).join(" ")}`] : []),
  ];
  if (settings.length) history.push({ created: desc.created, created_by: settings.join("; "), comment: "nbbuild", empty_layer: true });
  return {
    ...parent,
    created: desc.created,
    config: {
      ...base,
      Env: [...env].map(([k, v]) => `${k}=${v}`),
      ...(desc.config.user ? { User: desc.config.user } : {}),
      ...(desc.config.workdir ? { WorkingDir: desc.config.workdir } : {}),
      Labels: labels,
    },
    rootfs: { type: "layers", diff_ids: [...parent.rootfs.diff_ids, ...newLayers.map((l) => l.diffId)] },
    history,
  };
}

/** An OCI image manifest. */
export function imageManifest(config: Descriptor, layers: Descriptor[], annotations?: Record<string, string>): Manifest {
  return {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, digest: config.digest, size: config.size },
    layers: layers.map(ociLayer),
    ...(annotations && Object.keys(annotations).length ? { annotations } : {}),
  };
}

/** Canonical bytes of a JSON document we write (no whitespace, keys as constructed). */
export const jsonBytes = (value: unknown) => Buffer.from(JSON.stringify(value));
