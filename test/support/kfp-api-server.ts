/**
 * A fake KFP REST API v2beta1 on 127.0.0.1 for upload tests. It asserts the request shapes the real
 * server (backend/src/apiserver/server/pipeline_upload_server.go, the v2beta1 gateway) reads:
 * paths, methods, the multipart field `uploadfile` with a .yaml filename, the query parameters,
 * the Authorization header; and it parses the uploaded spec strictly with nbbuild's KFP validator,
 * like the real server's protojson parsing. Every request is recorded for assertions.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { kfpIssues } from "../../src/pipeline/validate-kfp.js";
import { parseYamlDocuments } from "../../src/pipeline/yaml.js";

/** One request as the fake server saw it. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization?: string;
  contentType?: string;
  /** Multipart parts (name, filename, content) for uploads. */
  parts?: { name: string; filename?: string; content: string }[];
  json?: unknown;
}

interface Version { pipeline_version_id: string; pipeline_id: string; name: string; display_name: string; spec: unknown[]; created: number }
type Pipeline = { pipeline_id: string; name: string; display_name: string; description: string; namespace: string };

/** A running fake server, its state, and how to stop it. */
export interface FakeKfpApi {
  url: string;
  requests: RecordedRequest[];
  pipelines: Pipeline[];
  versions: Version[];
  runs: Record<string, unknown>[];
  experiments: { experiment_id: string; display_name: string; namespace: string }[];
  close(): Promise<void>;
}

/** Fake server settings. */
export interface FakeKfpOptions {
  /** When set, requests must carry `Authorization: Bearer <token>`: none → 401, another → 403. */
  token?: string;
  /** Answer 404 to GET /pipelines/names/{name}, as a server without that route would. */
  noGetByName?: boolean;
}

const UPLOAD_QUERY = new Set(["name", "display_name", "description", "namespace"]);
const VERSION_QUERY = new Set(["pipelineid", "name", "display_name", "description"]);
const RUN_FIELDS = new Set(["display_name", "description", "experiment_id", "pipeline_version_reference", "runtime_config", "service_account"]);

/** Minimal multipart/form-data parser (enough to check what a client sent). */
function parseMultipart(body: Buffer, contentType: string): RecordedRequest["parts"] | string {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  if (!/^multipart\/form-data/.test(contentType) || !m) return "Content-Type must be multipart/form-data with a boundary";
  const boundary = `--${m[1] ?? m[2]}`;
  const text = body.toString("latin1");
  const parts: NonNullable<RecordedRequest["parts"]> = [];
  for (const chunk of text.split(boundary).slice(1)) {
    if (chunk.startsWith("--")) break;
    const sep = chunk.indexOf("\r\n\r\n");
    if (sep < 0) return "malformed multipart part";
    const head = chunk.slice(0, sep);
    const content = Buffer.from(chunk.slice(sep + 4).replace(/\r\n$/, ""), "latin1").toString("utf8");
    const disp = /content-disposition:\s*form-data;([^\r\n]*)/i.exec(head)?.[1] ?? "";
    const name = /\bname="([^"]*)"/.exec(disp)?.[1];
    const filename = /\bfilename="([^"]*)"/.exec(disp)?.[1];
    if (!name) return "multipart part without a name";
    parts.push({ name, ...(filename !== undefined ? { filename } : {}), content });
  }
  return parts;
}

