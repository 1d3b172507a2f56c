/**
 * `nbbuild image --engine s2i --builder IMAGE`: builds every step of a plan by source-to-image,
 * as an OpenShift cluster would. One dependency image per distinct dependency set (an S2I build
 * with NBBUILD_DEPS_ONLY=1, tagged by the dependency hash, built only when it is missing), then one
 * S2I build per step FROM that image, which only renders code. Writes the usual build record.
 */
import path from "node:path";
import type { ContextFile } from "../engines/engine.js";
import type { S2IEngine } from "../engines/s2i.js";
import { NbbuildError, type Problem } from "../errors.js";
import type { BuildEvent } from "../images/build-images.js";
import { mapLimit } from "../images/pool.js";
import { planHash, writeBuildRecord } from "../images/record.js";
import { BUILD_RECORD_VERSION, type BuildRecord, type StepImage } from "../images/record-types.js";
import type { Plan } from "../plan/types.js";
import { isUrl, pipBuildArgs, pipHasCredentials, type PipOptions } from "../render/pip.js";
import { readProvenance } from "../images/provenance.js";
import { stepRepository } from "../render/render-step.js";
import type { RenderedStep } from "../render/types.js";
import { builderBaseFromLabels, renderForBuilder } from "./builder-base.js";
import { DEFAULT_PIP_SECRET_DIR } from "./assemble.js";

export interface BuildS2IOptions {
  engine: S2IEngine;
  /** The builder image (`nbbuild openshift builder-image`). */
  builder: string;
  requirementsFile?: string;
  pip?: PipOptions;
  concurrency?: number;
  onEvent?: (e: BuildEvent) => void;
  onLog?: (subject: string, line: string) => void;
  env?: NodeJS.ProcessEnv;
}

/** Local tag of the S2I dependency image of a dependency hash. */
export const s2iDepsTag = (dependencyHash: string) => `nbbuild-s2i-deps:${dependencyHash.slice(0, 24)}`;
/** Local tag of an S2I-built step image (apart from `nbbuild image`'s, which is another image). */
export const s2iStepTag = (plan: Plan, r: RenderedStep) => `${stepRepository(plan, plan.steps.find((s) => s.name === r.step)!).replace(/^nbbuild\//, "nbbuild-s2i/")}:${r.contentHash.slice(0, 24)}`;

const since = (t0: number) => Math.round(performance.now() - t0) / 1000;

/**
 * Pip settings travel as a build secret (files under .nbbuild-pip/ that assemble reads and
 * deletes), never as build environment, which S2I commits into the image.
 */
function pipSecretFiles(pip: PipOptions): ContextFile[] {
  if ((pip.findLinks ?? []).some((l) => !isUrl(l))) {
    throw NbbuildError.at({ file: "--find-links" }, "a local --find-links folder cannot reach an S2I build", "serve the folder over http (e.g. python3 -m http.server on 127.0.0.1) and pass its URL, or build with --engine docker");
  }
  // A local S2I build would hand the password to the engine's build container; the other engines
  // fetch wheels on the host instead, and on OpenShift a build secret carries it (.nbbuild-pip).
  if (pipHasCredentials(pip)) {
    throw NbbuildError.at(
      { file: "--index-url" },
      "a pip index URL with credentials cannot be used with --engine s2i: the password would enter the engine's build container",
      "build with --engine docker, buildah, podman or oci (they fetch the wheels on the host and build offline), or on OpenShift mount the credentials as a build secret (see s2i/README.md)",
    );
  }
  const names: Record<string, string> = {
    NBBUILD_PIP_INDEX_URL: "PIP_INDEX_URL",
    NBBUILD_PIP_EXTRA_INDEX_URL: "PIP_EXTRA_INDEX_URL",
    NBBUILD_PIP_FIND_LINKS: "PIP_FIND_LINKS",
    NBBUILD_PIP_TRUSTED_HOST: "PIP_TRUSTED_HOST",
  };
  return Object.entries(pipBuildArgs(pip)).map(([k, v]) => ({ path: `${DEFAULT_PIP_SECRET_DIR}/${names[k]}`, data: Buffer.from(v), mode: 0o600 }));
}

