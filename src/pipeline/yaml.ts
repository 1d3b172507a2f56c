/**
 * The one place pipeline objects become text: keys sorted (as the KFP SDK writes them), fixed
 * document order, no anchors, no line folding — the same bytes on every run and machine.
 */
import yaml from "js-yaml";
import type { ParamType } from "../plan/types.js";
import type { KfpIr } from "./kfp-types.js";

/**
 * Strings that js-yaml (YAML 1.2) writes plain but YAML 1.1 readers — the Go yaml library behind
 * the KFP server and kubectl — read as numbers: digit groups with underscores, sexagesimal.
 */
const YAML11_NUMBER = /^[-+]?(?:[0-9][0-9_]*_[0-9_]*(?:\.[0-9_]*)?|\.[0-9_]*_[0-9_]*|[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?)$/;

/** Dumps one object as YAML, deterministically, quoting strings a YAML 1.1 reader would misread. */
export function dumpYaml(doc: unknown): string {
  const quoted: string[] = [];
  const mark = (s: string) => (YAML11_NUMBER.test(s) ? `NBBUILDQUOTED${quoted.push(s) - 1}X` : s);
  const protect = (v: unknown): unknown => {
    if (typeof v === "string") return mark(v);
    if (Array.isArray(v)) return v.map(protect);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [mark(k), protect(x)]));
    return v;
  };
  const text = yaml.dump(protect(doc), { sortKeys: true, noRefs: true, lineWidth: -1, noArrayIndent: true });
  if (!quoted.length) return text;
  return text.replace(/NBBUILDQUOTED(\d+)X/g, (_m, i: string) => `'${quoted[Number(i)]!}'`);
}

const PY_TYPE: Record<ParamType, string> = { NUMBER_INTEGER: "int", NUMBER_DOUBLE: "float", STRING: "str", BOOLEAN: "bool" };
const oneLine = (s: string) => s.replace(/\s*\n\s*/g, " ");

/** The SDK-style comment header: name, description and inputs with defaults. */
function kfpHeader(ir: KfpIr): string {
  const spec = ir.pipelineSpec;
  const lines = ["# PIPELINE DEFINITION", `# Name: ${oneLine(spec.pipelineInfo.name)}`];
  if (spec.pipelineInfo.description) lines.push(`# Description: ${oneLine(spec.pipelineInfo.description)}`);
  const params = spec.root.inputDefinitions?.parameters ?? {};
  const names = Object.keys(params).sort();
  if (names.length) {
    lines.push("# Inputs:");
    for (const n of names) {
      const p = params[n]!;
      const dflt = p.defaultValue === undefined ? "" : ` [Default: ${oneLine(JSON.stringify(p.defaultValue))}]`;
      lines.push(`#    ${n}: ${PY_TYPE[p.parameterType]}${dflt}`);
    }
  }
  return lines.join("\n") + "\n";
}

/** The KFP pipeline file: header, PipelineSpec document, then the platform spec document if any. */
export function stringifyKfp(ir: KfpIr): string {
  let out = kfpHeader(ir) + dumpYaml(ir.pipelineSpec);
  if (ir.platformSpec) out += "---\n" + dumpYaml(ir.platformSpec);
  return out;
}

/** The Argo Workflow file (one document). */
export function stringifyArgo(workflow: object): string {
  return dumpYaml(workflow);
}

/** Parses every YAML document in a pipeline file (empty documents dropped). */
export function parseYamlDocuments(text: string): unknown[] {
  return yaml.loadAll(text).filter((d) => d !== null && d !== undefined);
}
