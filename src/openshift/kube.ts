/**
 * The connection to a cluster: @kubernetes/client-node loads the kubeconfig (or the in-cluster
 * service account) and signs each request (bearer token, client certificate, exec plugins, the
 * cluster's CA); one small REST helper sends them, because the build subresources nbbuild needs
 * (buildconfigs/NAME/instantiate, builds/NAME/log) and ImageStreamTags have no typed client.
 */
import { existsSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { NbbuildError } from "../errors.js";

/** Where to connect (flags shared by apply/build/pipeline). */
export interface ConnectOptions {
  kubeconfig?: string;
  namespace?: string;
}

/** A non-2xx answer of the API server, with its Status reason (NotFound, AlreadyExists, Conflict…). */
export class KubeApiError extends Error {
  constructor(readonly status: number, readonly reason: string, message: string, readonly method: string, readonly path: string) {
    super(message);
    this.name = "KubeApiError";
  }
}

const SERVICE_ACCOUNT_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";
const REQUEST_TIMEOUT_MS = 60_000;

/** A namespace on one cluster, reached with the kubeconfig's credentials. */
export class Cluster {
  private constructor(readonly kc: KubeConfig, readonly server: string, readonly namespace: string) {}

  /** Loads --kubeconfig, else $KUBECONFIG / ~/.kube/config, else the pod's service account. */
  static connect(opts: ConnectOptions = {}): Cluster {
    const kc = new KubeConfig();
    const defaultFile = path.join(os.homedir(), ".kube", "config");
    const where = opts.kubeconfig ?? process.env.KUBECONFIG?.split(path.delimiter)[0] ?? defaultFile;
    // Without any of these, client-node would fall back to http://localhost:8080.
    const found = opts.kubeconfig !== undefined || !!process.env.KUBECONFIG || existsSync(defaultFile) || existsSync(SERVICE_ACCOUNT_TOKEN);
    try {
      if (!found) throw new Error("none found");
      if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
      else kc.loadFromDefault();
    } catch (e) {
      throw NbbuildError.at({ file: where }, `cannot load a kubeconfig (${(e as Error).message})`,
        "log in first (oc login --token=… --server=https://api.CLUSTER:6443) or pass --kubeconfig FILE");
    }
    const cluster = kc.getCurrentCluster();
    if (!cluster?.server) throw NbbuildError.at({ file: where }, "the kubeconfig's current context names no cluster", "oc login, or oc config use-context NAME");
    const namespace = opts.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace;
    if (!namespace) throw NbbuildError.at({ file: where }, "no namespace: the current context has none", "pass --namespace NS (or oc project NS)");
    return new Cluster(kc, cluster.server.replace(/\/+$/, ""), namespace);
  }

  /** Path of a namespaced collection, e.g. ns("build.openshift.io/v1", "buildconfigs"). */
  ns(apiVersion: string, resource: string, name?: string, sub?: string): string {
    const root = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    return `${root}/namespaces/${encodeURIComponent(this.namespace)}/${resource}${name ? `/${encodeURIComponent(name)}` : ""}${sub ? `/${sub}` : ""}`;
  }

  /** Sends one request and resolves with the response (a node http.IncomingMessage, not read yet). */
  private async send(method: string, urlPath: string, body?: unknown, timeoutMs = REQUEST_TIMEOUT_MS): Promise<http.IncomingMessage> {
    const url = new URL(this.server + urlPath);
    const options: https.RequestOptions = { method, headers: { Accept: "application/json" } };
    await this.kc.applyToHTTPSOptions(options);
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    if (data) options.headers = { ...options.headers, "Content-Type": "application/json", "Content-Length": data.length };
    const client = url.protocol === "https:" ? https : http;
    return new Promise((resolve, reject) => {
      const req = client.request(url, options, resolve);
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer in ${timeoutMs / 1000}s`)));
      req.on("error", (e) => reject(NbbuildError.at({ file: this.server }, `cannot reach the cluster: ${e.message}`, "check the server URL and that you are logged in (oc whoami)")));
      req.end(data);
    });
  }

  /** A JSON request; non-2xx answers become KubeApiError (401 an NbbuildError: nothing else helps). */
  async request<T = Record<string, unknown>>(method: string, urlPath: string, body?: unknown): Promise<T> {
    const res = await this.send(method, urlPath, body);
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    let json: Record<string, unknown> | undefined;
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    } catch {
      json = undefined;
    }
    const status = res.statusCode ?? 0;
    if (status >= 200 && status < 300) return (json ?? {}) as T;
    throw this.failure(status, json, text, method, urlPath);
  }

  /** Streams a text response (build logs) line by line until the server ends it. */
  async streamLines(urlPath: string, onLine: (line: string) => void, timeoutMs: number): Promise<void> {
    const res = await this.send("GET", urlPath, undefined, timeoutMs);
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) {
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      const text = Buffer.concat(chunks).toString("utf8");
      let json: Record<string, unknown> | undefined;
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        json = undefined;
      }
      throw this.failure(status, json, text, "GET", urlPath);
    }
    let rest = "";
    for await (const c of res) {
      const lines = (rest + (c as Buffer).toString("utf8")).split("\n");
      rest = lines.pop()!;
      for (const l of lines) onLine(l.replace(/\r$/, ""));
    }
    if (rest) onLine(rest);
  }

  private failure(status: number, json: Record<string, unknown> | undefined, text: string, method: string, urlPath: string): Error {
    const message = typeof json?.message === "string" ? json.message : text.slice(0, 300) || `HTTP ${status}`;
    if (status === 401) {
      return NbbuildError.at({ file: this.server }, `the cluster refused the credentials (${message})`, "log in again: oc login (the token may have expired)");
    }
    return new KubeApiError(status, typeof json?.reason === "string" ? json.reason : "", message, method, urlPath);
  }
}

/**
 * The NbbuildError for an API error while doing `what` (other errors pass through): the server's
 * own message, and what usually fixes that status.
 */
export function explainApiError(e: unknown, what: string, namespace: string, fix?: string): unknown {
  if (!(e instanceof KubeApiError)) return e;
  const fixes: Record<number, string> = {
    403: `ask for the edit role in namespace ${namespace} (oc adm policy add-role-to-user edit USER -n ${namespace})`,
    404: `check the namespace (${namespace}) and that the objects exist (nbbuild openshift apply)`,
  };
  return NbbuildError.at({ file: `${e.method} ${e.path}` }, `${what}: ${e.status}${e.reason ? ` ${e.reason}` : ""}: ${e.message}`, fix ?? fixes[e.status]);
}
