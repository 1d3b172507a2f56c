/**
 * A fake OpenShift API server on 127.0.0.1 (HTTPS with a certificate made by `openssl` for the
 * test, bearer-token auth) for `nbbuild openshift apply|build|pipeline`. It checks every request's
 * path, verb and body against the OpenShift OpenAPI definitions (openshift-openapi.ts) and plays
 * back objects shaped like a real cluster's: 409 AlreadyExists on create, resourceVersion checks on
 * replace, builds that go New → Pending → Running → Complete (or Failed) as they are polled, logs
 * streamed with follow=true, ImageStreamTags with digests and OpenShift's build labels once a build
 * completes, the ConfigChange trigger starting a build when a BuildConfig is created and the
 * ImageChange trigger starting the builds of every BuildConfig whose `from` tag a build pushed.
 * Anything unexpected is recorded in `violations` (tests assert it stays empty) and answered 400/404.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { IncomingMessage, ServerResponse } from "node:http";
import { OpenShiftSchemas } from "./openshift-openapi.js";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body?: Obj;
}

export interface FakeOpenShiftOptions {
  /** Folder for the certificate, key and kubeconfig. */
  dir: string;
  namespace: string;
  token: string;
  /** BuildConfigs whose builds fail (AssembleFailed, with a log that says why). */
  failing?: string[];
  /** How many polls a build stays in each of New, Pending, Running. */
  pollsPerPhase?: number;
  /** The commit OpenShift would read from git for each build. */
  commit?: string;
  /** ImageStreamTags that exist from the start (e.g. the builder). */
  existingTags?: string[];
}

export interface FakeOpenShift {
  url: string;
  /** A kubeconfig for the server: CA data, bearer token, namespace in the context. */
  kubeconfig: string;
  requests: RecordedRequest[];
  violations: string[];
  /** kind/name → stored object. */
  objects: Map<string, Obj>;
  builds: Map<string, Obj>;
  /** Starts a build the way a GitHub push on the webhook would. */
  pushTrigger(buildConfig: string): string;
  close(): Promise<void>;
}

const KINDS: Record<string, { api: string; kind: string }> = {
  secrets: { api: "/api/v1", kind: "Secret" },
  rolebindings: { api: "/apis/rbac.authorization.k8s.io/v1", kind: "RoleBinding" },
  imagestreams: { api: "/apis/image.openshift.io/v1", kind: "ImageStream" },
  buildconfigs: { api: "/apis/build.openshift.io/v1", kind: "BuildConfig" },
  builds: { api: "/apis/build.openshift.io/v1", kind: "Build" },
  imagestreamtags: { api: "/apis/image.openshift.io/v1", kind: "ImageStreamTag" },
};
const PHASES = ["New", "Pending", "Running"];

function makeCertificate(dir: string): { cert: string; key: string } {
  const key = path.join(dir, "server.key");
  const cert = path.join(dir, "server.crt");
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], { stdio: "ignore", timeout: 60_000 });
  return { cert: readFileSync(cert, "utf8"), key: readFileSync(key, "utf8") };
}

const digestOf = (text: string) => `sha256:${createHash("sha256").update(text).digest("hex")}`;

