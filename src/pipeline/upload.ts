/**
 * `nbbuild upload`: sends a KFP pipeline file to the KFP REST API v2beta1
 * (backend/src/apiserver/server/pipeline_upload_server.go): a new pipeline, or — when the name is
 * taken (409) — a new version of it; optionally starts a run. The bearer token comes only from an
 * environment variable and is never printed.
 */
import { createHash } from "node:crypto";
import path from "node:path";
import { NbbuildError } from "../errors.js";
import type { ParamType } from "../plan/types.js";
import { DEFAULT_TOKEN_ENV } from "./token-env.js";
import { validateKfpText } from "./validate-kfp.js";
import { parseYamlDocuments } from "./yaml.js";


/** Where and how to upload (flags of `nbbuild upload`). */
export interface UploadOptions {
  /** Base URL of the KFP API (the `ds-pipeline-<name>` route on OpenShift AI). */
  host: string;
  /** Pipeline name (default: pipelineInfo.name of the file). */
  name?: string;
  /** Version name when the pipeline exists (default: `<name>-<sha256 of the file, 12 hex>`). */
  version?: string;
  description?: string;
  /** KFP multi-user namespace (profile) for a new pipeline. */
  namespace?: string;
  /** Name of the environment variable holding the token (default KF_PIPELINES_TOKEN). */
  tokenEnv?: string;
  /** True when the user named --token-env explicitly: then an empty variable is an error. */
  tokenEnvExplicit?: boolean;
  run?: boolean;
  /** Run parameter overrides `key=value`, typed by the file's root parameters. */
  params?: string[];
  experimentId?: string;
  /** Experiment by display name (found, or created in --namespace), e.g. Kale's experiment_name. */
  experiment?: string;
  runName?: string;
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
}

/** Ids the server gave back. */
export interface UploadResult {
  pipelineId: string;
  pipelineVersionId?: string;
  /** "pipeline": a new pipeline was created; "version": a new version of an existing one. */
  created: "pipeline" | "version";
  name: string;
  versionName?: string;
  runId?: string;
}

type Json = Record<string, unknown>;

/** Turns `-p key=value` strings into run parameters typed like the pipeline's root inputs. */
export function typedRunParameters(pairs: string[], types: Record<string, ParamType | string>, file: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const problems: { location: { file: string }; message: string; fix?: string }[] = [];
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) {
      problems.push({ location: { file: "-p" }, message: `"${pair}" is not key=value` });
      continue;
    }
    const key = pair.slice(0, eq);
    const raw = pair.slice(eq + 1);
    const type = types[key];
    if (!type) {
      problems.push({ location: { file }, message: `the pipeline has no parameter "${key}"`, fix: `known parameters: ${Object.keys(types).sort().join(", ") || "(none)"}` });
      continue;
    }
    const num = Number(raw);
    if (type === "NUMBER_INTEGER" && (raw.trim() === "" || !Number.isInteger(num))) problems.push({ location: { file: "-p" }, message: `${key} must be an integer, got "${raw}"` });
    else if (type === "NUMBER_DOUBLE" && (raw.trim() === "" || !Number.isFinite(num))) problems.push({ location: { file: "-p" }, message: `${key} must be a number, got "${raw}"` });
    else if (type === "BOOLEAN" && !/^(true|false)$/i.test(raw)) problems.push({ location: { file: "-p" }, message: `${key} must be true or false, got "${raw}"` });
    else if (type === "LIST" || type === "STRUCT") {
      try {
        out[key] = JSON.parse(raw);
      } catch {
        problems.push({ location: { file: "-p" }, message: `${key} must be JSON, got "${raw}"` });
      }
    } else out[key] = type === "STRING" ? raw : type === "BOOLEAN" ? /^true$/i.test(raw) : num;
  }
  if (problems.length) throw new NbbuildError(problems);
  return out;
}

