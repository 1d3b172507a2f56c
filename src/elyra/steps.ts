/**
 * Steps of one Elyra node: a script node is one "script" step; a notebook node is the Plan the
 * notebook compiler makes of it (one step, or its Kale sub-steps), re-rooted at the .pipeline
 * file's folder, renamed under the node's name and given the node's properties.
 */
import fs from "node:fs";
import path from "node:path";
import { fileHints } from "../analysis/hints.js";
import type { Diagnostic, Metric, Parameter, Plan, SecretEnv, Step, Toleration, VolumeMount } from "../plan/types.js";
import { readRequirements } from "./files.js";
import type { ResolvedNode } from "./node.js";

/** Steps of a node plus what they add to the Plan; `first`/`last` take the node's incoming/outgoing edges. */
export interface NodeSteps {
  steps: Step[];
  first: string[];
  last: string[];
  metrics: Metric[];
  parameters: Parameter[];
  diagnostics: Diagnostic[];
}

const toPosix = (p: string) => p.split(path.sep).join("/");

/** Fields every step of a node shares, taken from the node's properties. */
function nodeFields(node: ResolvedNode, pipelineFile: string, parameters: string[]) {
  const p = node.props;
  return {
    parameters,
    fileInputs: [],
    context: { dir: node.dir, include: [...node.include] },
    ...(p.runtimeImage ? { image: p.runtimeImage } : {}),
    limits: { ...p.limits },
    requests: { ...p.requests },
    env: { ...p.env },
    secrets: p.secrets.map((s) => ({ ...s })),
    volumes: p.volumes.map((v) => ({ ...v })),
    tolerations: p.tolerations.map((t) => ({ ...t })),
    labels: { ...p.labels },
    annotations: { ...p.annotations },
    cache: p.cache,
    uiOutputs: true,
    source: { file: pipelineFile, node: node.raw.id },
    ...(p.sharedMemory ? { sharedMemory: p.sharedMemory } : {}),
  };
}

/** The single step of a Python script node. */
export function scriptSteps(node: ResolvedNode, name: string, pipelineFile: string, root: string, parameters: string[]): NodeSteps {
  const reqFile = path.join(root, node.dir, "requirements.txt");
  const { requirements, skipped } = readRequirements(reqFile);
  const diagnostics: Diagnostic[] = skipped.length
    ? [
        {
          level: "warning",
          message: `pip options in requirements.txt are ignored: ${skipped.join(" ")}`,
          location: { file: toPosix(path.relative(root, reqFile)) },
        },
      ]
    : [];
  const step: Step = {
    name,
    kind: "script",
    after: [],
    cells: [],
    code: [],
    script: node.file,
    inputs: [],
    outputs: [],
    metrics: [],
    fileOutputs: [...node.props.outputs],
    fileHints: fileHints(fs.readFileSync(path.join(root, node.file), "utf8")),
    requirements,
    report: false,
    ...nodeFields(node, pipelineFile, parameters),
  };
  return { steps: [canonicalStep(step)], first: [name], last: [name], metrics: [], parameters: [], diagnostics };
}

/** Step keys in the order of the Step interface, so every step prints the same way. */
const STEP_KEYS: (keyof Step)[] = [
  "name", "kind", "after", "cells", "code", "script", "inputs", "outputs", "parameters", "metrics", "fileInputs",
  "fileOutputs", "fileHints", "context", "image", "requirements", "limits", "requests", "env", "secrets", "volumes",
  "tolerations", "labels", "annotations", "cache", "report", "sharedMemory", "uiOutputs", "source",
];

/** The step with its keys in interface order and undefined optional fields left out. */
export function canonicalStep(step: Step): Step {
  const out: Record<string, unknown> = {};
  for (const k of STEP_KEYS) if (step[k] !== undefined) out[k] = step[k];
  for (const [k, v] of Object.entries(step)) if (!(k in out) && v !== undefined) out[k] = v;
  return out as unknown as Step;
}

/** Merges two lists keyed by `key`, entries of `own` winning. */
function mergeBy<T>(base: T[], own: T[], key: (t: T) => string): T[] {
  return [...new Map([...base, ...own].map((t) => [key(t), t])).values()];
}

