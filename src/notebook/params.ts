/** The `pipeline-parameters` and `pipeline-metrics` cells, read with the Python parser. */
import { parsePython } from "../analysis/parse-python.js";
import type { SyntaxNode } from "@lezer/common";
import type { Location, Problem } from "../errors.js";
import { pyStringValue } from "../analysis/literals.js";
import type { ParamType, ParamValue } from "../plan/types.js";

/** One literal assignment of a parameters cell. */
export interface ParsedParam {
  name: string;
  type: ParamType;
  default: ParamValue;
  line: number;
}

function lineOf(src: string, pos: number): number {
  let n = 1;
  for (let i = 0; i < pos; i++) if (src.charCodeAt(i) === 10) n++;
  return n;
}

function statements(src: string): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = parsePython(src).topNode.firstChild; c; c = c.nextSibling) {
    if (c.name !== "Comment") out.push(c);
  }
  return out;
}

/** Evaluates a number/string/bool literal node (with optional unary minus). */
function literal(node: SyntaxNode, src: string): { type: ParamType; value: ParamValue } | undefined {
  const text = src.slice(node.from, node.to);
  switch (node.name) {
    case "Boolean":
      return { type: "BOOLEAN", value: text === "True" };
    case "String": {
      const v = pyStringValue(text);
      return v === undefined ? undefined : { type: "STRING", value: v };
    }
    case "Number": {
      const t = text.replace(/_/g, "");
      if (/[jJ]$/.test(t)) return undefined;
      if (/^0[xX][0-9a-fA-F]+$|^0[oO][0-7]+$|^0[bB][01]+$/.test(t)) return { type: "NUMBER_INTEGER", value: Number(t.toLowerCase().replace(/^0o/, "0o")) };
      if (/^\d+$/.test(t)) return { type: "NUMBER_INTEGER", value: Number(t) };
      const f = Number(t);
      return Number.isFinite(f) ? { type: "NUMBER_DOUBLE", value: f } : undefined;
    }
    case "UnaryExpression": {
      const op = node.firstChild;
      const arg = op?.nextSibling;
      const opText = op ? src.slice(op.from, op.to) : "";
      if (!arg || arg.name !== "Number" || (opText !== "-" && opText !== "+")) return undefined;
      const v = literal(arg, src);
      return v && typeof v.value === "number" ? { type: v.type, value: opText === "-" ? -v.value : v.value } : undefined;
    }
    default:
      return undefined;
  }
}

const PARAM_FIX = "a pipeline-parameters cell holds only assignments of literals, one per line, e.g. SEED = 42, LR = 0.1, NAME = 'x', DEBUG = False; compute derived values in a step";

/** Parses a parameters cell: single-target assignments of int/float/str/bool literals. */
export function parseParameters(src: string, loc: Location, problems: Problem[]): ParsedParam[] {
  const out: ParsedParam[] = [];
  for (const st of statements(src)) {
    const line = lineOf(src, st.from);
    const text = src.slice(st.from, st.to).trim();
    const bad = (why: string) => problems.push({ location: { ...loc, line }, message: `pipeline-parameters: ${JSON.stringify(text)} ${why}`, fix: PARAM_FIX });
    if (st.name !== "AssignStatement") {
      bad("is not an assignment");
      continue;
    }
    const kids: SyntaxNode[] = [];
    for (let c = st.firstChild; c; c = c.nextSibling) kids.push(c);
    const ops = kids.filter((k) => k.name === "AssignOp");
    const target = kids[0];
    const typeDef = kids[1]?.name === "TypeDef";
    const value = kids[typeDef ? 3 : 2];
    if (ops.length !== 1 || target?.name !== "VariableName" || !value || kids.length !== (typeDef ? 4 : 3)) {
      bad("is not a single-target assignment (NAME = literal)");
      continue;
    }
    const lit = literal(value, src);
    if (!lit) {
      bad("does not assign an int, float, str or bool literal");
      continue;
    }
    const name = src.slice(target.from, target.to);
    const prev = out.findIndex((p) => p.name === name);
    if (prev >= 0) out.splice(prev, 1);
    out.push({ name, type: lit.type, default: lit.value, line });
  }
  return out;
}

/** Parses a metrics cell: one `print(var)` or bare `var` per line; returns the names with their lines. */
export function parseMetrics(src: string, loc: Location, problems: Problem[]): { name: string; line: number }[] {
  const out: { name: string; line: number }[] = [];
  for (const st of statements(src)) {
    const line = lineOf(src, st.from);
    const expr = st.name === "ExpressionStatement" ? st.firstChild : null;
    let name: string | undefined;
    if (expr?.name === "VariableName" && !expr.nextSibling) name = src.slice(expr.from, expr.to);
    else if (expr?.name === "CallExpression" && !expr.nextSibling) {
      const callee = expr.firstChild;
      const args = callee?.nextSibling;
      const argNodes: SyntaxNode[] = [];
      for (let c = args?.firstChild ?? null; c; c = c.nextSibling) if (c.name !== "(" && c.name !== ")") argNodes.push(c);
      if (callee && src.slice(callee.from, callee.to) === "print" && argNodes.length === 1 && argNodes[0]!.name === "VariableName") {
        name = src.slice(argNodes[0]!.from, argNodes[0]!.to);
      }
    }
    if (!name) {
      problems.push({
        location: { ...loc, line },
        message: `pipeline-metrics: ${JSON.stringify(src.slice(st.from, st.to).trim())} is not print(VARIABLE) or a bare variable`,
        fix: "list one metric per line as print(accuracy) or accuracy; compute the value in a step",
      });
      continue;
    }
    if (!out.some((m) => m.name === name)) out.push({ name, line });
  }
  return out;
}