/** What to do about an HTTP error status from the KFP API, for the user. */
function httpError(status: number, body: string, url: string, tokenSent: boolean, tokenEnv: string): NbbuildError {
  let detail = body.trim().slice(0, 500);
  try {
    const j = JSON.parse(body) as Json;
    detail = String(j.error_message ?? j.message ?? j.error ?? detail);
  } catch {
    /* not JSON: keep the text */
  }
  const at = { file: url };
  const said = detail ? ` — server said: ${detail}` : "";
  switch (status) {
    case 401:
      return NbbuildError.at(at, `401 Unauthorized: the API did not accept ${tokenSent ? "the token" : "the request (no token was sent)"}${said}`,
        tokenSent
          ? `the token in $${tokenEnv} is wrong or expired: refresh it (on OpenShift: export ${tokenEnv}=$(oc whoami -t))`
          : `put a bearer token in an environment variable (on OpenShift: export ${tokenEnv}=$(oc whoami -t)) and pass --token-env ${tokenEnv}`);
    case 403:
      return NbbuildError.at(at, `403 Forbidden: the token is valid but may not use this pipelines API${said}`,
        "ask for edit rights in the project / namespace that owns the pipeline server (OpenShift AI checks RBAC on the DataSciencePipelinesApplication), or check --namespace");
    case 404:
      return NbbuildError.at(at, `404 Not Found${said}`,
        "--host must be the base URL of the KFP API (on OpenShift AI the ds-pipeline-<name> route, e.g. https://ds-pipeline-dspa-<project>.apps.<cluster>), without /apis/... ; check the pipeline/experiment ids");
    case 409:
      return NbbuildError.at(at, `409 Conflict: it already exists${said}`, "choose another name with --name, or another version name with --version");
    default:
      return NbbuildError.at(at, `HTTP ${status} from the KFP API${said}`,
        status === 400 ? "if the message mentions the pipeline spec, validate the file with `nbbuild pipeline`; an authorization message means the token lacks rights" : undefined);
  }
}

/** A small KFP API client bound to one host and token. */
class KfpApi {
  private readonly base: string;
  constructor(
    host: string,
    private readonly token: string | undefined,
    private readonly tokenEnv: string,
    private readonly doFetch: typeof fetch,
  ) {
    let u: URL;
    try {
      u = new URL(host);
    } catch {
      throw NbbuildError.at({ file: "--host" }, `"${host}" is not a URL`, "pass the API base URL, e.g. https://ds-pipeline-dspa-myproject.apps.example.com");
    }
    if (u.protocol !== "http:" && u.protocol !== "https:") throw NbbuildError.at({ file: "--host" }, `"${host}" is not an http(s) URL`);
    this.base = u.toString().replace(/\/+$/, "");
  }

  url(p: string, query: Record<string, string | undefined> = {}): string {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== "") q.set(k, v);
    const qs = q.toString();
    return `${this.base}${p}${qs ? `?${qs}` : ""}`;
  }

  /** Sends a request; returns status and text; throws NbbuildError for network failures and redirects. */
  async send(method: string, url: string, body?: BodyInit, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
    const h: Record<string, string> = { Accept: "application/json", ...headers };
    if (this.token) h.Authorization = `Bearer ${this.token}`;
    let res: Response;
    try {
      res = await this.doFetch(url, { method, body, headers: h, redirect: "manual", signal: AbortSignal.timeout(120_000) });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw NbbuildError.at({ file: url }, `cannot reach the KFP API: ${cause?.code ?? cause?.message ?? (e as Error).message}`,
        "check --host (scheme, host name, port) and that you can reach it; for a private CA set NODE_EXTRA_CA_CERTS");
    }
    const text = await res.text();
    if (res.status >= 300 && res.status < 400) {
      throw NbbuildError.at({ file: url }, `the API redirected to ${res.headers.get("location") ?? "another page"} (usually a login page: the token was missing or not accepted)`,
        `put a valid bearer token in $${this.tokenEnv} (on OpenShift: export ${this.tokenEnv}=$(oc whoami -t))`);
    }
    return { status: res.status, text };
  }

  /** Parses a 2xx JSON response or throws the matching NbbuildError. */
  json(r: { status: number; text: string }, url: string): Json {
    if (r.status < 200 || r.status >= 300) throw httpError(r.status, r.text, url, !!this.token, this.tokenEnv);
    try {
      return JSON.parse(r.text) as Json;
    } catch {
      throw NbbuildError.at({ file: url }, `the answer is not JSON (${r.text.slice(0, 80).replace(/\s+/g, " ")}…)`, "--host must point at the KFP API itself, not at a dashboard or login page");
    }
  }

  async upload(p: string, query: Record<string, string | undefined>, text: string, filename: string): Promise<{ status: number; text: string; url: string }> {
    const form = new FormData();
    form.append("uploadfile", new Blob([text], { type: "application/x-yaml" }), filename);
    const url = this.url(p, query);
    return { ...(await this.send("POST", url, form)), url };
  }
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v ? v : undefined);