/**
 * The steps of a notebook node from the notebook's own Plan. `name` is the node's step name;
 * with several sub-steps each becomes `<name>_<sub-step>`, made unique against `taken` (names in
 * use, updated here).
 */
export function notebookSteps(
  node: ResolvedNode,
  sub: Plan,
  name: string,
  pipelineFile: string,
  root: string,
  parameters: string[],
  taken: Set<string>,
): NodeSteps {
  const rebase = (p: string) => toPosix(path.relative(root, path.resolve(sub.root, p))) || ".";
  const names = new Map<string, string>();
  for (const s of sub.steps) {
    if (sub.steps.length === 1) names.set(s.name, name);
    else {
      let candidate = `${name}_${s.name}`;
      for (let n = 1; taken.has(candidate); n++) candidate = `${name}_${s.name}_${n}`;
      taken.add(candidate);
      names.set(s.name, candidate);
    }
  }
  const rename = (n: string) => names.get(n) ?? n;
  const inNode = new Set(sub.steps.map((s) => s.name));
  const first = sub.steps.filter((s) => !s.after.some((a) => inNode.has(a))).map((s) => rename(s.name));
  const needed = new Set(sub.steps.flatMap((s) => s.after));
  const last = sub.steps.filter((s) => !needed.has(s.name)).map((s) => rename(s.name));
  const shared = nodeFields(node, pipelineFile, parameters);

  const steps = sub.steps.map((s): Step => {
    const own = rename(s.name);
    const step: Step = {
      ...s,
      ...shared,
      name: own,
      kind: s.kind,
      after: [...new Set(s.after.map(rename))].sort(),
      code: s.code.map((b) => ({ ...b, file: rebase(b.file) })),
      inputs: s.inputs.map((i) => ({ ...i, from: rename(i.from) })),
      parameters: [...new Set([...s.parameters, ...parameters])],
      fileOutputs: last.includes(own) ? [...node.props.outputs] : [],
      image: s.image ?? node.props.runtimeImage ?? sub.baseImage,
      limits: { ...shared.limits, ...s.limits },
      requests: { ...shared.requests, ...s.requests },
      env: { ...shared.env, ...s.env },
      secrets: mergeBy<SecretEnv>(shared.secrets, s.secrets, (x) => x.env),
      volumes: mergeBy<VolumeMount>(shared.volumes, [...sub.volumes, ...s.volumes], (x) => x.mountPath),
      tolerations: mergeBy<Toleration>(shared.tolerations, s.tolerations, (x) => JSON.stringify(x)),
      labels: { ...shared.labels, ...s.labels },
      annotations: { ...shared.annotations, ...s.annotations },
      cache: shared.cache && s.cache,
      report: s.report,
    };
    if (s.script) step.script = rebase(s.script);
    return canonicalStep(step);
  });

  const location = (loc: Diagnostic["location"]) => ({ ...loc, file: rebase(loc.file), nodeId: node.raw.id });
  const diagnostics: Diagnostic[] = sub.diagnostics.map((d) => ({ ...d, location: location(d.location) }));
  if (sub.unassigned.length) {
    diagnostics.push({
      level: "info",
      message: `node "${node.raw.label}": cells ${sub.unassigned.map((c) => c.index).join(", ")} of ${node.file} come before the first Kale tag and run in no step`,
      location: { file: node.file, nodeId: node.raw.id },
    });
  }
  if (node.props.outputs.length && sub.steps.length > 1) {
    diagnostics.push({
      level: "info",
      message: `node "${node.raw.label}": its declared outputs are collected from its last step${last.length > 1 ? "s" : ""} (${last.join(", ")})`,
      location: { file: pipelineFile, nodeId: node.raw.id },
    });
  }
  return {
    steps,
    first,
    last,
    metrics: sub.metrics.map((m) => ({ ...m, step: rename(m.step) })),
    parameters: sub.parameters.map((p) => ({ ...p, source: { ...p.source, file: rebase(p.source.file) } })),
    diagnostics,
  };
}
