/**
 * Interprets an Elyra node's `component_parameters` (merged with the pipeline's
 * `pipeline_defaults` the way Elyra merges them) into the Step fields they become. Accepts both
 * the version-7 string forms (`K=V`, `ENV=secret:key`, `/path=pvc`, `ID=key:op:value:effect`) and
 * the version-8 object forms.
 */
import type { SecretEnv, Toleration, VolumeMount } from "../plan/types.js";

/** The Step-facing meaning of one node's properties. */
export interface NodeProps {
  filename?: string;
  /** The node's own runtime_image (pipeline_defaults.runtime_image becomes Plan.baseImage). */
  runtimeImage?: string;
  dependencies: string[];
  includeSubdirectories: boolean;
  outputs: string[];
  env: Record<string, string>;
  parameters: string[];
  requests: Record<string, string>;
  limits: Record<string, string>;
  secrets: SecretEnv[];
  volumes: VolumeMount[];
  tolerations: Toleration[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  sharedMemory?: string;
  cache: boolean;
}

/** Reports one problem with the node being read: what is wrong and how to fix it. */
export type Report = (message: string, fix: string) => void;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined => {
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (typeof v !== "string") return undefined;
  const t = v.trim();
  return t === "" || t === "None" ? undefined : t;
};
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const truthy = (v: unknown): boolean => v === true || v === "True" || v === "true";

/** Splits `K=V` at the first `=` (Elyra v7 key-value strings). */
function splitKv(s: string): [string, string] {
  const i = s.indexOf("=");
  return i < 0 ? [s.trim(), ""] : [s.slice(0, i).trim(), s.slice(i + 1).trim()];
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
const QUALIFIED_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** Kubernetes label/annotation key: optional DNS-subdomain prefix, `/`, a name of ≤ 63 characters. */
function validMetadataKey(key: string): boolean {
  const parts = key.split("/");
  if (parts.length > 2) return false;
  const name = parts[parts.length - 1];
  if (parts.length === 2 && (parts[0].length > 253 || !DNS_SUBDOMAIN.test(parts[0]))) return false;
  return name.length <= 63 && QUALIFIED_NAME.test(name);
}
const validLabelValue = (v: string) => v === "" || (v.length <= 63 && QUALIFIED_NAME.test(v));
const validResourceName = (v: string) => v.length <= 253 && DNS_SUBDOMAIN.test(v);

/** Environment variables, v7 `K=V` or v8 `{env_var, value}`; empty values are dropped (as Elyra does). */
export function readEnv(value: unknown, report: Report): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of list(value)) {
    let name: string | undefined;
    let val: string | undefined;
    if (typeof item === "string") [name, val] = splitKv(item);
    else if (isObject(item)) [name, val] = [text(item.env_var), typeof item.value === "string" ? item.value : text(item.value)];
    if (val === undefined || val === "") continue;
    if (!name) report(`env_vars entry ${JSON.stringify(item)} has no variable name`, "write it as NAME=value");
    else if (/[\s=]/.test(name)) report(`env_vars name "${name}" contains a space or "="`, "use a name made of letters, digits and _");
    else out.set(name, val);
  }
  return out;
}

/** Kubernetes secrets as env vars, v7 `ENV=name:key` or v8 `{env_var, name, key}`, keyed by env var. */
export function readSecrets(value: unknown, report: Report): Map<string, SecretEnv> {
  const out = new Map<string, SecretEnv>();
  for (const item of list(value)) {
    let env: string | undefined, secret: string | undefined, key: string | undefined;
    if (typeof item === "string") {
      const [e, rest] = splitKv(item);
      const i = rest.indexOf(":");
      [env, secret, key] = [e, i < 0 ? rest : rest.slice(0, i), i < 0 ? "" : rest.slice(i + 1)];
    } else if (isObject(item)) [env, secret, key] = [text(item.env_var), text(item.name), text(item.key)];
    const shown = JSON.stringify(item);
    if (!env || !secret || !key) {
      report(`kubernetes_secrets entry ${shown} needs an env var, a secret name and a key`, "give all three: {env_var, name, key} (version 7: ENV=secret-name:key)");
      continue;
    }
    if (!validResourceName(secret)) {
      report(`kubernetes_secrets: secret name "${secret}" is not a valid Kubernetes resource name`, "use lowercase letters, digits, '-' and '.'");
      continue;
    }
    if (!SECRET_KEY.test(key)) {
      report(`kubernetes_secrets: key "${key}" is not a valid Kubernetes secret key`, "use letters, digits, '-', '_' and '.'");
      continue;
    }
    out.set(env, { secret, key, env });
  }
  return out;
}

