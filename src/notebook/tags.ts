/** Kale's cell-tag grammar (old and new spellings) parsed into one record per cell. */
import type { Location, Problem } from "../errors.js";
import { labelValueProblem, qualifiedNameProblem } from "../plan/k8s-names.js";
import type { SecretEnv } from "../plan/types.js";
import { parseImageRef } from "../registry/reference.js";

/** Why `ref` is not an image reference, or undefined when it is one. */
function imageRefProblem(ref: string): string | undefined {
  try {
    parseImageRef(ref);
    return /\s/.test(ref) ? `invalid image reference ${JSON.stringify(ref)}: it holds white space` : undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Step/block names: Kale's `^[_a-z][_a-z0-9]*$`. */
export const STEP_NAME = /^[_a-z][_a-z0-9]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Tags that give a cell a role of its own. */
export type SpecialTag = "imports" | "functions" | "pipeline-parameters" | "pipeline-metrics" | "skip";
const SPECIAL: ReadonlySet<string> = new Set(["imports", "functions", "pipeline-parameters", "pipeline-metrics", "skip"]);

/** Per-step settings a tag (or a `steps_defaults` entry) can give. */
export interface StepConfig {
  limits: Record<string, string>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  secrets: SecretEnv[];
  image?: string;
  cache?: boolean;
  report?: boolean;
}

/** What the tags of one code cell say. */
export interface CellTags {
  special?: SpecialTag;
  step?: string;
  prev: string[];
  notebook?: string;
  config: StepConfig;
  /** True when the cell carries any tag at all. */
  tagged: boolean;
}

/** A step config that sets nothing. */
export const emptyConfig = (): StepConfig => ({ limits: {}, labels: {}, annotations: {}, secrets: [] });

const FIX_TAGS =
  "valid tags: step:NAME, block:NAME, prev:NAME, imports, functions, pipeline-parameters, pipeline-metrics, skip, " +
  "limit:RES:VAL, label:K:V, annotation:K:V, image:REF, cache:enabled|disabled, report:enabled|disabled, " +
  "secret:SECRET:KEY:ENV, notebook:NAME";

/** Applies a config tag (limit/label/annotation/image/cache/report/secret); false when `kind` is not one. */
function applyConfigTag(kind: string, rest: string[], tag: string, config: StepConfig, bad: (msg: string, fix?: string) => void): boolean {
  switch (kind) {
    case "limit": {
      const [res, ...val] = rest;
      if (!res || !val.length || !val.join(":")) bad(`tag ${JSON.stringify(tag)} needs a resource and a value`, "write it as limit:RESOURCE:VALUE, e.g. limit:nvidia.com/gpu:1");
      else config.limits[res] = val.join(":");
      return true;
    }
    case "label":
    case "annotation": {
      const [key, ...val] = rest;
      const value = val.join(":");
      const keyWhy = key ? qualifiedNameProblem(key) : undefined;
      const valueWhy = kind === "label" ? labelValueProblem(value) : undefined;
      if (!key) bad(`tag ${JSON.stringify(tag)} needs a key`, `write it as ${kind}:KEY:VALUE`);
      else if (keyWhy) bad(`tag ${JSON.stringify(tag)}: Kubernetes rejects the ${kind} key ${JSON.stringify(key)}: ${keyWhy}`, `use a key like ${kind === "label" ? "team" : "example.com/owner"} (letters, digits, '-', '_', '.'; up to 63 characters; optional DNS prefix and '/')`);
      else if (valueWhy) bad(`tag ${JSON.stringify(tag)}: Kubernetes rejects the label value ${JSON.stringify(value)}: ${valueWhy}`, "shorten or simplify the value, or make it an annotation (annotation values may be any text)");
      else (kind === "label" ? config.labels : config.annotations)[key] = value;
      return true;
    }
    case "image": {
      const ref = rest.join(":");
      const why = ref ? imageRefProblem(ref) : undefined;
      if (!ref) bad(`tag ${JSON.stringify(tag)} names no image`, "write it as image:REGISTRY/NAME:TAG");
      else if (why) bad(`tag ${JSON.stringify(tag)}: ${why}`, "write it as image:REGISTRY/NAME:TAG or image:NAME@sha256:DIGEST, e.g. image:docker.io/library/python:3.11-slim");
      else config.image = ref;
      return true;
    }
    case "cache":
    case "report": {
      const v = rest.join(":");
      if (v !== "enabled" && v !== "disabled") bad(`tag ${JSON.stringify(tag)}: the value must be enabled or disabled`, `write ${kind}:enabled or ${kind}:disabled`);
      else config[kind] = v === "enabled";
      return true;
    }
    case "secret": {
      const [secret, key, env, ...extra] = rest;
      if (!secret || !key || !env || extra.length) bad(`tag ${JSON.stringify(tag)} must have three parts`, "write it as secret:SECRET_NAME:KEY:ENV_VAR");
      else if (!ENV_NAME.test(env)) bad(`tag ${JSON.stringify(tag)}: ${JSON.stringify(env)} is not a valid environment variable name`, "use letters, digits and _ (not starting with a digit)");
      else {
        config.secrets = config.secrets.filter((s) => s.env !== env);
        config.secrets.push({ secret, key, env });
      }
      return true;
    }
    default:
      return false;
  }
}

/**
 * An empty `block:` / `step:` tag (Kale's JupyterLab extension writes `block:` when no name was
 * chosen): Kale's nbprocessor reads it as no step name, so the cell continues the previous block.
 */
export const isEmptyStepTag = (tag: unknown): boolean => typeof tag === "string" && /^(block|step):\s*$/.test(tag.trim());

/** A tag that gives the cell a place of its own (not `skip`, not an empty `block:`). */
export const placesCell = (tag: unknown): boolean => !(typeof tag === "string" && tag.trim() === "skip") && !isEmptyStepTag(tag);

/** Parses the tags of one code cell; problems are appended, never thrown. */
export function parseCellTags(tags: unknown[], loc: Location, problems: Problem[]): CellTags {
  // Kale stops reading a cell's tags at `skip`: the cell is left out whatever else it carries.
  if (tags.some((t) => typeof t === "string" && t.trim() === "skip")) return { special: "skip", prev: [], config: emptyConfig(), tagged: true };
  const out: CellTags = { prev: [], config: emptyConfig(), tagged: tags.length > 0 };
  const bad = (message: string, fix?: string) => problems.push({ location: loc, message, fix });
  // With an empty block: tag the cell continues the previous step, and Kale drops its prev:/settings tags.
  const continues = tags.some(isEmptyStepTag);
  const steps: string[] = [];
  const specials: string[] = [];
  let configTags = 0;
  for (const raw of tags) {
    if (typeof raw !== "string") {
      bad(`tag ${JSON.stringify(raw)} is not a string`, "remove it from the cell's tags");
      continue;
    }
    const tag = raw.trim();
    if (SPECIAL.has(tag)) {
      specials.push(tag);
      continue;
    }
    const [kind = "", ...rest] = tag.split(":");
    if (kind === "step" || kind === "block") {
      const name = rest.join(":");
      if (!name.trim()) continue;
      if (!STEP_NAME.test(name)) {
        bad(`invalid step name ${JSON.stringify(name)} in tag ${JSON.stringify(tag)}`, "a step name matches [_a-z][_a-z0-9]* (lowercase letters, digits, _; not starting with a digit)");
      } else if (!steps.includes(name)) steps.push(name);
      continue;
    }
    if (kind === "prev") {
      const name = rest.join(":");
      if (!STEP_NAME.test(name)) bad(`invalid step name ${JSON.stringify(name)} in tag ${JSON.stringify(tag)}`, "prev:NAME must name a step (lowercase letters, digits, _)");
      else if (!out.prev.includes(name)) out.prev.push(name);
      continue;
    }
    if (kind === "notebook") {
      const name = rest.join(":");
      if (!STEP_NAME.test(name)) bad(`invalid notebook reference name ${JSON.stringify(name)} in tag ${JSON.stringify(tag)}`, "notebook:NAME uses the step-name grammar [_a-z][_a-z0-9]*");
      else if (out.notebook && out.notebook !== name) bad(`the cell references two notebooks (${out.notebook}, ${name})`, "use one notebook: tag per cell");
      else out.notebook = name;
      continue;
    }
    if (applyConfigTag(kind, rest, tag, out.config, bad)) {
      configTags++;
      continue;
    }
    if (tag === "parameters") bad('unknown tag "parameters" (papermill\'s spelling)', "Kale and nbbuild call it pipeline-parameters: rename the tag");
    else bad(`unknown tag ${JSON.stringify(tag)}`, FIX_TAGS);
  }
  if (steps.length > 1) bad(`the cell has two step names (${steps.join(", ")})`, "keep one step:/block: tag per cell; a step's cells may be spread over several cells with the same name");
  const roles = [...new Set(specials), ...(steps.length ? [`step:${steps.join("/")}`] : []), ...(out.notebook ? [`notebook:${out.notebook}`] : [])];
  if (roles.length > 1) bad(`the cell has conflicting roles (${roles.join(", ")})`, "give each cell one of: a step name, imports, functions, pipeline-parameters, pipeline-metrics, skip, notebook:NAME");
  out.special = specials[0] as SpecialTag | undefined;
  out.step = steps[0];
  if (continues && !out.step) {
    out.prev = [];
    out.config = emptyConfig();
    configTags = 0;
  }
  if (out.prev.length && !out.step) bad("prev: tag on a cell without a step:/block: tag", "add step:NAME to the cell, or remove the prev: tags");
  if (configTags && !out.step) bad("step settings (limit/label/annotation/image/cache/report/secret) on a cell without a step:/block: tag", "move the tags to the step's first cell");
  return out;
}

/** Parses Kale's `steps_defaults` (a list of tag strings) into a config applied to every step. */
export function parseStepsDefaults(list: unknown, loc: Location, problems: Problem[]): StepConfig {
  const config = emptyConfig();
  if (list === undefined || list === null) return config;
  if (!Array.isArray(list)) {
    problems.push({ location: loc, message: "kubeflow_notebook.steps_defaults must be a list of tag strings", fix: 'e.g. "steps_defaults": ["label:team:ml", "limit:memory:2Gi"]' });
    return config;
  }
  for (const raw of list) {
    const tag = String(raw).trim();
    const [kind = "", ...rest] = tag.split(":");
    const ok = applyConfigTag(kind, rest, tag, config, (message, fix) => problems.push({ location: loc, message: `steps_defaults: ${message}`, fix }));
    if (!ok) problems.push({ location: loc, message: `steps_defaults: unrecognized entry ${JSON.stringify(tag)}`, fix: "steps_defaults accepts label:, annotation:, limit:, image:, cache:, report: and secret: entries" });
  }
  return config;
}

/** Merges step configs: later ones win key by key (secrets by env var name). */
export function mergeConfig(base: StepConfig, over: StepConfig): StepConfig {
  const secrets = [...base.secrets.filter((s) => !over.secrets.some((o) => o.env === s.env)), ...over.secrets];
  return {
    limits: { ...base.limits, ...over.limits },
    labels: { ...base.labels, ...over.labels },
    annotations: { ...base.annotations, ...over.annotations },
    secrets,
    image: over.image ?? base.image,
    cache: over.cache ?? base.cache,
    report: over.report ?? base.report,
  };
}