/** Uploads the pipeline file text (validated first) and optionally starts a run. */
export async function uploadPipeline(file: string, text: string, opts: UploadOptions): Promise<UploadResult> {
  const docs = parseYamlDocuments(text);
  const first = (docs[0] ?? {}) as Json;
  if (first.kind === "Workflow") {
    throw NbbuildError.at({ file }, "this is an Argo Workflow; the KFP API takes KFP pipeline files", "write one with `nbbuild pipeline FILE` (default --format kfp), or submit this file with `argo submit`");
  }
  validateKfpText(text, file);
  const info = (first.pipelineInfo ?? {}) as Json;
  const name = opts.name ?? String(info.name);
  const description = opts.description ?? str(info.description);
  const rootParams = (((first.root as Json)?.inputDefinitions as Json)?.parameters ?? {}) as Record<string, Json>;
  const types = Object.fromEntries(Object.entries(rootParams).map(([k, v]) => [k, String(v.parameterType)]));
  const runParams = opts.run ? typedRunParameters(opts.params ?? [], types, file) : {};
  if (!opts.run && opts.params?.length) throw NbbuildError.at({ file: "-p" }, "-p only applies together with --run");
  if (opts.experiment && opts.experimentId) throw NbbuildError.at({ file: "--experiment" }, "give --experiment or --experiment-id, not both");
  if (!opts.run && (opts.experiment || opts.experimentId)) throw NbbuildError.at({ file: "--experiment" }, "an experiment only applies together with --run");

  const env = opts.env ?? process.env;
  const tokenEnv = opts.tokenEnv ?? DEFAULT_TOKEN_ENV;
  const token = env[tokenEnv]?.trim() || undefined;
  if (!token && opts.tokenEnvExplicit) {
    throw NbbuildError.at({ file: `--token-env ${tokenEnv}` }, `environment variable ${tokenEnv} is empty or not set`, `export ${tokenEnv}=<token> (on OpenShift: export ${tokenEnv}=$(oc whoami -t))`);
  }
  const api = new KfpApi(opts.host, token, tokenEnv, opts.fetch ?? fetch);
  const filename = /\.(ya?ml)$/i.test(file) ? path.basename(file) : `${name}.yaml`;

  let result: UploadResult;
  const up = await api.upload("/apis/v2beta1/pipelines/upload", { name, display_name: name, description, namespace: opts.namespace }, text, filename);
  if (up.status === 409) {
    const pipelineId = await findPipelineId(api, name, opts.namespace);
    const versionName = opts.version ?? `${name}-${createHash("sha256").update(text).digest("hex").slice(0, 12)}`;
    const vr = await api.upload("/apis/v2beta1/pipelines/upload_version", { pipelineid: pipelineId, name: versionName, display_name: versionName, description }, text, filename);
    if (vr.status === 409) {
      throw NbbuildError.at({ file: vr.url }, `pipeline "${name}" already has a version named "${versionName}"${opts.version ? "" : " (the same file was uploaded before)"}`,
        "pass --version with a new version name to upload it again");
    }
    const v = api.json(vr, vr.url);
    result = { pipelineId, pipelineVersionId: str(v.pipeline_version_id), created: "version", name, versionName: str(v.display_name) ?? versionName };
  } else {
    const p = api.json(up, up.url);
    const pipelineId = str(p.pipeline_id);
    if (!pipelineId) throw NbbuildError.at({ file: up.url }, "the upload answer has no pipeline_id", "--host must point at the KFP API v2beta1");
    result = { pipelineId, created: "pipeline", name };
    if (opts.run) result.pipelineVersionId = await latestVersionId(api, pipelineId);
  }

  if (opts.run) {
    if (!result.pipelineVersionId) throw NbbuildError.at({ file: opts.host }, "the server returned no pipeline version id to run");
    const experimentId = opts.experimentId ?? (opts.experiment ? await experimentIdFor(api, opts.experiment, opts.namespace) : undefined);
    const url = api.url("/apis/v2beta1/runs");
    const body = {
      display_name: opts.runName ?? `${name} ${new Date().toISOString()}`,
      ...(experimentId ? { experiment_id: experimentId } : {}),
      pipeline_version_reference: { pipeline_id: result.pipelineId, pipeline_version_id: result.pipelineVersionId },
      runtime_config: { parameters: runParams },
    };
    const run = api.json(await api.send("POST", url, JSON.stringify(body), { "Content-Type": "application/json" }), url);
    result.runId = str(run.run_id);
  }
  return result;
}

