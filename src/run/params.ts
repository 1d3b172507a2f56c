/** Pipeline parameter values for a run: root defaults overridden by `-p key=value`, typed. */
import { NbbuildError, type Problem } from "../errors.js";
import type { IrParamType, IrValue, RootParam } from "./ir.js";

/** Splits `key=value` flags into a map (the value may contain `=`). */
export function parseAssignments(flags: string[], file: string): Record<string, string> {
  const out: Record<string, string> = {};
  const problems: Problem[] = [];
  for (const f of flags) {
    const i = f.indexOf("=");
    if (i <= 0) problems.push({ location: { file }, message: `-p ${f}: expected key=value` });
    else out[f.slice(0, i)] = f.slice(i + 1);
  }
  if (problems.length) throw new NbbuildError(problems);
  return out;
}

/** Converts a command-line string to a value of the given KFP type, or explains why not. */
export function coerce(raw: string, type: IrParamType): IrValue | Error {
  switch (type) {
    case "STRING":
      return raw;
    case "NUMBER_INTEGER": {
      const n = Number(raw);
      return /^\s*[+-]?\d+\s*$/.test(raw) && Number.isSafeInteger(n) ? n : new Error(`expected an integer, got "${raw}"`);
    }
    case "NUMBER_DOUBLE": {
      const n = Number(raw);
      return raw.trim() !== "" && Number.isFinite(n) ? n : new Error(`expected a number, got "${raw}"`);
    }
    case "BOOLEAN":
      if (/^(true|false)$/i.test(raw.trim())) return raw.trim().toLowerCase() === "true";
      return new Error(`expected true or false, got "${raw}"`);
    case "LIST":
    case "STRUCT": {
      try {
        const v = JSON.parse(raw) as unknown;
        if (type === "LIST" ? Array.isArray(v) : typeof v === "object" && v !== null && !Array.isArray(v)) return v as IrValue;
      } catch {
        /* fall through */
      }
      return new Error(`expected a JSON ${type === "LIST" ? "list" : "object"}, got "${raw}"`);
    }
  }
}

/** Resolves every root parameter's value; unknown names, bad types and missing values fail once. */
export function resolveParams(defs: Record<string, RootParam>, overrides: Record<string, string>, file: string): Record<string, IrValue> {
  const problems: Problem[] = [];
  const values: Record<string, IrValue> = {};
  const known = Object.keys(defs).sort();
  for (const [k, raw] of Object.entries(overrides)) {
    const d = defs[k];
    if (!d) {
      problems.push({
        location: { file },
        message: `unknown parameter "${k}"`,
        fix: known.length ? `the pipeline's parameters are: ${known.join(", ")}` : "this pipeline has no parameters",
      });
      continue;
    }
    const v = coerce(raw, d.type);
    if (v instanceof Error) problems.push({ location: { file }, message: `-p ${k}: ${v.message} (${d.type})` });
    else values[k] = v;
  }
  for (const [k, d] of Object.entries(defs)) {
    if (k in values || k in overrides) continue;
    if (d.default === undefined) problems.push({ location: { file }, message: `parameter "${k}" has no default`, fix: `pass -p ${k}=…` });
    else values[k] = d.default;
  }
  if (problems.length) throw new NbbuildError(problems);
  return values;
}
