/**
 * Validates objects against the OpenShift build/image OpenAPI definitions in
 * ../shared/reference/openshift/build-image-openapi.json (an openshift/api subset), the way the
 * API server with strict field validation would: unknown fields are errors, required fields must
 * be there, formats are checked — plus the enumerations OpenShift's validation enforces that the
 * OpenAPI text only states in descriptions. Secret and RoleBinding (core and RBAC, not in that
 * file) get small schemas written from the Kubernetes API reference. Test-only: nbbuild itself
 * does not load the file at run time.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv, type ValidateFunction } from "ajv";

const here = path.dirname(fileURLToPath(import.meta.url));
export const OPENAPI_FILE = path.resolve(here, "../../../shared/reference/openshift/build-image-openapi.json");

type Schema = Record<string, unknown>;

const BUILD = "com.github.openshift.api.build.v1.";
const IMAGE = "com.github.openshift.api.image.v1.";
/** Kind → definition name, for the kinds nbbuild writes or reads. */
export const DEFINITION_OF_KIND: Record<string, string> = {
  BuildConfig: `${BUILD}BuildConfig`,
  Build: `${BUILD}Build`,
  BuildRequest: `${BUILD}BuildRequest`,
  ImageStream: `${IMAGE}ImageStream`,
  ImageStreamTag: `${IMAGE}ImageStreamTag`,
  Secret: "nbbuild.test.Secret",
  RoleBinding: "nbbuild.test.RoleBinding",
};

const META = { $ref: "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" };
const EXTRA_DEFINITIONS: Record<string, Schema> = {
  "nbbuild.test.Secret": {
    type: "object",
    required: ["apiVersion", "kind", "metadata"],
    properties: {
      apiVersion: { const: "v1" }, kind: { const: "Secret" }, metadata: META,
      type: { type: "string" }, immutable: { type: "boolean" },
      data: { type: "object", additionalProperties: { type: "string", format: "byte" } },
      stringData: { type: "object", additionalProperties: { type: "string" } },
    },
  },
  "nbbuild.test.RoleBinding": {
    type: "object",
    required: ["apiVersion", "kind", "metadata", "roleRef"],
    properties: {
      apiVersion: { const: "rbac.authorization.k8s.io/v1" }, kind: { const: "RoleBinding" }, metadata: META,
      roleRef: {
        type: "object", required: ["apiGroup", "kind", "name"],
        properties: { apiGroup: { type: "string" }, kind: { enum: ["Role", "ClusterRole"] }, name: { type: "string" } },
      },
      subjects: {
        type: "array",
        items: {
          type: "object", required: ["kind", "name"],
          properties: { apiGroup: { type: "string" }, kind: { enum: ["User", "Group", "ServiceAccount"] }, name: { type: "string" }, namespace: { type: "string" } },
        },
      },
    },
  },
};

/** Objects with listed properties get `additionalProperties: false` (strict field validation). */
function strict(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strict);
  if (!node || typeof node !== "object") return node;
  const out: Schema = {};
  for (const [k, v] of Object.entries(node as Schema)) {
    if (k.startsWith("x-")) continue;
    out[k] = k === "properties" ? Object.fromEntries(Object.entries(v as Schema).map(([p, s]) => [p, strict(s)])) : strict(v);
  }
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  // OpenAPI v2 puts `description` beside `$ref`; draft-07 ignores siblings of $ref anyway.
  if (out.$ref) return { $ref: out.$ref };
  return out;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const TRIGGER_FIELD: Record<string, string | undefined> = {
  GitHub: "github", Generic: "generic", GitLab: "gitlab", Bitbucket: "bitbucket", ImageChange: "imageChange", ConfigChange: undefined,
};