/** The id of the pipeline called `name` (GET /pipelines/names/{name}, else a filtered list). */
async function findPipelineId(api: KfpApi, name: string, namespace?: string): Promise<string> {
  const byName = api.url(`/apis/v2beta1/pipelines/names/${encodeURIComponent(name)}`, { namespace });
  const r = await api.send("GET", byName);
  if (r.status !== 404) {
    const id = str(api.json(r, byName).pipeline_id);
    if (id) return id;
  }
  const filter = JSON.stringify({ predicates: [{ key: "name", operation: "EQUALS", string_value: name }] });
  const listUrl = api.url("/apis/v2beta1/pipelines", { filter, namespace, page_size: "10" });
  const list = api.json(await api.send("GET", listUrl), listUrl);
  const found = ((list.pipelines ?? []) as Json[]).find((p) => p.name === name || p.display_name === name);
  const id = found && str(found.pipeline_id);
  if (!id) throw NbbuildError.at({ file: listUrl }, `the server said "${name}" exists (409) but no pipeline by that name is visible`, "check --namespace, or pick another --name");
  return id;
}

/** The id of the experiment with this display name, created when there is none. */
async function experimentIdFor(api: KfpApi, name: string, namespace?: string): Promise<string> {
  const filter = JSON.stringify({ predicates: [{ key: "display_name", operation: "EQUALS", string_value: name }] });
  const listUrl = api.url("/apis/v2beta1/experiments", { filter, namespace, page_size: "10" });
  const found = ((api.json(await api.send("GET", listUrl), listUrl).experiments ?? []) as Json[]).find((e) => e.display_name === name);
  const id = found && str(found.experiment_id);
  if (id) return id;
  const url = api.url("/apis/v2beta1/experiments");
  const body = JSON.stringify({ display_name: name, ...(namespace ? { namespace } : {}) });
  const created = str(api.json(await api.send("POST", url, body, { "Content-Type": "application/json" }), url).experiment_id);
  if (!created) throw NbbuildError.at({ file: url }, `creating experiment "${name}" returned no experiment_id`);
  return created;
}

/** The newest version id of a pipeline (a new upload has exactly one). */
async function latestVersionId(api: KfpApi, pipelineId: string): Promise<string | undefined> {
  const url = api.url(`/apis/v2beta1/pipelines/${encodeURIComponent(pipelineId)}/versions`, { page_size: "1", sort_by: "created_at desc" });
  const list = api.json(await api.send("GET", url), url);
  return str(((list.pipeline_versions ?? []) as Json[])[0]?.pipeline_version_id);
}
