/**
 * Step.limits / Step.requests → KFP ResourceSpec. KFP 2.0.5 (the backend of OpenShift AI DSP ≤ 2.6)
 * reads only the old numeric fields (cpu cores, memory in GB) and accelerator {type, count};
 * the string fields `resource*` are written too when the target backend knows them (≥ 2.4).
 */
import type { ResourceSpec } from "./kfp-types.js";

const QUANTITY = /^\+?([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|K|M|G|T|P|E|[eE][+-]?[0-9]+)?$/;
const FACTOR: Record<string, number> = {
  "": 1, m: 1e-3, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** Parses a Kubernetes quantity ("500m", "4Gi", "1.5") to a plain number, or undefined. */
export function parseQuantity(q: string): number | undefined {
  const m = QUANTITY.exec(q.trim());
  if (!m) return undefined;
  const suffix = m[2] ?? "";
  const base = Number(m[1]);
  if (/^[eE]/.test(suffix)) return base * 10 ** Number(suffix.slice(1));
  return base * FACTOR[suffix]!;
}

/** Rounds away binary floating noise so 0.1+0.2-style artefacts never reach the YAML. */
const tidy = (n: number): number => Number(n.toPrecision(12));

/** True when a KFP backend version string is at least `min` (both "x.y.z"). */
export function versionAtLeast(version: string, min: string): boolean {
  const a = version.split(".").map(Number);
  const b = min.split(".").map(Number);
  for (let i = 0; i < 3; i++) {
    const x = a[i] ?? 0, y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

/** Oldest backend that reads the `resource*` string fields. */
export const RESOURCE_STRINGS_SINCE = "2.4.0";

/** Problems with a step's resources (bad quantity, several accelerators), as messages. */
export function resourceProblems(limits: Record<string, string>, requests: Record<string, string>): string[] {
  const out: string[] = [];
  for (const [kind, map] of [["limit", limits], ["request", requests]] as const) {
    for (const [k, v] of Object.entries(map)) {
      if (parseQuantity(v) === undefined) out.push(`${kind} ${k}: "${v}" is not a Kubernetes quantity (e.g. 2, 500m, 4Gi)`);
    }
  }
  const acc = Object.keys(limits).filter((k) => k !== "cpu" && k !== "memory");
  if (acc.length > 1) out.push(`KFP allows one accelerator per task, got ${acc.join(", ")}`);
  const accReq = Object.keys(requests).filter((k) => k !== "cpu" && k !== "memory");
  if (accReq.length) out.push(`requests for ${accReq.join(", ")} cannot be expressed in KFP; set them as limits`);
  for (const k of acc) {
    const n = parseQuantity(limits[k]!);
    if (n !== undefined && !Number.isInteger(n)) out.push(`accelerator ${k} count must be a whole number, got "${limits[k]}"`);
  }
  return out;
}

/** Builds the ResourceSpec for a step, or undefined when it sets none. Call resourceProblems first. */
export function toResourceSpec(
  limits: Record<string, string>,
  requests: Record<string, string>,
  kfpVersion: string,
): ResourceSpec | undefined {
  const r: ResourceSpec = {};
  const strings = versionAtLeast(kfpVersion, RESOURCE_STRINGS_SINCE);
  const gb = (q: string) => tidy(parseQuantity(q)! / 1e9);
  const cores = (q: string) => tidy(parseQuantity(q)!);
  if (limits.cpu !== undefined) {
    r.cpuLimit = cores(limits.cpu);
    if (strings) r.resourceCpuLimit = limits.cpu;
  }
  if (limits.memory !== undefined) {
    r.memoryLimit = gb(limits.memory);
    if (strings) r.resourceMemoryLimit = limits.memory;
  }
  if (requests.cpu !== undefined) {
    r.cpuRequest = cores(requests.cpu);
    if (strings) r.resourceCpuRequest = requests.cpu;
  }
  if (requests.memory !== undefined) {
    r.memoryRequest = gb(requests.memory);
    if (strings) r.resourceMemoryRequest = requests.memory;
  }
  const acc = Object.keys(limits).find((k) => k !== "cpu" && k !== "memory");
  if (acc) {
    const count = String(parseQuantity(limits[acc]!)!);
    r.accelerator = { type: acc, count };
    if (strings) Object.assign(r.accelerator, { resourceType: acc, resourceCount: count });
  }
  return Object.keys(r).length ? r : undefined;
}
