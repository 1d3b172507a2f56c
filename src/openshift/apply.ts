/**
 * `nbbuild openshift apply`: creates the plan's objects, or replaces them when they exist (create;
 * on 409 read the current object and replace it with its resourceVersion), so running it twice
 * changes nothing. The webhook Secret already on the cluster is kept: the git host knows it.
 */
import { NbbuildError } from "../errors.js";
import { Cluster, explainApiError, KubeApiError, type ConnectOptions } from "./kube.js";
import { WEBHOOK_SECRET_KEY, type KubeObject } from "./manifests.js";
import { clusterObjects, type ClusterObjectOptions } from "./objects.js";

/** REST resource of each kind nbbuild writes. */
const RESOURCE: Record<string, string> = {
  Secret: "secrets",
  RoleBinding: "rolebindings",
  ImageStream: "imagestreams",
  BuildConfig: "buildconfigs",
};

/** What happened to one object. */
export interface AppliedObject {
  kind: string;
  name: string;
  action: "created" | "updated";
}

/** A step's webhook URLs (the secret is a path segment: they are secrets themselves). */
export interface StepWebhooks {
  step: string;
  buildConfig: string;
  github: string;
  generic: string;
}

export interface ApplyResult {
  namespace: string;
  objects: AppliedObject[];
  /** Name of the webhook Secret. */
  secret: string;
  webhooks: StepWebhooks[];
}

const MAX_CONFLICT_RETRIES = 3;

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Creates or replaces one object; returns what the server stored. */
async function applyOne(cluster: Cluster, object: KubeObject): Promise<{ stored: Obj; action: AppliedObject["action"] }> {
  const resource = RESOURCE[object.kind];
  if (!resource) throw new Error(`nbbuild does not apply ${object.kind} objects`);
  const obj: Obj = structuredClone({ ...object, metadata: { ...object.metadata, namespace: cluster.namespace } });
  const what = `applying ${object.kind} ${object.metadata.name}`;
  const fix = object.kind === "RoleBinding"
    ? "binding system:webhook needs the admin role in the namespace: ask an admin to apply it, or pass --no-webhook-rolebinding (webhooks then need an authenticated caller on OpenShift >= 4.16)"
    : undefined;
  try {
    return { stored: await cluster.request<Obj>("POST", cluster.ns(obj.apiVersion, resource), obj), action: "created" };
  } catch (e) {
    if (!(e instanceof KubeApiError && e.status === 409)) throw explainApiError(e, what, cluster.namespace, fix);
  }
  // It exists: replace it with the current resourceVersion (retry if someone else wrote in between).
  for (let attempt = 1; ; attempt++) {
    try {
      const current = await cluster.request<Obj>("GET", cluster.ns(obj.apiVersion, resource, obj.metadata.name));
      const next: Obj = { ...structuredClone(obj), metadata: { ...obj.metadata, resourceVersion: current.metadata?.resourceVersion } };
      const kept = current.data?.[WEBHOOK_SECRET_KEY];
      if (object.kind === "Secret" && typeof kept === "string" && kept) next.data = { ...next.data, [WEBHOOK_SECRET_KEY]: kept };
      return { stored: await cluster.request<Obj>("PUT", cluster.ns(obj.apiVersion, resource, obj.metadata.name), next), action: "updated" };
    } catch (e) {
      if (e instanceof KubeApiError && e.status === 409 && attempt < MAX_CONFLICT_RETRIES) continue;
      throw explainApiError(e, what, cluster.namespace, fix);
    }
  }
}

/** Applies `objects` in order (Secret and ImageStreams before the BuildConfigs that use them). */
export async function applyObjects(cluster: Cluster, objects: KubeObject[], onApplied?: (o: AppliedObject) => void): Promise<{ applied: AppliedObject[]; webhookSecret?: string }> {
  const applied: AppliedObject[] = [];
  let webhookSecret: string | undefined;
  for (const o of objects) {
    const { stored, action } = await applyOne(cluster, o);
    if (o.kind === "Secret") {
      const value = (stored as Obj).data?.[WEBHOOK_SECRET_KEY];
      webhookSecret = typeof value === "string" ? Buffer.from(value, "base64").toString("utf8") : undefined;
    }
    const a = { kind: o.kind, name: o.metadata.name, action };
    applied.push(a);
    onApplied?.(a);
  }
  return { applied, webhookSecret };
}

/** The webhook URL of a BuildConfig for a git host type ("github" or "generic"). */
export function webhookUrl(cluster: Pick<Cluster, "server" | "namespace">, buildConfig: string, secret: string, type: "github" | "generic"): string {
  return `${cluster.server}/apis/build.openshift.io/v1/namespaces/${encodeURIComponent(cluster.namespace)}/buildconfigs/${encodeURIComponent(buildConfig)}/webhooks/${encodeURIComponent(secret)}/${type}`;
}

/** The whole `apply` stage: plan, build the objects for the cluster's namespace, apply them. */
export async function applyToCluster(file: string, opts: ClusterObjectOptions & ConnectOptions & { onApplied?: (o: AppliedObject) => void }): Promise<ApplyResult & { webhookSecret: string }> {
  const cluster = Cluster.connect(opts);
  const { manifests } = await clusterObjects(file, { ...opts, namespace: cluster.namespace });
  const { applied, webhookSecret } = await applyObjects(cluster, manifests.objects, opts.onApplied);
  const secret = manifests.objects.find((o) => o.kind === "Secret")!.metadata.name;
  if (!webhookSecret) {
    throw NbbuildError.at({ file: `Secret ${secret}` }, `the cluster's Secret ${secret} has no ${WEBHOOK_SECRET_KEY}`, `delete it (oc delete secret ${secret} -n ${cluster.namespace}) and apply again`);
  }
  const webhooks = Object.entries(manifests.stepBuildConfigs).map(([step, bc]) => ({
    step,
    buildConfig: bc,
    github: webhookUrl(cluster, bc, webhookSecret, "github"),
    generic: webhookUrl(cluster, bc, webhookSecret, "generic"),
  }));
  return { namespace: cluster.namespace, objects: applied, secret, webhooks, webhookSecret };
}