/** Starts the fake API on 127.0.0.1 (random port). */
export async function startFakeKfpApi(options: FakeKfpOptions = {}): Promise<FakeKfpApi> {
  const state = {
    requests: [] as RecordedRequest[],
    pipelines: [] as Pipeline[],
    versions: [] as Version[],
    runs: [] as Record<string, unknown>[],
    experiments: [] as { experiment_id: string; display_name: string; namespace: string }[],
  };
  let seq = 0;
  const id = (p: string) => `${p}-${String(++seq).padStart(4, "0")}`;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const u = new URL(req.url ?? "/", "http://127.0.0.1");
      const rec: RecordedRequest = {
        method: req.method ?? "",
        path: u.pathname,
        query: Object.fromEntries(u.searchParams),
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
        ...(req.headers["content-type"] ? { contentType: req.headers["content-type"] } : {}),
      };
      state.requests.push(rec);
      const send = (status: number, obj: unknown) => {
        res.writeHead(status, { "Content-Type": "application/json" });
        res.end(JSON.stringify(obj));
      };
      const fail = (status: number, message: string) => send(status, { error_message: message, error_details: message });

      if (options.token !== undefined) {
        if (!req.headers.authorization) return fail(401, "Unauthorized");
        if (req.headers.authorization !== `Bearer ${options.token}`) return fail(403, "Forbidden");
      }

      /** Reads and strictly checks an uploaded pipeline spec; undefined after answering 400. */
      const uploaded = (allowed: Set<string>): { docs: unknown[]; filename: string } | undefined => {
        for (const k of Object.keys(rec.query)) if (!allowed.has(k)) return void fail(400, `unexpected query parameter ${k}`);
        const parts = parseMultipart(body, String(req.headers["content-type"] ?? ""));
        if (typeof parts === "string") return void fail(400, parts);
        rec.parts = parts;
        const file = parts?.find((p) => p.name === "uploadfile");
        if (!file) return void fail(400, "Failed to read pipeline from file");
        if (!file.filename || !/\.(ya?ml|json|zip|tar\.gz|tgz)$/.test(file.filename)) return void fail(400, "Failed to read a pipeline spec file: unexpected file extension");
        let docs: unknown[];
        try {
          docs = parseYamlDocuments(file.content);
        } catch (e) {
          return void fail(400, `Failed to read a pipeline spec file: ${(e as Error).message}`);
        }
        const issues = kfpIssues(docs);
        if (issues.length) return void fail(400, `Failed to create a pipeline: invalid pipeline spec: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`);
        return { docs, filename: file.filename };
      };
      const newVersion = (p: Pipeline, name: string, displayName: string, docs: unknown[]): Version => {
        const v = { pipeline_version_id: id("version"), pipeline_id: p.pipeline_id, name, display_name: displayName, spec: docs, created: seq };
        state.versions.push(v);
        return v;
      };
      const versionJson = (v: Version) => ({ pipeline_version_id: v.pipeline_version_id, pipeline_id: v.pipeline_id, name: v.name, display_name: v.display_name, created_at: "2026-01-01T00:00:00Z" });

      const p = u.pathname;
      if (req.method === "POST" && p === "/apis/v2beta1/pipelines/upload") {
        const up = uploaded(UPLOAD_QUERY);
        if (!up) return;
        const name = rec.query.name || rec.query.display_name || up.filename.replace(/\.[^.]+$/, "");
        const ns = rec.query.namespace ?? "";
        if (state.pipelines.some((x) => x.name === name && x.namespace === ns)) return fail(409, "Failed to create a pipeline and a pipeline version");
        const pl = { pipeline_id: id("pipeline"), name, display_name: rec.query.display_name || name, description: rec.query.description ?? "", namespace: ns };
        state.pipelines.push(pl);
        newVersion(pl, name, pl.display_name, up.docs);
        return send(200, { ...pl, created_at: "2026-01-01T00:00:00Z" });
      }
      if (req.method === "POST" && p === "/apis/v2beta1/pipelines/upload_version") {
        const up = uploaded(VERSION_QUERY);
        if (!up) return;
        const pl = state.pipelines.find((x) => x.pipeline_id === rec.query.pipelineid);
        if (!pl) return fail(400, "Failed to create a pipeline version");
        const name = rec.query.name || rec.query.display_name || up.filename;
        if (state.versions.some((v) => v.pipeline_id === pl.pipeline_id && v.name === name)) return fail(409, "Failed to create a pipeline version");
        return send(200, versionJson(newVersion(pl, name, rec.query.display_name || name, up.docs)));
      }
      /** Applies a v2beta1 `filter` (EQUALS predicates on string fields) to a list. */
      const filtered = <T extends Record<string, unknown>>(items: T[]): T[] | undefined => {
        if (!rec.query.filter) return items;
        let f: { predicates?: { key: string; operation: string; string_value?: string }[] };
        try {
          f = JSON.parse(rec.query.filter);
        } catch {
          return void fail(400, "filter is not JSON");
        }
        for (const pr of f.predicates ?? []) if (pr.operation !== "EQUALS" || pr.string_value === undefined) return void fail(400, "unsupported predicate");
        return items.filter((it) => (f.predicates ?? []).every((pr) => it[pr.key] === pr.string_value));
      };
      if (req.method === "GET" && p === "/apis/v2beta1/pipelines") {
        const list = filtered(state.pipelines.filter((x) => x.namespace === (rec.query.namespace ?? "")));
        return list && send(200, { pipelines: list, total_size: list.length });
      }
      if (req.method === "GET" && p === "/apis/v2beta1/experiments") {
        const list = filtered(state.experiments.filter((x) => x.namespace === (rec.query.namespace ?? "")));
        return list && send(200, { experiments: list, total_size: list.length });
      }
      if (req.method === "POST" && p === "/apis/v2beta1/experiments") {
        let e: Record<string, unknown>;
        try {
          e = JSON.parse(body.toString("utf8"));
        } catch {
          return fail(400, "body is not JSON");
        }
        rec.json = e;
        for (const k of Object.keys(e)) if (!["display_name", "description", "namespace"].includes(k)) return fail(400, `unknown field "${k}" in Experiment`);
        if (typeof e.display_name !== "string" || !e.display_name) return fail(400, "experiment display_name is required");
        const ex = { experiment_id: id("experiment"), display_name: e.display_name, namespace: String(e.namespace ?? "") };
        state.experiments.push(ex);
        return send(200, ex);
      }
      let m = /^\/apis\/v2beta1\/pipelines\/names\/([^/]+)$/.exec(p);
      if (req.method === "GET" && m && !options.noGetByName) {
        const pl = state.pipelines.find((x) => x.name === decodeURIComponent(m![1]!) && x.namespace === (rec.query.namespace ?? ""));
        return pl ? send(200, pl) : fail(404, "Pipeline not found");
      }
      m = /^\/apis\/v2beta1\/pipelines\/([^/]+)\/versions$/.exec(p);
      if (req.method === "GET" && m) {
        const vs = state.versions.filter((v) => v.pipeline_id === m![1]).sort((a, b) => b.created - a.created);
        const limit = Number(rec.query.page_size ?? "20");
        return send(200, { pipeline_versions: vs.slice(0, limit).map(versionJson), total_size: vs.length });
      }
      if (req.method === "POST" && p === "/apis/v2beta1/runs") {
        if (!/^application\/json/.test(String(req.headers["content-type"]))) return fail(400, "Content-Type must be application/json");
        let run: Record<string, any>;
        try {
          run = JSON.parse(body.toString("utf8"));
        } catch {
          return fail(400, "body is not JSON");
        }
        rec.json = run;
        for (const k of Object.keys(run)) if (!RUN_FIELDS.has(k)) return fail(400, `unknown field "${k}" in Run`);
        if (run.experiment_id !== undefined && !state.experiments.some((x) => x.experiment_id === run.experiment_id)) return fail(404, "experiment not found");
        const ref = run.pipeline_version_reference ?? {};
        const v = state.versions.find((x) => x.pipeline_version_id === ref.pipeline_version_id && x.pipeline_id === ref.pipeline_id);
        if (!v) return fail(404, "pipeline version not found");
        const spec = v.spec[0] as any;
        const declared = spec?.root?.inputDefinitions?.parameters ?? {};
        for (const [k, val] of Object.entries((run.runtime_config?.parameters ?? {}) as Record<string, unknown>)) {
          const t = declared[k]?.parameterType;
          if (!t) return fail(400, `unknown parameter ${k}`);
          const ok = t === "STRING" ? typeof val === "string" : t === "BOOLEAN" ? typeof val === "boolean" : t === "NUMBER_INTEGER" ? Number.isInteger(val) : t === "NUMBER_DOUBLE" ? typeof val === "number" : true;
          if (!ok) return fail(400, `parameter ${k} has the wrong type for ${t}`);
        }
        const out = { run_id: id("run"), ...run, state: "PENDING" };
        state.runs.push(out);
        return send(200, out);
      }
      res.writeHead(404, { "Content-Type": "text/plain" });
      res.end("Not Found");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    ...state,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
