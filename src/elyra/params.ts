/**
 * Elyra pipeline parameters (`app_data.properties.pipeline_parameters`) as typed Plan parameters.
 * Elyra hands a node the parameters it lists in its own `pipeline_parameters` as environment
 * variables; the Plan records them in Step.parameters and the runner exports them (see the report).
 */
import type { Parameter, ParamType, ParamValue } from "../plan/types.js";
import type { Report } from "./props.js";

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Elyra's KFP parameter types and the KFP IR types they become. */
const TYPES: Record<string, ParamType> = {
  String: "STRING",
  Integer: "NUMBER_INTEGER",
  Float: "NUMBER_DOUBLE",
  Bool: "BOOLEAN",
};

const PYTHON_KEYWORDS = new Set(
  ("False None True and as assert async await break class continue def del elif else except finally for from " +
    "global if import in is lambda nonlocal not or pass raise return try while with yield").split(" "),
);

/** Converts a value written in the file to the parameter's type, or undefined when it does not fit. */
function typed(type: ParamType, value: unknown): ParamValue | undefined {
  switch (type) {
    case "STRING":
      return typeof value === "string" ? value : typeof value === "number" || typeof value === "boolean" ? String(value) : undefined;
    case "BOOLEAN":
      if (typeof value === "boolean") return value;
      if (value === "True" || value === "true") return true;
      if (value === "False" || value === "false") return false;
      return undefined;
    case "NUMBER_INTEGER": {
      const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
      return typeof n === "number" && Number.isInteger(n) ? n : undefined;
    }
    case "NUMBER_DOUBLE": {
      const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
      return typeof n === "number" && Number.isFinite(n) ? n : undefined;
    }
  }
}

/** Reads the pipeline parameters; `report(name, message, fix)` names the parameter at fault. */
export function readParameters(list: unknown[], file: string, report: Report): Parameter[] {
  const out: Parameter[] = [];
  for (const item of list) {
    if (!isObject(item)) continue;
    const name = typeof item.name === "string" ? item.name.trim() : "";
    if (!name) {
      report(`pipeline parameter ${JSON.stringify(item)} has no name`, "give every pipeline parameter a name");
      continue;
    }
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || PYTHON_KEYWORDS.has(name)) {
      report(`pipeline parameter "${name}" is not a valid name`, "use a Python identifier that is not a keyword (letters, digits, _)");
      continue;
    }
    if (out.some((p) => p.name === name)) {
      report(`pipeline parameter "${name}" is declared twice`, "remove one of the two declarations");
      continue;
    }
    const dv = isObject(item.default_value) ? item.default_value : {};
    const elyraType = typeof dv.type === "string" ? dv.type : "String";
    const type = TYPES[elyraType];
    if (!type) {
      report(`pipeline parameter "${name}" has type "${elyraType}"`, `use one of ${Object.keys(TYPES).join(", ")}`);
      continue;
    }
    const raw = dv.value !== undefined && dv.value !== null && dv.value !== "" ? dv.value : item.value;
    let value: ParamValue | undefined;
    if (raw === undefined || raw === null || raw === "") {
      if (type === "STRING" && item.required !== true) value = "";
      else if (type === "BOOLEAN" && item.required !== true) value = false;
      else {
        report(
          `pipeline parameter "${name}" (${elyraType}${item.required === true ? ", required" : ""}) has no default value`,
          "give it a default value in the pipeline properties; nbbuild needs one to type and run the pipeline",
        );
        continue;
      }
    } else {
      value = typed(type, raw);
      if (value === undefined) {
        const article = /^[AEIOU]/.test(elyraType) ? "an" : "a";
        report(`pipeline parameter "${name}": default ${JSON.stringify(raw)} is not ${article} ${elyraType}`, `write ${article} ${elyraType} default value`);
        continue;
      }
    }
    out.push({ name, type, default: value, source: { file } });
  }
  return out;
}