/** PVC mounts, v7 `/path=pvc` or v8 `{path, pvc_name, sub_path, read_only}`, keyed by mount path. */
export function readVolumes(value: unknown, report: Report): Map<string, VolumeMount> {
  const out = new Map<string, VolumeMount>();
  for (const item of list(value)) {
    let path: string | undefined, pvc: string | undefined, subPath: string | undefined, readOnly = false;
    if (typeof item === "string") [path, pvc] = splitKv(item).map((s) => s || undefined);
    else if (isObject(item)) [path, pvc, subPath, readOnly] = [text(item.path), text(item.pvc_name), text(item.sub_path), truthy(item.read_only)];
    if (!path && !pvc && !subPath) continue;
    const shown = JSON.stringify(item);
    if (!path || path.replace(/^\/+|\/+$/g, "") === "") {
      report(`mounted_volumes entry ${shown} has no mount path`, "set the mount path, e.g. /mnt/data");
      continue;
    }
    if (!pvc) {
      report(`mounted_volumes entry ${shown} has no persistent volume claim name`, "set pvc_name to an existing PVC");
      continue;
    }
    if (!validResourceName(pvc)) {
      report(`mounted_volumes: PVC name "${pvc}" is not a valid Kubernetes resource name`, "use lowercase letters, digits, '-' and '.'");
      continue;
    }
    if (subPath?.startsWith("/")) {
      report(`mounted_volumes: sub_path "${subPath}" must be a relative path`, "remove the leading /");
      continue;
    }
    const mountPath = `/${path.replace(/^\/+|\/+$/g, "")}`;
    const mount: VolumeMount = { pvc, mountPath };
    if (subPath) mount.subPath = subPath;
    if (readOnly) mount.readOnly = true;
    out.set(mountPath, mount);
  }
  return out;
}

/** Tolerations, v7 `ID=key:operator:value:effect` or v8 objects, keyed by all four fields. */
export function readTolerations(value: unknown, report: Report): Map<string, Toleration> {
  const out = new Map<string, Toleration>();
  for (const item of list(value)) {
    let fields: (string | undefined)[] = [];
    if (typeof item === "string") {
      const parts = splitKv(item)[1].split(":");
      if (parts.length !== 4) {
        report(`kubernetes_tolerations entry "${item}" is not ID=key:operator:value:effect`, "write it as ID=key:operator:value:effect");
        continue;
      }
      fields = parts.map((p) => p.trim() || undefined);
    } else if (isObject(item)) fields = [text(item.key), text(item.operator), text(item.value), text(item.effect)];
    else continue;
    const [key, operator = "Equal", val, effect] = fields;
    const shown = JSON.stringify(item);
    if (operator !== "Equal" && operator !== "Exists") {
      report(`kubernetes_tolerations entry ${shown}: operator "${operator}" must be Equal or Exists`, "use Equal or Exists");
      continue;
    }
    if (operator === "Equal" && !key) {
      report(`kubernetes_tolerations entry ${shown}: operator Equal needs a key`, "set a key, or use operator Exists");
      continue;
    }
    if (operator === "Exists" && val) {
      report(`kubernetes_tolerations entry ${shown}: operator Exists takes no value`, "remove the value, or use operator Equal");
      continue;
    }
    if (effect && !["NoExecute", "NoSchedule", "PreferNoSchedule"].includes(effect)) {
      report(`kubernetes_tolerations entry ${shown}: effect "${effect}" must be NoExecute, NoSchedule or PreferNoSchedule`, "pick one of those effects, or leave it empty");
      continue;
    }
    const t: Toleration = {};
    if (key) t.key = key;
    t.operator = operator;
    if (val) t.value = val;
    if (effect) t.effect = effect;
    out.set(`${key ?? ""}::${operator}::${val ?? ""}::${effect ?? ""}`, t);
  }
  return out;
}

