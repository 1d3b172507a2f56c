/** Reads what is attached to an image in a registry (its SBOM, its provenance) through its referrers. */
import { NbbuildError } from "../errors.js";
import { RegistryClient } from "./client.js";
import { parseImageRef, referenceOf } from "./reference.js";

/** Artifact types `nbbuild image` attaches. */
export const ATTACHMENT_TYPES = { sbom: "application/spdx+json", provenance: "application/vnd.in-toto+json" } as const;

/** The document of `artifactType` attached to image `ref` (`repo:tag` or `repo@sha256:…`). */
export async function readAttachment(ref: string, artifactType: string, opts: { insecure?: boolean } = {}): Promise<Buffer> {
  let r;
  try {
    r = parseImageRef(ref);
  } catch (err) {
    throw NbbuildError.at({ file: ref }, (err as Error).message, "pass an image reference such as 127.0.0.1:5000/team/wine-split@sha256:…");
  }
  const client = new RegistryClient(r.registry, { insecure: opts.insecure });
  const digest = r.digest ?? (await client.headManifest(r.path, referenceOf(r)));
  if (!digest) throw NbbuildError.at({ file: ref }, "the registry has no such image", "check the reference (nbbuild image --push prints it)");
  const found = (await client.referrers(r.path, digest)).filter((d) => d.artifactType === artifactType);
  if (!found.length) {
    throw NbbuildError.at({ file: ref }, `no ${artifactType} document refers to ${digest}`, "images pushed by nbbuild image --engine oci carry one; rebuild and push with --engine oci");
  }
  const manifest = await client.getManifest(r.path, found.at(-1)!.digest);
  const layer = (JSON.parse(manifest!.body.toString("utf8")) as { layers: { digest: string }[] }).layers[0]!;
  return client.getBlob(r.path, layer.digest);
}
