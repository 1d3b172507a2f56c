/**
 * Test images for the oci engine: one layer of given entries, pushed to a test registry as an
 * OCI image (config with `env`, amd64/linux); returns the reference pinned by digest.
 */
import { createHash } from "node:crypto";
import { OCI_CONFIG, OCI_MANIFEST, jsonBytes } from "../../src/engines/oci/image.js";
import { buildLayer, type LayerEntry } from "../../src/engines/oci/layer.js";
import { RegistryClient } from "../../src/registry/client.js";
import type { TestRegistry } from "./registry-server.js";

const sha = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

export async function pushOneLayerImage(r: TestRegistry, repo: string, entries: LayerEntry[], config: { Env: string[]; Cmd?: string[] }): Promise<string> {
  const layer = await buildLayer(entries, new Date(0));
  const configBlob = jsonBytes({ architecture: "amd64", os: "linux", config, rootfs: { type: "layers", diff_ids: [layer.diffId] } });
  const client = new RegistryClient(r.host, { credential: null });
  await client.uploadBlob(repo, layer.digest, layer.blob);
  await client.uploadBlob(repo, sha(configBlob), configBlob);
  const manifest = jsonBytes({
    schemaVersion: 2, mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, digest: sha(configBlob), size: configBlob.length },
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: layer.digest, size: layer.blob.length }],
  });
  return `${r.host}/${repo}@${await client.putManifest(repo, "3.11", manifest, OCI_MANIFEST)}`;
}
