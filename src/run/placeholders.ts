/**
 * KFP launcher placeholder semantics: the ExecutorInput (`{{$}}`) a task receives and the
 * substitution of `{{$…}}` placeholders in its command and args, rendered exactly as the launcher
 * renders them (numbers via Go's FormatFloat(v, 'f', -1, 64), booleans true/false).
 */
import { PLACEHOLDER } from "../contract.js";
import type { IrValue, RunTask } from "./ir.js";
import { containerPaths } from "./layout.js";

/** A RuntimeArtifact as the ExecutorInput carries it. */
export interface RuntimeArtifact {
  name: string;
  type: { schemaTitle: string; schemaVersion: string };
  uri: string;
  metadata: Record<string, IrValue>;
}

/** The ExecutorInput message in proto JSON form. */
export interface ExecutorInput {
  inputs: {
    parameterValues: Record<string, IrValue>;
    artifacts: Record<string, { artifacts: RuntimeArtifact[] }>;
  };
  outputs: {
    parameters: Record<string, { outputFile: string }>;
    artifacts: Record<string, { artifacts: RuntimeArtifact[] }>;
    outputFile: string;
  };
}

/** Every `{{$…}}` token in the given strings, in order of appearance. */
export function scanPlaceholders(strs: string[]): string[] {
  return strs.flatMap((s) => s.match(PLACEHOLDER) ?? []);
}

/** Go's strconv.FormatFloat(n, 'f', -1, 64): shortest round-trip digits, never an exponent. */
export function formatKfpNumber(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (!Number.isFinite(n)) return n > 0 ? "+Inf" : "-Inf";
  if (Object.is(n, -0)) return "-0";
  const s = String(n);
  if (!/e/i.test(s)) return s;
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(n.toExponential())!;
  const [, sign, lead, frac = "", expS] = m;
  const digits = lead + frac;
  const exp = Number(expS);
  if (exp >= 0) {
    const intLen = exp + 1;
    return digits.length <= intLen
      ? sign + digits + "0".repeat(intLen - digits.length)
      : `${sign}${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
  }
  return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
}

/** A parameter value as the launcher writes it into a placeholder. */
export function renderParam(v: IrValue): string {
  if (typeof v === "string") return v;
  if (typeof v === "number") return formatKfpNumber(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  return JSON.stringify(v);
}

const SCHEMA_VERSION = "0.0.1";

/** Builds a task's ExecutorInput from its resolved parameter values and producers' metadata. */
export function buildExecutorInput(
  task: RunTask,
  paramValues: Record<string, IrValue>,
  inputMetadata: (producer: string, key: string) => Record<string, IrValue> = () => ({}),
): ExecutorInput {
  const artifact = (producer: string, key: string, schemaTitle: string, metadata: Record<string, IrValue>): RuntimeArtifact => ({
    name: key,
    type: { schemaTitle, schemaVersion: SCHEMA_VERSION },
    uri: containerPaths.artifactUri(producer, key),
    metadata,
  });
  const inputs: ExecutorInput["inputs"] = { parameterValues: { ...paramValues }, artifacts: {} };
  for (const [name, a] of Object.entries(task.artifacts)) {
    inputs.artifacts[name] = { artifacts: [artifact(a.producer, a.key, a.schemaTitle, inputMetadata(a.producer, a.key))] };
  }
  const outputs: ExecutorInput["outputs"] = { parameters: {}, artifacts: {}, outputFile: containerPaths.outputFile };
  for (const [name, schemaTitle] of Object.entries(task.outputArtifacts)) {
    outputs.artifacts[name] = { artifacts: [artifact(task.name, name, schemaTitle, {})] };
  }
  for (const name of Object.keys(task.outputParams)) outputs.parameters[name] = { outputFile: containerPaths.outputParam(name) };
  return { inputs, outputs };
}

/** The local path inside the container of an artifact URI we wrote (file:// only). */
function uriPath(uri: string): string {
  if (!uri.startsWith("file://")) throw new Error(`unsupported artifact URI ${uri}`);
  return uri.slice("file://".length);
}

/** The placeholder → replacement map the launcher builds from an ExecutorInput. */
export function placeholderMap(ei: ExecutorInput): Map<string, string> {
  const m = new Map<string, string>();
  m.set("{{$}}", JSON.stringify(ei));
  for (const [n, l] of Object.entries(ei.inputs.artifacts)) {
    const a = l.artifacts[0];
    if (!a) continue;
    m.set(`{{$.inputs.artifacts['${n}'].uri}}`, a.uri);
    m.set(`{{$.inputs.artifacts['${n}'].path}}`, uriPath(a.uri));
  }
  for (const [n, l] of Object.entries(ei.outputs.artifacts)) {
    const a = l.artifacts[0];
    if (!a) continue;
    m.set(`{{$.outputs.artifacts['${n}'].uri}}`, a.uri);
    m.set(`{{$.outputs.artifacts['${n}'].path}}`, uriPath(a.uri));
  }
  for (const [n, v] of Object.entries(ei.inputs.parameterValues)) m.set(`{{$.inputs.parameters['${n}']}}`, renderParam(v));
  for (const [n, p] of Object.entries(ei.outputs.parameters)) m.set(`{{$.outputs.parameters['${n}'].output_file}}`, p.outputFile);
  return m;
}

/**
 * Substitutes placeholders in one pass (a value that itself looks like a placeholder is left
 * alone); an unknown placeholder is an error naming it.
 */
export function substitute(strs: string[], ei: ExecutorInput): string[] {
  const m = placeholderMap(ei);
  return strs.map((s) =>
    s.replace(PLACEHOLDER, (p) => {
      const r = m.get(p);
      if (r === undefined) throw new Error(`placeholder ${p} has no value (unknown form, or an input without a value)`);
      return r;
    }),
  );
}
