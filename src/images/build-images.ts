import type { BuildContextFiles, Builder, Engine, ImageInfo, Publisher } from "../engines/engine.js";
import { registryPublisher } from "../engines/factory.js";
import type { OciBuilder } from "../engines/oci/builder.js";
import { NeedsEngine } from "../engines/oci/needs-engine.js";
import { NbbuildError, type Problem } from "../errors.js";
import type { BuildInputs } from "./build-inputs.js";
import type { Diagnostic, Plan, Step } from "../plan/types.js";
import { hashJson } from "../render/hash.js";
import { pipBuildArgs, secretBuildArgs } from "../render/pip.js";
import { readProvenance } from "./provenance.js";
import { chooseBase, renderPlan, type BaseChoice } from "../render/render-step.js";
import type { DependencyContext, RenderedStep, ResolvedBase } from "../render/types.js";
import type { ContainerRunner } from "../engines/runner.js";
import { probeRunnerFor, withWheels } from "./wheelhouse.js";
import { sameRepository, withDigest } from "../registry/reference.js";
import { explainInstallFailure } from "./pip-failure.js";
import { mapLimit } from "./pool.js";
import { planHash, readBuildRecord, writeBuildRecord } from "./record.js";
import { BUILD_RECORD_VERSION, type BuildRecord, type StepImage } from "./record-types.js";

/** One progress event of a build; the CLI turns these into lines. */
export interface BuildEvent {
  /** Step name, or `deps <tag>` / `src <tag>` for a dependency or folder image. */
  subject: string;
  state: "waiting" | "cached" | "building" | "built" | "pushing" | "pushed" | "failed";
  seconds?: number;
  detail?: string;
}

/** Options of `buildImages`. */
export interface BuildImagesOptions extends BuildInputs {
  /** The builder (`--engine`). */
  engine: Builder;
  /** --push REGISTRY/PREFIX. */
  push?: string;
  /** Where --push publishes (default: the builder's registry publisher from the factory). */
  publisher?: Publisher;
  /**
   * The engine that builds a dependency image the oci engine cannot install without one (default:
   * docker, buildah or podman, whichever answers; see factory.ts makeInstallEngine).
   */
  installEngine?: () => Promise<Engine | undefined>;
  /** --output SINK: also publishes every step image there under its local tag. */
  output?: Publisher;
  /** Step images built at once (default 4: builds mostly wait on the engine's disk work). */
  concurrency?: number;
  onEvent?: (e: BuildEvent) => void;
  /** Receives build output lines (credentials redacted). */
  onLog?: (subject: string, line: string) => void;
  /** Receives render diagnostics (large folders, ignored pip options). */
  onDiagnostic?: (d: Diagnostic) => void;
  env?: NodeJS.ProcessEnv;
}

/** Lines of a dependency install log kept for explaining a failure. */
const LOG_LINES_KEPT = 5000;

/** Elapsed seconds since `t0`, rounded to milliseconds. */
const since = (t0: number) => Math.round(performance.now() - t0) / 1000;

/** Makes a base present in the builder's store and pins it by digest when the store knows one. */
export async function resolveBase(engine: Builder, ref: string): Promise<ResolvedBase> {
  const info: ImageInfo = await engine.pull(ref);
  const pinned = /@(sha256:[0-9a-f]{64})$/.exec(ref)?.[1];
  const known = info.repoDigests.find((d) => sameRepository(d, ref));
  const digest = pinned ?? (known ? known.slice(known.indexOf("@") + 1) : undefined);
  return { ref: digest && known ? known : ref, digest, id: info.id, user: info.user };
}

/**
 * Makes every base present in the engine and pins it by digest when the engine knows one. A base
 * that cannot be pulled is an error naming the steps (cells, Elyra nodes) that asked for it.
 */
