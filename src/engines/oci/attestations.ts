/**
 * Supply-chain documents for a step image, derived only from inputs (no clock, no host facts):
 * an SPDX 2.3 SBOM (the Python distributions found in the image's layers, the step's own files
 * with their digests) and a SLSA v1 provenance statement (in-toto) naming the notebook, the plan,
 * the base and the builder.
 */
import { VERSION } from "../../version.js";
import type { PythonFacts } from "./python-facts.js";

export const SPDX_MEDIA_TYPE = "application/spdx+json";
export const IN_TOTO_MEDIA_TYPE = "application/vnd.in-toto+json";

/** What a provenance statement says about one step image. */
export interface StepAttestation {
  plan: string;
  step: string;
  /** Notebook (or .pipeline) path relative to the plan root, and its `sha256:` digest. */
  notebook: string;
  notebookDigest: string;
  planHash: string;
  base: string;
  baseDigest?: string;
  /** Repository URL (no credentials) or the notebook path, and the git commit ("" outside git). */
  source: string;
  revision: string;
  /** RFC 3339, from SOURCE_DATE_EPOCH / the git commit time. */
  created: string;
  builder: string;
}

const hex = (digest: string) => digest.replace(/^sha256:/, "");
const spdxId = (prefix: string, i: number) => `SPDXRef-${prefix}-${i}`;

/** The SPDX 2.3 document of an image (`repo` without tag, `digest` its manifest digest). */
export function spdxDocument(repo: string, digest: string, facts: PythonFacts, a: StepAttestation): object {
  const image = "SPDXRef-Image";
  const packages = facts.distributions.map((d, i) => ({
    SPDXID: spdxId("Python", i),
    name: d.name,
    versionInfo: d.version,
    downloadLocation: "NOASSERTION",
    filesAnalyzed: false,
    sourceInfo: `installed at ${d.path}`,
    externalRefs: [{ referenceCategory: "PACKAGE-MANAGER", referenceType: "purl", referenceLocator: `pkg:pypi/${d.name.toLowerCase()}@${d.version}` }],
  }));
  const files = facts.appFiles.map((f, i) => ({
    SPDXID: spdxId("File", i),
    fileName: f.path,
    checksums: [{ algorithm: "SHA256", checksumValue: f.sha256 }],
  }));
  return {
    spdxVersion: "SPDX-2.3",
    dataLicense: "CC0-1.0",
    SPDXID: "SPDXRef-DOCUMENT",
    name: `${repo}@${digest}`,
    documentNamespace: `https://nbbuild.dev/spdx/${repo}/${hex(digest)}`,
    creationInfo: { created: a.created, creators: [`Tool: nbbuild-${VERSION}`] },
    packages: [
      {
        SPDXID: image,
        name: repo,
        versionInfo: digest,
        downloadLocation: "NOASSERTION",
        filesAnalyzed: true,
        primaryPackagePurpose: "CONTAINER",
        externalRefs: [{ referenceCategory: "PACKAGE-MANAGER", referenceType: "purl", referenceLocator: `pkg:oci/${repo.split("/").at(-1)}@${encodeURIComponent(digest)}?repository_url=${encodeURIComponent(repo)}` }],
      },
      ...packages,
    ],
    files,
    relationships: [
      { spdxElementId: "SPDXRef-DOCUMENT", relationshipType: "DESCRIBES", relatedSpdxElement: image },
      ...packages.map((p) => ({ spdxElementId: image, relationshipType: "CONTAINS", relatedSpdxElement: p.SPDXID })),
      ...files.map((f) => ({ spdxElementId: image, relationshipType: "CONTAINS", relatedSpdxElement: f.SPDXID })),
    ],
  };
}

/** The SLSA v1 provenance of an image as an in-toto v1 statement. */
export function provenanceStatement(repo: string, digest: string, a: StepAttestation): object {
  const deps: object[] = [{ uri: a.source === a.notebook ? a.notebook : `${a.source}${a.revision ? `@${a.revision}` : ""}#${a.notebook}`, digest: { sha256: hex(a.notebookDigest) } }];
  if (a.baseDigest) deps.push({ uri: `oci://${a.base.split("@")[0]}`, digest: { sha256: hex(a.baseDigest) } });
  return {
    _type: "https://in-toto.io/Statement/v1",
    subject: [{ name: repo, digest: { sha256: hex(digest) } }],
    predicateType: "https://slsa.dev/provenance/v1",
    predicate: {
      buildDefinition: {
        buildType: "https://nbbuild.dev/step-image/v1",
        externalParameters: { notebook: a.notebook, plan: a.plan, step: a.step, base: a.base },
        internalParameters: { planHash: a.planHash },
        resolvedDependencies: deps,
      },
      runDetails: {
        builder: { id: `https://nbbuild.dev/builder/${a.builder}`, version: { nbbuild: VERSION } },
        metadata: { startedOn: a.created, finishedOn: a.created },
      },
    },
  };
}
