/**
 * Validates an Argo Workflow against Argo's own JSON schema (argoproj/argo-workflows
 * api/jsonschema/schema.json, shipped unchanged in the package as schema/argo/, see its NOTICE),
 * plus the checks the schema cannot express: unknown fields (made strict in memory), template
 * references and DAG dependencies.
 */
import fs from "node:fs";
import path from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ValidateFunction } from "ajv";
import { NbbuildError } from "../errors.js";
import { PACKAGE_ROOT } from "../version.js";
import type { Issue } from "./proto-check.js";

/** Argo's schema as shipped in the package. */
export const ARGO_SCHEMA = path.join(PACKAGE_ROOT, "schema", "argo", "workflow-schema.json");

const WORKFLOW = "io.argoproj.workflow.v1alpha1.Workflow";
let compiled: ValidateFunction | undefined;

/** Adds additionalProperties:false to every object definition that lists its properties (k8s strict decoding). */
function strictify(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(strictify);
  if (!node || typeof node !== "object") return;
  const o = node as Record<string, unknown>;
  if (o.properties && typeof o.properties === "object" && o.additionalProperties === undefined) o.additionalProperties = false;
  for (const [k, v] of Object.entries(o)) {
    if (k === "properties") Object.values(v as object).forEach(strictify);
    else if (typeof v === "object") strictify(v);
  }
}

function validator(): ValidateFunction {
  if (compiled) return compiled;
  const schema = JSON.parse(fs.readFileSync(ARGO_SCHEMA, "utf8")) as Record<string, unknown>;
  strictify(schema.definitions);
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema({ ...schema, oneOf: undefined, $id: "argo-schema" });
  compiled = ajv.getSchema(`argo-schema#/definitions/${WORKFLOW}`)!;
  return compiled;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(obj) : []);

/** Cross-references: entrypoint and task templates exist, dependencies name tasks of the same DAG. */
function referenceIssues(wf: Obj, issues: Issue[]): void {
  const spec = obj(wf.spec);
  const templates = list(spec.templates);
  const names = new Set(templates.map((t) => t.name as string));
  if (typeof spec.entrypoint === "string" && !names.has(spec.entrypoint)) {
    issues.push({ path: "spec.entrypoint", message: `template "${spec.entrypoint}" does not exist` });
  }
  templates.forEach((t, i) => {
    const tasks = list(obj(t.dag).tasks);
    const taskNames = new Set(tasks.map((x) => x.name as string));
    tasks.forEach((task, j) => {
      const p = `spec.templates[${i}].dag.tasks[${j}]`;
      if (typeof task.template === "string" && !names.has(task.template)) issues.push({ path: `${p}.template`, message: `template "${task.template}" does not exist` });
      (Array.isArray(task.dependencies) ? task.dependencies : []).forEach((d: unknown, k: number) => {
        if (typeof d === "string" && !taskNames.has(d)) issues.push({ path: `${p}.dependencies[${k}]`, message: `task "${d}" is not in this DAG` });
      });
    });
  });
  const containers = templates.map((t) => obj(t.container)).filter((c) => Object.keys(c).length);
  for (const [i, c] of containers.entries()) {
    if (!Array.isArray(c.command) || !c.command.length) issues.push({ path: `container[${i}].command`, message: "an explicit command is required (no image ENTRYPOINT assumptions)" });
  }
}

/** Issues of a Workflow document: schema errors (with their JSON path) and dangling references. */
export function argoIssues(workflow: unknown): Issue[] {
  const validate = validator();
  const issues: Issue[] = [];
  if (!validate(workflow)) {
    for (const e of validate.errors ?? []) {
      const p = e.instancePath.replace(/^\//, "").replace(/\/(\d+)(?=\/|$)/g, "[$1]").replace(/\//g, ".") || "(document)";
      const extra = e.keyword === "additionalProperties" ? ` "${(e.params as { additionalProperty: string }).additionalProperty}"` : "";
      issues.push({ path: p, message: `${e.message ?? e.keyword}${extra}` });
    }
  }
  referenceIssues(obj(workflow), issues);
  return issues;
}

/** Throws one NbbuildError listing every issue of the Workflow; `file` names the output. */
export function assertValidArgo(workflow: unknown, file: string): void {
  const issues = argoIssues(workflow);
  if (!issues.length) return;
  throw new NbbuildError(
    issues.map((i) => ({ location: { file }, message: `${i.path}: ${i.message}`, fix: "this is a bug in nbbuild's Argo writer; please report it" })),
  );
}