/** Checks the OpenAPI text leaves to descriptions (OpenShift's validation.go enforces them). */
function semanticIssues(obj: Schema): string[] {
  const issues: string[] = [];
  const meta = (obj.metadata ?? {}) as Schema;
  const name = meta.name;
  if (obj.kind !== "ImageStreamTag" && typeof name === "string" && (!DNS_LABEL.test(name) || name.length > 63)) {
    issues.push(`metadata.name "${name}" is not a DNS-1123 label`);
  }
  const walk = (v: unknown, at: string) => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${at}[${i}]`));
    else if (v && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) {
        if (k === "runAsUser" || k === "fsGroup" || k === "securityContext") issues.push(`${at}.${k}: pod security settings are rejected by restricted-v2`);
        walk(x, `${at}.${k}`);
      }
    }
  };
  walk(obj, "");
  if (obj.kind === "BuildConfig") {
    const spec = obj.spec as Schema;
    if (spec.runPolicy !== undefined && !["Serial", "Parallel", "SerialLatestOnly"].includes(spec.runPolicy as string)) issues.push(`spec.runPolicy "${String(spec.runPolicy)}" is not Serial, Parallel or SerialLatestOnly`);
    const strategy = spec.strategy as Schema;
    if (strategy.type === "Source" && !strategy.sourceStrategy) issues.push("spec.strategy.type Source needs sourceStrategy");
    if (!["Source", "Docker", "Custom", "JenkinsPipeline"].includes(strategy.type as string)) issues.push(`spec.strategy.type "${String(strategy.type)}" is unknown`);
    for (const [i, t] of ((spec.triggers ?? []) as Schema[]).entries()) {
      if (!(String(t.type) in TRIGGER_FIELD)) issues.push(`spec.triggers[${i}].type "${String(t.type)}" is unknown`);
      const field = TRIGGER_FIELD[t.type as string];
      if (field && !t[field]) issues.push(`spec.triggers[${i}]: type ${String(t.type)} needs ${field}`);
      for (const other of Object.values(TRIGGER_FIELD)) if (other && other !== field && t[other]) issues.push(`spec.triggers[${i}]: ${other} set on a ${String(t.type)} trigger`);
      const hook = field && t[field] && field !== "imageChange" ? (t[field] as Schema) : undefined;
      if (hook && !hook.secret && !(hook.secretReference as Schema | undefined)?.name) issues.push(`spec.triggers[${i}]: webhook without a secret`);
    }
    const to = (spec.output as Schema | undefined)?.to as Schema | undefined;
    if (to && to.kind === "ImageStreamTag" && !/^[^:]+:[^:]+$/.test(String(to.name))) issues.push(`spec.output.to.name "${String(to.name)}" is not name:tag`);
  }
  return issues;
}

/** A validator per kind, compiled once. */
export class OpenShiftSchemas {
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly ajv: Ajv;

  constructor(file = OPENAPI_FILE) {
    const doc = JSON.parse(readFileSync(file, "utf8")) as { definitions: Schema };
    const definitions = strict({ ...doc.definitions, ...EXTRA_DEFINITIONS }) as Schema;
    this.ajv = new Ajv({ allErrors: true, strict: false });
    this.ajv.addFormat("int32", { type: "number", validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 31 });
    this.ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isInteger(n) });
    this.ajv.addFormat("byte", /^[A-Za-z0-9+/]*={0,2}$/);
    this.ajv.addFormat("date-time", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
    this.ajv.addSchema({ $id: "openshift", definitions });
  }

  /** Problems of `obj` as a `kind` (schema errors, then semantic ones); [] when valid. */
  issues(obj: unknown, kind = (obj as Schema | undefined)?.kind as string): string[] {
    const def = DEFINITION_OF_KIND[kind];
    if (!def) return [`no schema for kind ${String(kind)}`];
    let v = this.validators.get(def);
    if (!v) {
      v = this.ajv.compile({ $ref: `openshift#/definitions/${def}` });
      this.validators.set(def, v);
    }
    const issues = v(obj) ? [] : (v.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""}${e.params && "additionalProperty" in e.params ? ` (${String(e.params.additionalProperty)})` : ""}`);
    if (!issues.length && obj && typeof obj === "object" && kind !== "BuildRequest") issues.push(...semanticIssues(obj as Schema));
    if ((obj as Schema)?.kind !== undefined && (obj as Schema).kind !== kind) issues.push(`kind is ${String((obj as Schema).kind)}, expected ${kind}`);
    return issues;
  }
}
