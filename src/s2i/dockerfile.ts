/**
 * OpenShift 4's source builds: the cluster's builder turns a source build into a Dockerfile the
 * way `s2i build --as-dockerfile` does (openshift/source-to-image,
 * pkg/build/strategies/dockerfile) and builds it with buildah. This writes that Dockerfile and
 * its `upload/src` folder for one build, so the path can be exercised without a cluster.
 */
import { existsSync, lstatSync, readFileSync, readlinkSync } from "node:fs";
import path from "node:path";
import type { BuildContextFiles, ContextFile, ImageInfo } from "../engines/engine.js";
import { s2iFacts, sourceFiles } from "../engines/s2i.js";
import { parseEnvironmentFile } from "./environment.js";

/** The user upstream s2i assembles as when the builder does not say otherwise. */
const DEFAULT_ASSEMBLE_USER = "1001";

export interface AsDockerfileOptions {
  /** The builder (or dependency) image reference the Dockerfile starts FROM. */
  builder: string;
  /** Its labels (scripts location, destination, assemble user). */
  builderInfo: Pick<ImageInfo, "labels">;
  /** Build environment (`-e`): after `.s2i/environment`, so these win. */
  env: Record<string, string>;
  /** Output image name (io.k8s.display-name) and extra labels. */
  tag: string;
  labels?: Record<string, string>;
  /** The source folder (for `.s2i/environment` and the source-location label). */
  source: string;
}

/** `ENV` escaping as upstream's ConvertEnvironmentToDocker: `$`, `"` and `\` get a backslash. */
const escapeEnv = (v: string) => v.replace(/[$"\\]/g, "\\$&");

/** The Dockerfile `s2i build --as-dockerfile` writes for a non-incremental build with image scripts. */
export function asDockerfile(o: AsDockerfileOptions): string {
  const facts = s2iFacts({ labels: o.builderInfo.labels, user: "", id: "", repoDigests: [] });
  const user = o.builderInfo.labels["io.openshift.s2i.assemble-user"] || DEFAULT_ASSEMBLE_USER;
  const envFile = path.join(o.source, ".s2i", "environment");
  const env: [string, string][] = [
    ...Object.entries(existsSync(envFile) ? parseEnvironmentFile(readFileSync(envFile, "utf8"), ".s2i/environment") : {}),
    ...Object.entries(o.env),
  ];
  const labels: Record<string, string> = {
    "io.openshift.s2i.build.image": o.builder,
    "io.openshift.s2i.build.source-location": o.source,
    "io.k8s.display-name": o.tag,
    ...(o.labels ?? {}),
  };
  const lines = [`FROM ${o.builder}`];
  lines.push("LABEL " + Object.entries(labels).map(([k, v]) => `${JSON.stringify(k)}=${JSON.stringify(v)}`).join(" \\\n      "));
  lines.push(env.map(([k, v], i) => `${i === 0 ? "ENV " : "    "}${k}="${escapeEnv(v)}"`).join(" \\\n"));
  lines.push(
    "USER root",
    "# Copying in source code",
    `COPY upload/src ${facts.destination}/src`,
    "# Change file ownership to the assemble user. Builder image must support chown command.",
    `RUN chown -R ${user}:0 ${facts.destination}/src`,
    `USER ${user}`,
    "# Assemble script sourced from builder image based on user input or image metadata.",
    "# If this file does not exist in the image, the build will fail.",
    `RUN ${facts.scriptsDir}/assemble`,
    "# Run script sourced from builder image based on user input or image metadata.",
    "# If this file does not exist in the image, the build will fail.",
    `CMD ${facts.scriptsDir}/run`,
  );
  return lines.join("\n") + "\n";
}

/**
 * The build context OpenShift's builder prepares: `Dockerfile` and `upload/src/…` (the source,
 * without .git/.nbbuild), ready for any engine's `build`.
 */
export function asDockerfileContext(o: AsDockerfileOptions): BuildContextFiles {
  const files: ContextFile[] = [{ path: "Dockerfile", data: Buffer.from(asDockerfile(o)), mode: 0o664 }];
  for (const rel of sourceFiles(o.source)) {
    const abs = path.join(o.source, rel);
    const st = lstatSync(abs);
    if (st.isSymbolicLink()) files.push({ path: `upload/src/${rel}`, data: Buffer.alloc(0), mode: 0o777, linkTarget: readlinkSync(abs) });
    else files.push({ path: `upload/src/${rel}`, data: readFileSync(abs), mode: st.mode & 0o777 });
  }
  return { files, containerfile: "Dockerfile" };
}
