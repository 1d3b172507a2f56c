/**
 * A tiny typed description of protobuf messages and a checker that reads JSON the way Go's
 * strict protojson.Unmarshal does (what the KFP server and driver use): unknown fields rejected,
 * scalar kinds checked, enum names legal, at most one member of each oneof. Field names are the
 * proto JSON (camelCase) names. Errors name the field path.
 */
import { versionAtLeast } from "./resources.js";

/** The JSON kind a proto field takes. */
export type FieldType =
  | "string"
  | "bool"
  | "double"
  | "int"
  /** google.protobuf.Value: any JSON value. */
  | "value"
  /** google.protobuf.Struct: any JSON object. */
  | "struct"
  | { enum: readonly string[] }
  | { msg: string }
  | { map: FieldType }
  | { list: FieldType };

/** A field with its kind and the backend version that introduced it. */
export interface FieldDef {
  type: FieldType;
  /** Oldest KFP backend whose proto knows the field (absent: known to 2.0.5). */
  since?: string;
}

/** A proto message: its fields (by JSON name), oneofs and server-required fields. */
export interface MessageDef {
  fields: Record<string, FieldType | FieldDef>;
  /** Groups of fields of which at most one may be set. */
  oneofs?: string[][];
  /** Fields the server or driver needs set (proto3 has no `required`; these come from its code). */
  required?: string[];
}

/** Messages by name. */
export type Schema = Record<string, MessageDef>;

/** One validation failure at a field path. */
export interface Issue {
  /** JSON path of the offending field, e.g. `root.dag.tasks.train.componentRef.name`. */
  path: string;
  message: string;
}

/** Validation settings. */
export interface CheckOptions {
  /** Oldest KFP backend that must accept the document; fields newer than it are errors. */
  kfpVersion?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const fieldDef = (f: FieldType | FieldDef): FieldDef =>
  typeof f === "object" && "type" in f ? (f as FieldDef) : { type: f as FieldType };
const join = (path: string, key: string) => (path ? `${path}.${key}` : key);
const snakeToCamel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Checks `value` against message `name` of `schema`, appending issues. */
export function checkMessage(schema: Schema, name: string, value: unknown, path: string, issues: Issue[], opts: CheckOptions = {}): void {
  const def = schema[name];
  if (!def) throw new Error(`proto-check: unknown message ${name}`);
  if (!isObject(value)) {
    issues.push({ path: path || "(document)", message: `must be an object (${name}), got ${describe(value)}` });
    return;
  }
  for (const [key, v] of Object.entries(value)) {
    const raw = def.fields[key];
    const p = join(path, key);
    if (!raw) {
      const camel = snakeToCamel(key);
      const hint = camel !== key && def.fields[camel] ? ` (the proto JSON name is "${camel}")` : "";
      issues.push({ path: p, message: `unknown field "${key}" in ${name}${hint}; strict protojson parsing rejects the whole file` });
      continue;
    }
    const f = fieldDef(raw);
    if (f.since && opts.kfpVersion && !versionAtLeast(opts.kfpVersion, f.since)) {
      issues.push({ path: p, message: `field "${key}" needs a KFP backend >= ${f.since}; the target is ${opts.kfpVersion} (whose strict parser rejects it)` });
    }
    checkType(schema, f.type, v, p, issues, opts);
  }
  for (const group of def.oneofs ?? []) {
    const set = group.filter((k) => value[k] !== undefined);
    if (set.length > 1) issues.push({ path: path || "(document)", message: `only one of ${group.join(", ")} may be set, got ${set.join(" and ")}` });
  }
  for (const r of def.required ?? []) {
    const v = value[r];
    if (v === undefined || v === "" || (Array.isArray(v) && v.length === 0)) {
      issues.push({ path: join(path, r), message: `required field "${r}" of ${name} is missing or empty` });
    }
  }
}

function checkType(schema: Schema, t: FieldType, v: unknown, path: string, issues: Issue[], opts: CheckOptions): void {
  const bad = (what: string): void => {
    issues.push({ path, message: `must be ${what}, got ${describe(v)}` });
  };
  if (v === null && t !== "value") return bad("set (null is not allowed here)");
  switch (t) {
    case "string":
      if (typeof v !== "string") bad("a string");
      return;
    case "bool":
      if (typeof v !== "boolean") bad("true or false");
      return;
    case "double":
      if (typeof v === "number") return;
      if (typeof v === "string" && (/^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v) || ["NaN", "Infinity", "-Infinity"].includes(v))) return;
      bad("a number");
      return;
    case "int":
      if (typeof v === "number" && Number.isInteger(v)) return;
      if (typeof v === "string" && /^-?\d+$/.test(v)) return;
      bad("an integer (number or decimal string)");
      return;
    case "value":
      return;
    case "struct":
      if (!isObject(v)) bad("an object");
      return;
  }
  if ("enum" in t) {
    if (typeof v === "string" && t.enum.includes(v)) return;
    if (typeof v === "number" && Number.isInteger(v) && v >= 0 && v < t.enum.length) return;
    bad(`one of ${t.enum.join(", ")}`);
  } else if ("msg" in t) {
    checkMessage(schema, t.msg, v, path, issues, opts);
  } else if ("map" in t) {
    if (!isObject(v)) return bad("an object (map)");
    for (const [k, item] of Object.entries(v)) checkType(schema, t.map, item, join(path, k), issues, opts);
  } else if ("list" in t) {
    if (!Array.isArray(v)) return bad("a list");
    v.forEach((item, i) => checkType(schema, t.list, item, `${path}[${i}]`, issues, opts));
  }
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  return `${typeof v} ${JSON.stringify(v)}`;
}