export async function resolveBases(plan: Plan, opts: Pick<BuildImagesOptions, "engine" | "base" | "env" | "imageMap">): Promise<Record<string, ResolvedBase>> {
  const choices = plan.steps.map((s) => ({ step: s, ...chooseBase(plan, s, opts) }));
  const out: Record<string, ResolvedBase> = {};
  const problems: Problem[] = [];
  for (const ref of new Set(choices.map((c) => c.ref))) {
    try {
      out[ref] = await resolveBase(opts.engine, ref);
    } catch (err) {
      if (!(err instanceof NbbuildError)) throw err;
      problems.push(unpullableBase(plan, choices.filter((c) => c.ref === ref), err));
    }
  }
  if (problems.length) throw new NbbuildError(problems);
  return out;
}

/** The problem of a base the engine cannot pull: who asked for it, why it failed, and the fix. */
function unpullableBase(plan: Plan, askers: (BaseChoice & { step: Step })[], err: NbbuildError): Problem {
  const { ref, written, origin } = askers[0]!;
  const steps = askers.map((a) => a.step.name);
  const why = err.problems.map((p) => p.message).join("; ");
  const mapped = ref !== written ? ` (mapped from ${written})` : "";
  const fix = origin === "--base" || origin === "NBBUILD_BASE" || origin === "the default base"
    ? `pass --base (or set NBBUILD_BASE) to an image the engine has or can pull from a reachable registry, or map ${written} to a mirror with --image-map ${written}=REGISTRY/IMAGE`
    : `mirror it into a reachable registry and map it without editing the file: --image-map ${written}=REGISTRY/IMAGE:TAG (or --image-map-file, or NBBUILD_IMAGE_MAP)`;
  return {
    location: stepLocation(plan, askers[0]!.step.name),
    message: `base image ${ref}${mapped}, asked for by ${origin} of step(s) ${steps.join(", ")}, cannot be pulled: ${why}`,
    fix,
  };
}

/** Where a failed step points in the notebook. */
function stepLocation(plan: Plan, stepName: string): Problem["location"] {
  const step = plan.steps.find((s) => s.name === stepName);
  const cell = step?.source.cells?.[0];
  return { file: step?.source.file ?? plan.source.file, cellIndex: cell?.index, cellId: cell?.id, nodeId: step?.source.node };
}

/**
 * Builds every step of a plan into its image: dependency images first (one per distinct
 * dependency set), then step images (a few at a time), skipping any image whose content-hash
 * tag already exists; pushes when asked; writes and returns the build record.
 */