/** Builds every step of `plan` with S2I on `opts.builder`; writes and returns the build record. */
export async function buildImagesS2I(plan: Plan, opts: BuildS2IOptions): Promise<BuildRecord> {
  const { engine } = opts;
  const event = (e: BuildEvent) => opts.onEvent?.(e);
  const pip = opts.pip ?? {};
  // Checked before the engine is touched: a refused credential never reaches it.
  const secretFiles = pipSecretFiles(pip);
  const builderInfo = await engine.pull(opts.builder);
  const base = builderBaseFromLabels(builderInfo.labels, opts.builder);
  const renderOptions = { requirementsFile: opts.requirementsFile, pip, provenance: readProvenance(plan, opts.env), env: opts.env };
  const rendered = plan.steps.map((s) => renderForBuilder(plan, s.name, base, renderOptions));
  const common: Record<string, string> = { NBBUILD_NOTEBOOK: plan.source.file };
  if (pip.noIndex) common.PIP_NO_INDEX = "1";
  if (opts.requirementsFile) {
    const rel = path.relative(plan.root, path.resolve(opts.requirementsFile));
    if (rel.startsWith("..") || path.isAbsolute(rel)) {
      throw NbbuildError.at({ file: opts.requirementsFile }, "an S2I build sees only the notebook's folder; the requirements file is outside it", `move it into ${plan.root} or leave --requirements out (requirements.txt beside the notebook is used)`);
    }
    common.NBBUILD_REQUIREMENTS = rel.split(path.sep).join("/");
  }

  const problems: Problem[] = [];
  const failedDeps = new Set<string>();
  const depsGroups = new Map<string, RenderedStep>();
  for (const r of rendered) if (!depsGroups.has(r.deps.hash)) depsGroups.set(r.deps.hash, r);
  await mapLimit([...depsGroups.values()], 2, async (r) => {
    const tag = s2iDepsTag(r.deps.hash);
    const subject = `deps ${tag}`;
    if (await engine.inspect(tag)) return event({ subject, state: "cached" });
    const t0 = performance.now();
    event({ subject, state: "building" });
    try {
      await engine.sourceBuild({
        from: opts.builder,
        source: plan.root,
        env: { ...common, NBBUILD_STEP: r.step, NBBUILD_DEPS_ONLY: "1", NBBUILD_EXPECT_DEPENDENCY_HASH: r.deps.hash },
        secretFiles,
        tag,
        labels: { "io.nbbuild.dependency-hash": r.deps.hash, "io.nbbuild.role": "dependencies" },
        network: "host",
        onLog: (l) => opts.onLog?.(subject, l),
      });
      event({ subject, state: "built", seconds: since(t0) });
    } catch (err) {
      failedDeps.add(r.deps.hash);
      event({ subject, state: "failed", seconds: since(t0) });
      problems.push({ location: { file: plan.source.file }, message: `the S2I dependency build for step ${r.step} failed: ${(err as Error).message}`, fix: "check the requirements and the pip settings" });
    }
  });

  const steps: Record<string, StepImage> = {};
  await mapLimit(rendered.filter((r) => !failedDeps.has(r.deps.hash)), opts.concurrency ?? 2, async (r) => {
    const tag = s2iStepTag(plan, r);
    const t0 = performance.now();
    try {
      let info = await engine.inspect(tag);
      const cached = !!info;
      if (!info) {
        event({ subject: r.step, state: "building" });
        info = await engine.sourceBuild({
          from: s2iDepsTag(r.deps.hash),
          source: plan.root,
          // NBBUILD_DEPS_ONLY=0: the dependency image's environment carries =1. The expected
          // content hash makes assemble fail loudly when it renders other bytes than this host.
          env: { ...common, NBBUILD_STEP: r.step, NBBUILD_DEPS_ONLY: "0", NBBUILD_EXPECT_CONTENT_HASH: r.contentHash },
          secretFiles,
          tag,
          labels: r.labels,
          network: "none",
          onLog: (l) => opts.onLog?.(r.step, l),
        });
      }
      const seconds = since(t0);
      event({ subject: r.step, state: cached ? "cached" : "built", seconds });
      steps[r.step] = {
        image: tag,
        tag,
        id: info.id,
        cached,
        contentHash: r.contentHash,
        dependencyHash: r.deps.hash,
        requirements: [...r.deps.requirements, ...r.deps.imports.map((i) => i.distribution)],
        base: base.ref,
        ...(r.deps.resolvedBase.digest ? { baseDigest: r.deps.resolvedBase.digest } : {}),
        seconds,
      };
    } catch (err) {
      event({ subject: r.step, state: "failed", seconds: since(t0) });
      problems.push({ location: { file: plan.source.file }, message: `the S2I build of step ${r.step} failed: ${(err as Error).message}` });
    }
  });
  if (problems.length) throw new NbbuildError(problems);

  const record: BuildRecord = {
    recordVersion: BUILD_RECORD_VERSION,
    plan: plan.name,
    engine: engine.name,
    planHash: planHash(plan),
    steps: Object.fromEntries(plan.steps.map((s) => [s.name, steps[s.name]!])),
  };
  writeBuildRecord(plan, record);
  return record;
}
