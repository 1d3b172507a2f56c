/**
 * What an S2I build knows about its base. The builder image IS the base of every image it builds,
 * so it records the base it was built from (pinned, and its user) in labels and ENV; the render
 * inside `assemble` uses those facts in place of an engine, which makes its dependency and content
 * hashes equal to `nbbuild image --base <that base>`'s.
 */
import type { Plan, Step } from "../plan/types.js";
import { renderStep } from "../render/render-step.js";
import type { RenderOptions, RenderedStep, ResolvedBase } from "../render/types.js";
import { NbbuildError } from "../errors.js";

/** Labels of the builder image naming its base (see builder-image/README.md). */
export const BASE_LABEL = "io.nbbuild.base";
export const BASE_USER_LABEL = "io.nbbuild.base-user";
export const ROLE_LABEL = "io.nbbuild.role";
/** ENV of the builder image carrying the same two facts into `assemble`. */
export const BASE_ENV = "NBBUILD_BUILDER_BASE";
export const BASE_USER_ENV = "NBBUILD_BUILDER_BASE_USER";

/** The base a builder image was built from: a reference (digest-pinned when known) and its user. */
export interface BuilderBase {
  ref: string;
  /** The base image's configured user ("" = root). */
  user: string;
}

/** The resolved form the renderer takes (digest parsed from a pinned reference). */
export function resolvedBuilderBase(b: BuilderBase): ResolvedBase {
  const digest = /@(sha256:[0-9a-f]{64})$/.exec(b.ref)?.[1];
  return { ref: b.ref, ...(digest ? { digest } : {}), user: b.user };
}

/** Render options that make every step build on the builder's base, as `nbbuild image --base` would. */
export function builderRenderOptions(b: BuilderBase): Pick<RenderOptions, "base" | "bases"> {
  return { base: b.ref, bases: { [b.ref]: resolvedBuilderBase(b) } };
}

/** The builder base from labels (`io.nbbuild.base`, `io.nbbuild.base-user`). */
export function builderBaseFromLabels(labels: Record<string, string>, image: string): BuilderBase {
  const ref = labels[BASE_LABEL];
  if (!ref) {
    throw NbbuildError.at({ file: image }, `image ${image} is not an nbbuild S2I builder (no ${BASE_LABEL} label)`, "build one with `nbbuild openshift builder-image --base IMAGE -t TAG` and pass it to --builder");
  }
  return { ref, user: labels[BASE_USER_LABEL] ?? "" };
}

/** The builder base from the environment `assemble` runs in. */
export function builderBaseFromEnv(env: NodeJS.ProcessEnv): BuilderBase {
  const ref = env[BASE_ENV];
  if (!ref) {
    throw NbbuildError.at({ file: BASE_ENV }, `${BASE_ENV} is not set: assemble runs only inside an nbbuild builder image`, "use the image `nbbuild openshift builder-image` builds as the S2I builder");
  }
  return { ref, user: env[BASE_USER_ENV] ?? "" };
}

/**
 * A step of the plan must not name its own image: in an S2I build the base is the builder (the
 * BuildConfig's `from`), so a per-step image cannot be honoured.
 */
export function checkStepBase(plan: Plan, step: Step): void {
  if (step.image) {
    throw NbbuildError.at(
      { file: step.source.file, cellIndex: step.source.cells?.[0]?.index, cellId: step.source.cells?.[0]?.id, nodeId: step.source.node },
      `step ${step.name} names its own image (${step.image}); an S2I build always runs on the builder image`,
      "remove the step's image, or build this plan with `nbbuild image` (docker, buildah, podman)",
    );
  }
}

/** Renders one step on the builder's base: the same render `nbbuild image` does, with the base fixed. */
export function renderForBuilder(plan: Plan, stepName: string, base: BuilderBase, options: Omit<RenderOptions, "base" | "bases"> = {}): RenderedStep {
  const step = plan.steps.find((s) => s.name === stepName);
  if (!step) throw NbbuildError.at({ file: plan.source.file }, `no step named "${stepName}"`, `use one of: ${plan.steps.map((s) => s.name).join(", ")}`);
  checkStepBase(plan, step);
  return renderStep(plan, step, { ...options, ...builderRenderOptions(base) });
}

/** The dependency hash an S2I build of `stepName` on a builder with base `base` computes (names dependency images). */
export function dependencyHashForBuilder(plan: Plan, stepName: string, base: BuilderBase, options: Omit<RenderOptions, "base" | "bases"> = {}): string {
  return renderForBuilder(plan, stepName, base, options).deps.hash;
}