export async function buildImages(plan: Plan, opts: BuildImagesOptions): Promise<BuildRecord> {
  const { engine } = opts;
  const event = (e: BuildEvent) => opts.onEvent?.(e);
  const bases = await resolveBases(plan, opts);
  const provenance = readProvenance(plan, opts.env);
  const rendered = renderPlan(plan, {
    base: opts.base,
    imageMap: opts.imageMap,
    bases,
    requirementsFile: opts.requirementsFile,
    pip: opts.pip,
    provenance,
    env: opts.env,
  });
  for (const r of rendered) for (const d of r.diagnostics) opts.onDiagnostic?.(d);

  const problems: Problem[] = [];
  const failed = new Set<string>();
  /** Builds the distinct shared images of one tier (dependency or folder images) not present yet. */
  let runner: Promise<ContainerRunner | undefined> | undefined;
  /** A runner to ask a base image for its Python (none: wheels are fetched for this machine's). */
  const probeRunner = () => (runner ??= probeRunnerFor(engine));
  /**
   * How one shared image is built by `by`. The oci engine fetches wheels on this machine itself
   * (credentials stay in its pip's environment). For the others, a dependency image whose pip
   * settings carry credentials gets the wheels fetched on this machine and installs offline: no
   * credential enters the engine.
   */
  const prepare = async (kind: "deps" | "src", c: BuildContextFiles & { tag: string }, onLog: (line: string) => void, by: Builder = engine) => {
    if (kind === "src") return { context: c, buildArgs: {}, network: "none" as const };
    const deps = c as DependencyContext;
    if (by.name === "oci") return { context: c, buildArgs: {}, network: "none" as const, pip: opts.pip ?? {} };
    if (!deps.wheelhouse) return { context: c, buildArgs: pipBuildArgs(opts.pip ?? {}), network: "host" as const };
    const context = await withWheels(deps, opts.pip ?? {}, await (by === engine ? probeRunner() : probeRunnerFor(by)), onLog);
    return { context, buildArgs: {}, network: "none" as const };
  };
  const ensureShared = async (kind: "deps" | "src", pick: (r: RenderedStep) => (BuildContextFiles & { tag: string }) | undefined) => {
    const unique = new Map<string, BuildContextFiles & { tag: string }>();
    for (const r of rendered) {
      const c = pick(r);
      if (c && !failed.has(r.deps.tag)) unique.set(c.tag, c);
    }
    for (const c of unique.values()) event({ subject: `${kind} ${c.tag}`, state: "waiting" });
    await mapLimit([...unique.values()], 2, async (c) => {
      const subject = `${kind} ${c.tag}`;
      if (await engine.inspect(c.tag)) return event({ subject, state: "cached" });
      const t0 = performance.now();
      event({ subject, state: "building" });
      // The whole install log (bounded): pip's telling ERROR lines may sit far above the engine's tail.
      const log: string[] = [];
      const onLog = (l: string) => {
        if (log.push(l) > LOG_LINES_KEPT) log.shift();
        opts.onLog?.(subject, l);
      };
      try {
        const { context, buildArgs, network, pip } = await prepare(kind, c, onLog);
        let detail: string | undefined;
        try {
          await engine.build(context, c.tag, { buildArgs, secretArgs: secretBuildArgs(buildArgs), network, onLog, ...(pip ? { pip } : {}) });
        } catch (err) {
          // Some requirement has no wheel for the base: an engine builds this one image (oci only).
          if (!(err instanceof NeedsEngine) || kind !== "deps") throw err;
          const { buildDepsWithEngine } = await import("./deps-fallback.js");
          detail = await buildDepsWithEngine(engine as OciBuilder, c as DependencyContext, err, (by) => prepare(kind, c, onLog, by), onLog, opts.installEngine);
        }
        event({ subject, state: "built", seconds: since(t0), ...(detail ? { detail } : {}) });
      } catch (err) {
        failed.add(c.tag);
        event({ subject, state: "failed", seconds: since(t0) });
        const users = rendered.filter((r) => pick(r)?.tag === c.tag).map((r) => r.step);
        const pip = kind === "deps"
          ? explainInstallFailure(plan, plan.steps.filter((s) => users.includes(s.name)), rendered.find((r) => r.deps.tag === c.tag)!.deps, log)
          : undefined;
        // An NbbuildError (no engine for a requirement without a wheel) brings its own fix.
        const own = err instanceof NbbuildError ? err.problems[0] : undefined;
        problems.push({
          location: pip?.cell ?? stepLocation(plan, users[0]!),
          message: pip
            ? `installing the dependencies of step(s) ${users.join(", ")} failed; pip says:\n${pip.text}${own ? `\n${own.message}` : ""}`
            : kind === "deps"
            ? `installing the dependencies of step(s) ${users.join(", ")} failed: ${(err as Error).message}`
            : `copying the folder of step(s) ${users.join(", ")} failed: ${(err as Error).message}`,
          ...(kind === "deps" ? { fix: own?.fix ?? "check the requirements (requirements.txt, %pip lines, imports) and the pip index options" } : {}),
        });
      }
    });
  };
  for (const r of rendered) event({ subject: r.step, state: "waiting" });
  await ensureShared("deps", (r) => r.deps);
  await ensureShared("src", (r) => (failed.has(r.deps.tag) ? undefined : r.folder));

  const publisher = opts.push ? (opts.publisher ?? (await registryPublisher(engine))) : undefined;
  // What an earlier build pushed: an unchanged step costs no registry request.
  const previous = opts.push ? readBuildRecord(plan) : undefined;
  const steps: Record<string, StepImage> = {};
  await mapLimit(rendered, opts.concurrency ?? 4, async (r: RenderedStep) => {
    if (failed.has(r.deps.tag) || (r.folder && failed.has(r.folder.tag))) return;
    const t0 = performance.now();
    let pushingTo: string | undefined;
    try {
      let info = await engine.inspect(r.tag);
      const cached = !!info;
      if (!info) {
        event({ subject: r.step, state: "building" });
        info = await engine.build(r, r.tag, { network: "none", onLog: (l) => opts.onLog?.(r.step, l) });
      }
      let image = r.tag;
      let digest: string | undefined;
      if (publisher && opts.push) {
        const remote = `${opts.push.replace(/\/+$/, "")}/${r.tag.slice("nbbuild/".length)}`;
        const before = previous?.steps[r.step];
        if (cached && before?.digest && before.tag === r.tag && before.image === withDigest(remote, before.digest)) digest = before.digest;
        if (!digest) {
          event({ subject: r.step, state: "pushing" });
          pushingTo = remote;
          digest = await publisher.publish(r.tag, remote);
          // SBOM + provenance ride along with every image this build pushes (oci registry sinks).
          await publisher.attach?.(remote, digest, {
            plan: plan.name,
            step: r.step,
            notebook: plan.steps.find((s) => s.name === r.step)!.source.file,
            notebookDigest: provenance.notebookDigest,
            // The plan without `root`, its only machine-specific field: the same on every machine.
            planHash: `sha256:${hashJson({ ...plan, root: "" })}`,
            base: r.deps.resolvedBase.ref,
            ...(r.deps.resolvedBase.digest ? { baseDigest: r.deps.resolvedBase.digest } : {}),
            source: provenance.source,
            revision: provenance.revision,
            created: provenance.created,
            builder: engine.name,
          });
        }
        image = withDigest(remote, digest!);
      }
      if (opts.output) await opts.output.publish(r.tag, r.tag);
      const seconds = since(t0);
      event({ subject: r.step, state: cached ? "cached" : opts.push ? "pushed" : "built", seconds });
      steps[r.step] = {
        image,
        tag: r.tag,
        id: info.id,
        ...(digest ? { digest } : {}),
        cached,
        contentHash: r.contentHash,
        dependencyHash: r.deps.hash,
        requirements: [...r.deps.requirements, ...r.deps.imports.map((i) => i.distribution)],
        base: r.deps.base,
        ...(r.deps.resolvedBase.digest ? { baseDigest: r.deps.resolvedBase.digest } : {}),
        seconds,
      };
    } catch (err) {
      event({ subject: r.step, state: "failed", seconds: since(t0) });
      problems.push(
        pushingTo
          ? { location: stepLocation(plan, r.step), message: `pushing the image of step ${r.step} to ${pushingTo} failed: ${(err as Error).message}`, fix: pushFix(pushingTo, err) }
          : { location: stepLocation(plan, r.step), message: `building the image of step ${r.step} failed: ${(err as Error).message}` },
      );
    }
  });
  if (problems.length) throw new NbbuildError(problems);

  const record: BuildRecord = {
    recordVersion: BUILD_RECORD_VERSION,
    plan: plan.name,
    source: plan.source.file,
    engine: engine.name,
    planHash: planHash(plan),
    steps: Object.fromEntries(plan.steps.map((s) => [s.name, steps[s.name]!])),
  };
  writeBuildRecord(plan, record);
  return record;
}

/** The fix for a failed push: an unreachable registry is the common case, and the local image is kept. */
export function pushFix(remote: string, err: unknown): string {
  const registry = remote.split("/")[0]!;
  const text = `${(err as Error)?.message ?? err} ${(err as { code?: string })?.code ?? ""}`;
  if (/ECONNREFUSED|ECONNRESET|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|EAI_AGAIN|connection refused|no such host|i\/o timeout|fetch failed/i.test(text))
    return `the registry ${registry} did not answer: start it (or check the address given to --push), then run the same command again; the built images are kept and only the push is redone`;
  if (/\b401\b|\b403\b|unauthorized|denied|authentication required/i.test(text))
    return `the registry ${registry} refused the credentials: log in (docker login / podman login ${registry}) and run the same command again`;
  return `check that ${registry} is a reachable registry that accepts pushes to ${remote.split("@")[0]}, then run the same command again`;
}

export { readBuildRecord, buildRecordPath } from "./record.js";