/** Pod labels or annotations, v7 `key=value` or v8 `{key, value}`. */
export function readMetadata(value: unknown, what: "labels" | "annotations", report: Report): Map<string, string> {
  const prop = `kubernetes_pod_${what}`;
  const out = new Map<string, string>();
  for (const item of list(value)) {
    let key: string | undefined, val = "";
    if (typeof item === "string") [key, val] = splitKv(item);
    else if (isObject(item)) [key, val] = [text(item.key), typeof item.value === "string" ? item.value.trim() : (text(item.value) ?? "")];
    else continue;
    if (!key) {
      report(`${prop} entry ${JSON.stringify(item)} has no key`, "write it as key=value");
      continue;
    }
    if (!validMetadataKey(key)) {
      report(`${prop}: "${key}" is not a valid Kubernetes ${what === "labels" ? "label" : "annotation"} key`, "use [prefix/]name with letters, digits, '-', '_' and '.'");
      continue;
    }
    if (what === "labels" && !validLabelValue(val)) {
      report(`${prop}: value "${val}" of "${key}" is not a valid Kubernetes label value`, "use at most 63 letters, digits, '-', '_' and '.'");
      continue;
    }
    out.set(key, val);
  }
  return out;
}

/** A positive number from a resource field, or undefined when unset; reports anything else. */
function readQuantity(params: Json, name: string, report: Report): number | undefined {
  const raw = text(params[name]);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) {
    report(`${name} is ${JSON.stringify(params[name])}, not a positive number`, `set ${name} to a number greater than zero, or clear it`);
    return undefined;
  }
  return n === 0 ? undefined : n;
}

/** Resources the way Elyra's KFP processor sets them: cpu as given, memory in G, GPUs under the vendor's resource name. */
export function readResources(params: Json, report: Report): { requests: Record<string, string>; limits: Record<string, string> } {
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  const cpu = readQuantity(params, "cpu", report);
  const cpuLimit = readQuantity(params, "cpu_limit", report);
  const memory = readQuantity(params, "memory", report);
  const memoryLimit = readQuantity(params, "memory_limit", report);
  const gpu = readQuantity(params, "gpu", report);
  if (cpu !== undefined && cpuLimit !== undefined && cpuLimit < cpu) {
    report(`cpu_limit (${cpuLimit}) is lower than cpu (${cpu})`, "raise cpu_limit to at least cpu, or lower cpu");
  }
  if (memory !== undefined && memoryLimit !== undefined && memoryLimit < memory) {
    report(`memory_limit (${memoryLimit}) is lower than memory (${memory})`, "raise memory_limit to at least memory, or lower memory");
  }
  if (gpu !== undefined && !Number.isInteger(gpu)) report(`gpu is ${gpu}, not a whole number`, "request a whole number of GPUs");
  if (cpu !== undefined) requests.cpu = String(cpu);
  if (memory !== undefined) requests.memory = `${memory}G`;
  if (cpuLimit !== undefined) limits.cpu = String(cpuLimit);
  if (memoryLimit !== undefined) limits.memory = `${memoryLimit}G`;
  if (gpu !== undefined) limits[text(params.gpu_vendor) ?? "nvidia.com/gpu"] = String(gpu);
  return { requests, limits };
}

/** Shared memory size (`{size, units}` in G, or a bare number), as a Kubernetes quantity. */
export function readSharedMemory(value: unknown, report: Report): string | undefined {
  const size = isObject(value) ? text(value.size) : text(value);
  const units = (isObject(value) ? text(value.units) : undefined) ?? "G";
  if (size === undefined) return undefined;
  const n = Number(size);
  if (!Number.isFinite(n) || n < 0) {
    report(`kubernetes_shared_mem_size ${JSON.stringify(value)} is not a positive number`, "set the size in G, e.g. 1");
    return undefined;
  }
  if (units !== "G") {
    report(`kubernetes_shared_mem_size units "${units}" must be "G"`, 'use units "G"');
    return undefined;
  }
  return n === 0 ? undefined : `${n}${units}`;
}