export async function startFakeOpenShift(opts: FakeOpenShiftOptions): Promise<FakeOpenShift> {
  const schemas = new OpenShiftSchemas();
  const { cert, key } = makeCertificate(opts.dir);
  const ns = opts.namespace;
  const requests: RecordedRequest[] = [];
  const violations: string[] = [];
  const objects = new Map<string, Obj>();
  const builds = new Map<string, Obj>();
  const polls = new Map<string, number>();
  const tags = new Map<string, Obj>();
  let version = 100;
  let clock = Date.parse("2026-11-30T10:00:00Z");
  const now = () => new Date((clock += 1000)).toISOString().replace(/\.\d+Z$/, "Z");
  const stamp = (o: Obj) => {
    o.metadata.resourceVersion = String(++version);
    o.metadata.uid ??= createHash("sha1").update(`${o.kind}/${o.metadata.name}`).digest("hex").replace(/^(.{8})(.{4})(.{4})(.{4})(.{12}).*/, "$1-$2-$3-$4-$5");
    o.metadata.creationTimestamp ??= now();
    return o;
  };
  /** Answers must themselves be valid objects (the fake plays back realistic ones). */
  const served = (o: Obj) => {
    for (const i of schemas.issues(o)) violations.push(`fake served an invalid ${o.kind} ${o.metadata?.name}: ${i}`);
    return o;
  };
  const tagObject = (name: string, digest: string, labels: Record<string, string>): Obj => ({
    kind: "ImageStreamTag", apiVersion: "image.openshift.io/v1",
    metadata: { name, namespace: ns, resourceVersion: String(++version), creationTimestamp: now() },
    tag: { name: name.split(":")[1]!, generation: 1, importPolicy: {}, referencePolicy: { type: "Source" } }, generation: 1, lookupPolicy: { local: false },
    image: {
      metadata: { name: digest, creationTimestamp: now() },
      dockerImageReference: `image-registry.openshift-image-registry.svc:5000/${ns}/${name.split(":")[0]}@${digest}`,
      dockerImageMetadata: { kind: "DockerImage", apiVersion: "1.0", Id: digest, Created: now(), Config: { User: "1001", Labels: labels } },
      dockerImageMetadataVersion: "1.0",
      dockerImageManifestMediaType: "application/vnd.oci.image.manifest.v1+json",
    },
  });
  for (const t of opts.existingTags ?? []) tags.set(t, tagObject(t, digestOf(t), {}));

  const logLines = (b: Obj): string[] => {
    const step = b.spec.strategy.sourceStrategy.env.find((e: Obj) => e.name === "NBBUILD_STEP")?.value;
    const lines = [
      `Cloning "${b.spec.source.git.uri}" ...`,
      `\tCommit:\t${opts.commit ?? "0".repeat(40)} (nbbuild test)`,
      `STEP 1/9: FROM ${b.spec.strategy.sourceStrategy.from.name}`,
      `nbbuild assemble: step ${step}`,
    ];
    if (b.failing) lines.push("nbbuild: wine.ipynb#cell 5: ModuleNotFoundError: No module named 'sklearn'", "error: build error: error building at STEP \"RUN /usr/libexec/s2i/assemble\": exit status 2");
    else lines.push("Successfully pushed image", "Push successful");
    return lines;
  };

  /** Creates build N of a BuildConfig, as instantiate, the webhook or a trigger would. */
  const newBuild = (bc: Obj, cause: Obj): Obj => {
    bc.status = { ...(bc.status ?? {}), lastVersion: (bc.status?.lastVersion ?? 0) + 1 };
    const n = bc.status.lastVersion as number;
    const name = `${bc.metadata.name}-${n}`;
    const b: Obj = stamp({
      kind: "Build", apiVersion: "build.openshift.io/v1",
      metadata: {
        name, namespace: ns,
        labels: { buildconfig: bc.metadata.name, "openshift.io/build-config.name": bc.metadata.name, "openshift.io/build.start-policy": bc.spec.runPolicy },
        annotations: { "openshift.io/build-config.name": bc.metadata.name, "openshift.io/build.number": String(n) },
        ownerReferences: [{ apiVersion: "build.openshift.io/v1", kind: "BuildConfig", name: bc.metadata.name, uid: bc.metadata.uid, controller: true }],
      },
      spec: { serviceAccount: "builder", source: bc.spec.source, strategy: bc.spec.strategy, output: { ...bc.spec.output, pushSecret: { name: "builder-dockercfg-x7k2p" } }, triggeredBy: [cause] },
      status: { phase: "New", config: { kind: "BuildConfig", namespace: ns, name: bc.metadata.name }, outputDockerImageReference: `image-registry.openshift-image-registry.svc:5000/${ns}/${bc.spec.output.to.name}` },
    });
    Object.defineProperty(b, "failing", { value: (opts.failing ?? []).includes(bc.metadata.name), enumerable: false });
    builds.set(name, b);
    polls.set(name, 0);
    return b;
  };

  /** One poll moves a build on; completion pushes its image. */
  const advance = (b: Obj) => {
    if (["Complete", "Failed", "Cancelled", "Error"].includes(b.status.phase)) return;
    const n = (polls.get(b.metadata.name) ?? 0) + 1;
    polls.set(b.metadata.name, n);
    const per = opts.pollsPerPhase ?? 1;
    const phase = PHASES[Math.floor(n / per)];
    if (phase) {
      if (phase === "Running" && b.status.phase !== "Running") b.status.startTimestamp = now();
      b.status.phase = phase;
    } else if (b.failing) {
      Object.assign(b.status, { phase: "Failed", reason: "AssembleFailed", message: "Assemble script failed.", completionTimestamp: now(), duration: 4_000_000_000, logSnippet: logLines(b).slice(-2).join("\n") });
    } else {
      const to = b.spec.output.to.name as string;
      const digest = digestOf(`${b.metadata.name}/${to}`);
      Object.assign(b.status, { phase: "Complete", completionTimestamp: now(), duration: 4_000_000_000, output: { to: { imageDigest: digest } } });
      tags.set(to, tagObject(to, digest, {
        "io.openshift.build.commit.id": opts.commit ?? "0".repeat(40),
        "io.openshift.build.commit.ref": b.spec.source.git.ref ?? "main",
        "io.openshift.build.name": b.metadata.name,
        "io.openshift.build.namespace": ns,
        "io.openshift.build.source-location": b.spec.source.git.uri,
      }));
      // ImageChange: every BuildConfig built from this tag builds again.
      for (const bc of objects.values()) {
        if (bc.kind !== "BuildConfig" || bc.spec.strategy.sourceStrategy.from.name !== to) continue;
        if (!bc.spec.triggers?.some((t: Obj) => t.type === "ImageChange")) continue;
        newBuild(bc, { message: "Image change", imageChangeBuild: { imageID: `image-registry.openshift-image-registry.svc:5000/${ns}/${to.split(":")[0]}@${digest}`, fromRef: { kind: "ImageStreamTag", name: to } } });
      }
    }
    stamp(b);
  };

  const status = (res: ServerResponse, code: number, reason: string, message: string) => {
    res.writeHead(code, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code }));
  };
  const json = (res: ServerResponse, code: number, body: Obj) => {
    res.writeHead(code, { "Content-Type": "application/json" });
    res.end(JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, body: Obj | undefined, raw: string) => {
    const url = new URL(req.url ?? "/", "https://127.0.0.1");
    const method = req.method ?? "GET";
    const query = Object.fromEntries(url.searchParams);
    requests.push({ method, path: url.pathname, query, ...(body ? { body } : {}) });
    if (req.headers.authorization !== `Bearer ${opts.token}`) return status(res, 401, "Unauthorized", "Unauthorized");
    const m = /^(\/api\/v1|\/apis\/[a-z0-9.]+\/v1)\/namespaces\/([^/]+)\/([a-z]+)(?:\/([^/]+))?(?:\/([a-z]+))?$/.exec(url.pathname);
    const spec = m && KINDS[m[3]!];
    if (!m || !spec || spec.api !== m[1]) {
      violations.push(`unknown path ${method} ${url.pathname}`);
      return status(res, 404, "NotFound", `the server could not find the requested resource`);
    }
    const [, , namespace, resource, rawName, sub] = m;
    const name = rawName ? decodeURIComponent(rawName) : undefined;
    if (namespace !== ns) return status(res, 403, "Forbidden", `${resource} is forbidden: User "tester" cannot access namespace "${namespace}"`);
    if ((method === "POST" || method === "PUT") && req.headers["content-type"] !== "application/json") violations.push(`${method} ${url.pathname}: Content-Type ${req.headers["content-type"]}`);
    if (raw && !body) {
      violations.push(`${method} ${url.pathname}: body is not JSON`);
      return status(res, 400, "BadRequest", "body is not JSON");
    }
    const validate = (o: Obj, kind: string) => {
      const issues = schemas.issues(o, kind);
      for (const i of issues) violations.push(`${method} ${url.pathname}: ${kind}: ${i}`);
      return issues;
    };
    const key = (n: string) => `${spec.kind}/${n}`;

    // Subresources.
    if (resource === "buildconfigs" && sub === "instantiate" && method === "POST" && name) {
      if (validate(body ?? {}, "BuildRequest").length) return status(res, 400, "BadRequest", "invalid BuildRequest");
      if (body?.metadata?.name !== name) violations.push(`instantiate ${name}: BuildRequest metadata.name is ${body?.metadata?.name}`);
      const bc = objects.get(key(name));
      if (!bc) return status(res, 404, "NotFound", `buildconfigs.build.openshift.io "${name}" not found`);
      const from = bc.spec.strategy.sourceStrategy.from;
      if (from.kind === "ImageStreamTag" && !from.namespace && !tags.has(from.name)) {
        return status(res, 400, "BadRequest", `Error resolving ImageStreamTag ${from.name} in namespace ${ns}: unable to find latest tagged image`);
      }
      return json(res, 201, served(newBuild(bc, { message: body?.triggeredBy?.[0]?.message ?? "Manually triggered" })));
    }
    if (resource === "builds" && sub === "log" && method === "GET" && name) {
      const b = builds.get(name);
      if (!b) return status(res, 404, "NotFound", `builds.build.openshift.io "${name}" not found`);
      if (b.status.phase === "New" || b.status.phase === "Pending") return status(res, 400, "BadRequest", `unable to wait for build ${name} to run: timed out`);
      if (query.follow !== "true") violations.push(`log of ${name} read without follow=true`);
      res.writeHead(200, { "Content-Type": "text/plain" });
      // A followed log arrives in pieces (split mid-line too) until the build ends.
      const text = logLines(b).join("\n") + "\n";
      for (let i = 0; i < text.length; i += 17) {
        res.write(text.slice(i, i + 17));
        await new Promise((r) => setTimeout(r, 2));
      }
      return res.end();
    }
    if (sub) {
      violations.push(`unknown subresource ${method} ${url.pathname}`);
      return status(res, 404, "NotFound", "no such subresource");
    }

    if (resource === "imagestreamtags") {
      if (method !== "GET" || !name) return status(res, 405, "MethodNotAllowed", "only GET of an ImageStreamTag is played back");
      const t = tags.get(name);
      return t ? json(res, 200, served(t)) : status(res, 404, "NotFound", `imagestreamtags.image.openshift.io "${name}" not found`);
    }
    if (resource === "builds") {
      if (method !== "GET") return status(res, 405, "MethodNotAllowed", "builds are created by instantiate");
      if (name) {
        const b = builds.get(name);
        if (!b) return status(res, 404, "NotFound", `builds.build.openshift.io "${name}" not found`);
        advance(b);
        return json(res, 200, served(b));
      }
      const sel = /^openshift\.io\/build-config\.name=(.+)$/.exec(query.labelSelector ?? "");
      if (!sel) violations.push(`list builds without a buildconfig label selector: ${url.search}`);
      const items = [...builds.values()].filter((b) => !sel || b.metadata.labels["openshift.io/build-config.name"] === sel[1]);
      items.forEach(served);
      return json(res, 200, { kind: "BuildList", apiVersion: "build.openshift.io/v1", metadata: { resourceVersion: String(version) }, items });
    }

    // Plain objects: create, read, replace.
    if (method === "POST" && !name) {
      if (validate(body ?? {}, spec.kind).length) return status(res, 422, "Invalid", `${spec.kind} is invalid`);
      if (body!.metadata.namespace && body!.metadata.namespace !== ns) violations.push(`POST ${url.pathname}: metadata.namespace ${body!.metadata.namespace}`);
      if (body!.metadata.resourceVersion) violations.push(`POST ${url.pathname}: resourceVersion set on create`);
      if (objects.has(key(body!.metadata.name))) return status(res, 409, "AlreadyExists", `${resource} "${body!.metadata.name}" already exists`);
      const o = stamp(structuredClone({ ...body!, metadata: { ...body!.metadata, namespace: ns } }));
      objects.set(key(o.metadata.name), o);
      // ConfigChange: a new BuildConfig builds at once when its from image can be resolved.
      if (o.kind === "BuildConfig" && o.spec.triggers?.some((t: Obj) => t.type === "ConfigChange")) {
        const from = o.spec.strategy.sourceStrategy.from;
        if (tags.has(from.name)) newBuild(o, { message: "Build configuration change" });
      }
      return json(res, 201, served(o));
    }
    if (method === "GET" && name) {
      const o = objects.get(key(name));
      return o ? json(res, 200, served(o)) : status(res, 404, "NotFound", `${resource} "${name}" not found`);
    }
    if (method === "PUT" && name) {
      if (validate(body ?? {}, spec.kind).length) return status(res, 422, "Invalid", `${spec.kind} is invalid`);
      const current = objects.get(key(name));
      if (!current) return status(res, 404, "NotFound", `${resource} "${name}" not found`);
      if (body!.metadata.name !== name) violations.push(`PUT ${url.pathname}: metadata.name ${body!.metadata.name}`);
      if (body!.metadata.resourceVersion !== current.metadata.resourceVersion) {
        return status(res, 409, "Conflict", `Operation cannot be fulfilled on ${resource} "${name}": the object has been modified; please apply your changes to the latest version and try again`);
      }
      const o = stamp(structuredClone({ ...body!, metadata: { ...body!.metadata, uid: current.metadata.uid, creationTimestamp: current.metadata.creationTimestamp }, ...(current.status ? { status: current.status } : {}) }));
      objects.set(key(name), o);
      return json(res, 200, served(o));
    }
    violations.push(`unexpected ${method} ${url.pathname}`);
    return status(res, 405, "MethodNotAllowed", "not played back");
  };

  const server = https.createServer({ cert, key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      let body: Obj | undefined;
      try {
        body = raw ? (JSON.parse(raw) as Obj) : undefined;
      } catch {
        body = undefined;
      }
      handle(req, res, body, raw).catch((e: unknown) => {
        violations.push(`fake server error: ${(e as Error).stack ?? String(e)}`);
        if (!res.headersSent) status(res, 500, "InternalError", String(e));
        else res.end();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const kubeconfig = path.join(opts.dir, "kubeconfig");
  writeFileSync(kubeconfig, [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: fake",
    "  cluster:",
    `    server: ${url}`,
    `    certificate-authority-data: ${Buffer.from(cert).toString("base64")}`,
    "users:",
    "- name: tester",
    "  user:",
    `    token: ${opts.token}`,
    "contexts:",
    "- name: fake",
    "  context: {cluster: fake, user: tester, namespace: " + ns + "}",
    "current-context: fake",
    "",
  ].join("\n"), { mode: 0o600 });

  return {
    url, kubeconfig, requests, violations, objects, builds,
    pushTrigger(buildConfig) {
      const bc = objects.get(`BuildConfig/${buildConfig}`);
      if (!bc) throw new Error(`no BuildConfig ${buildConfig}`);
      return newBuild(bc, { message: "GitHub WebHook", githubWebHook: { revision: { type: "Git", git: { commit: opts.commit ?? "0".repeat(40), message: "edit notebook" } }, secret: "<secret>" } }).metadata.name;
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
