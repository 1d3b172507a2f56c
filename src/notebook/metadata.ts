/** Kale's notebook metadata (`metadata.kubeflow_notebook`): names, base image, step defaults, volumes. */
import type { Location, Problem } from "../errors.js";
import type { VolumeMount } from "../plan/types.js";
import { parseStepsDefaults, type StepConfig } from "./tags.js";

/** What `kubeflow_notebook` says, validated. */
export interface KaleMeta {
  pipelineName?: string;
  description?: string;
  experiment?: string;
  baseImage?: string;
  stepsDefaults: StepConfig;
  volumes: VolumeMount[];
  /** Things the metadata asks for that nbbuild deliberately does not do (shown as warnings). */
  notes: string[];
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v.trim() ? v.trim() : undefined);

/**
 * Kale volumes: `{mount_point, name, type: "pvc" | "new_pvc" | "pv" | "clone", ...}`; our own
 * `{pvc, mountPath, subPath?, readOnly?}` is accepted too. Only existing PVCs can be mounted;
 * Rok "clone" volumes (snapshots of the notebook server) are skipped with a note.
 */
function parseVolumes(raw: unknown, loc: Location, problems: Problem[], notes: string[]): VolumeMount[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    problems.push({ location: loc, message: "kubeflow_notebook.volumes must be a list", fix: 'e.g. "volumes": [{"type": "pvc", "name": "data", "mount_point": "/data"}]' });
    return [];
  }
  const out: VolumeMount[] = [];
  raw.forEach((v: unknown, i) => {
    const o = (typeof v === "object" && v !== null ? v : {}) as Record<string, unknown>;
    const type = str(o["type"]) ?? (o["pvc"] !== undefined ? "pvc" : undefined);
    const pvc = str(o["pvc"]) ?? str(o["name"]);
    const mountPath = str(o["mountPath"]) ?? str(o["mount_point"]);
    const where = `kubeflow_notebook.volumes[${i}]`;
    if (type === "clone") {
      // Kale+Rok snapshots the notebook server's volumes; nbbuild bakes the notebook's folder into each image instead.
      notes.push(`${where}: the Rok "clone" volume ${pvc ?? "?"} at ${mountPath ?? "?"} is not recreated; the notebook's folder is baked into every step image as its working dir (use {"type": "pvc", ...} to mount shared storage)`);
      return;
    }
    if (type !== "pvc" && type !== "new_pvc") {
      problems.push({ location: loc, message: `${where}: volume type ${JSON.stringify(type ?? "missing")} is not supported`, fix: 'create the claim beforehand and use {"type": "pvc", "name": CLAIM, "mount_point": PATH}' });
      return;
    }
    if (!pvc || !mountPath || !mountPath.startsWith("/")) {
      problems.push({ location: loc, message: `${where}: a volume needs a claim name and an absolute mount_point`, fix: 'e.g. {"type": "pvc", "name": "data", "mount_point": "/data"}' });
      return;
    }
    const m: VolumeMount = { pvc, mountPath };
    const sub = str(o["subPath"]) ?? str(o["sub_path"]);
    if (sub) m.subPath = sub;
    if (o["readOnly"] === true || o["read_only"] === true) m.readOnly = true;
    out.push(m);
  });
  return out;
}

/** Reads `metadata.kubeflow_notebook` of a notebook; problems are appended, never thrown. */
export function readKaleMeta(metadata: Record<string, unknown>, file: string, problems: Problem[]): KaleMeta {
  const raw = metadata["kubeflow_notebook"];
  const k = (typeof raw === "object" && raw !== null && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>;
  const loc: Location = { file };
  const notes: string[] = [];
  return {
    pipelineName: str(k["pipeline_name"]),
    description: str(k["pipeline_description"]),
    experiment: str(k["experiment_name"]),
    baseImage: str(k["docker_image"]) ?? str(k["base_image"]),
    stepsDefaults: parseStepsDefaults(k["steps_defaults"], loc, problems),
    volumes: parseVolumes(k["volumes"], loc, problems, notes),
    notes,
  };
}

/** A DNS-1123-ish pipeline name: lowercase letters, digits and '-', at most 63 characters. */
export function dnsName(s: string): string {
  const n = s.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/-+/g, "-").replace(/^-+|-+$/g, "").slice(0, 63).replace(/-+$/, "");
  return n || "pipeline";
}