/** A list of non-empty strings (dependencies, outputs, parameter names). */
function readStrings(value: unknown, name: string, report: Report): string[] {
  const out: string[] = [];
  for (const item of list(value)) {
    const s = text(item);
    if (typeof item !== "string" && item !== null && item !== undefined) report(`${name} entry ${JSON.stringify(item)} is not a string`, `list ${name} as strings`);
    else if (s && !out.includes(s)) out.push(s);
  }
  return out;
}

/** Pipeline-level `pipeline_defaults`, read once and merged under every node. */
export interface Defaults {
  runtimeImage?: string;
  env: Map<string, string>;
  secrets: Map<string, SecretEnv>;
  volumes: Map<string, VolumeMount>;
  tolerations: Map<string, Toleration>;
  labels: Map<string, string>;
  annotations: Map<string, string>;
  sharedMemory?: string;
  disableCaching?: boolean;
}

/** Caching switch as Elyra writes it ("True"/"False" or a boolean); undefined when unset. */
function readDisableCaching(value: unknown): boolean | undefined {
  if (value === true || value === "True" || value === "true") return true;
  if (value === false || value === "False" || value === "false") return false;
  return undefined;
}

/** Reads `app_data.properties.pipeline_defaults`. */
export function readDefaults(defaults: Json, report: Report): Defaults {
  return {
    runtimeImage: text(defaults.runtime_image),
    env: readEnv(defaults.env_vars, report),
    secrets: readSecrets(defaults.kubernetes_secrets, report),
    volumes: readVolumes(defaults.mounted_volumes, report),
    tolerations: readTolerations(defaults.kubernetes_tolerations, report),
    labels: readMetadata(defaults.kubernetes_pod_labels, "labels", report),
    annotations: readMetadata(defaults.kubernetes_pod_annotations, "annotations", report),
    sharedMemory: readSharedMemory(defaults.kubernetes_shared_mem_size, report),
    disableCaching: readDisableCaching(defaults.disable_node_caching),
  };
}

/**
 * Merges a node's parameters over the pipeline defaults as Elyra does: a node value wins; list
 * properties merge by key (env var name, mount path, label key, …) with the node's entry winning;
 * a secret replaces an env var of the same name.
 */
export function readNodeProps(params: Json, defaults: Defaults, report: Report): NodeProps {
  const merge = <T>(base: Map<string, T>, own: Map<string, T>): Map<string, T> => new Map([...base, ...own]);
  const env = merge(defaults.env, readEnv(params.env_vars, report));
  const secrets = merge(defaults.secrets, readSecrets(params.kubernetes_secrets, report));
  for (const name of secrets.keys()) env.delete(name);
  const { requests, limits } = readResources(params, report);
  const outputs = readStrings(params.outputs, "outputs", report);
  for (const o of outputs) {
    if (o.startsWith("/") || o.split("/").includes("..")) {
      report(`output "${o}" leaves the node's working directory`, "declare outputs relative to the node file's folder, without '..'");
    }
  }
  return {
    filename: text(params.filename),
    runtimeImage: text(params.runtime_image),
    dependencies: readStrings(params.dependencies, "dependencies", report),
    includeSubdirectories: truthy(params.include_subdirectories),
    outputs,
    env: Object.fromEntries(env),
    parameters: readStrings(params.pipeline_parameters, "pipeline_parameters", report),
    requests,
    limits,
    secrets: [...secrets.values()],
    volumes: [...merge(defaults.volumes, readVolumes(params.mounted_volumes, report)).values()],
    tolerations: [...merge(defaults.tolerations, readTolerations(params.kubernetes_tolerations, report)).values()],
    labels: Object.fromEntries(merge(defaults.labels, readMetadata(params.kubernetes_pod_labels, "labels", report))),
    annotations: Object.fromEntries(merge(defaults.annotations, readMetadata(params.kubernetes_pod_annotations, "annotations", report))),
    sharedMemory: readSharedMemory(params.kubernetes_shared_mem_size, report) ?? defaults.sharedMemory,
    cache: !(readDisableCaching(params.disable_node_caching) ?? defaults.disableCaching ?? false),
  };
}
