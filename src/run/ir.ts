/**
 * Reads a KFP v2 IR (PipelineSpec YAML, optionally followed by a kfp-kubernetes platform-spec
 * document) into the run graph the local executor schedules: parse → validate (as the KFP server
 * would) → typed spec → run graph. Only the subset nbbuild and simple SDK-compiled container
 * pipelines use is accepted; anything else fails with one error that lists every problem.
 */
import { NbbuildError, type Problem } from "../errors.js";
import type {
  InputDefinitions, KubernetesExecutorConfig, PipelineSpec, PlatformSpec, ResourceSpec, TaskSpec,
} from "../pipeline/kfp-types.js";
import { parseQuantity } from "../pipeline/resources.js";
import { kfpIssues } from "../pipeline/validate-kfp.js";
import { k8sName } from "../pipeline/names.js";
import { parseYamlDocuments } from "../pipeline/yaml.js";
import { topoSort } from "../plan/dag.js";

/** KFP parameter types (the proto's ParameterType names). */
export type IrParamType = "NUMBER_INTEGER" | "NUMBER_DOUBLE" | "STRING" | "BOOLEAN" | "LIST" | "STRUCT";
/** A parameter value as protobuf Value JSON carries it. */
export type IrValue = number | string | boolean | null | IrValue[] | { [k: string]: IrValue };

/** A root (pipeline) input parameter. */
export interface RootParam {
  type: IrParamType;
  default?: IrValue;
}

/** Where a task input parameter's value comes from. */
export type ParamSource =
  | { kind: "root"; name: string }
  | { kind: "task"; producer: string; key: string }
  | { kind: "constant"; value: IrValue };

/** One task of the DAG with its executor resolved. */
export interface RunTask {
  /** The step name (`train_rf`) when the run knows the plan, else the IR's task key. */
  name: string;
  /** The task key in the KFP IR (`train-rf`); `--from` accepts it too. */
  kfpTask: string;
  component: string;
  executor: string;
  deps: string[];
  image: string;
  command: string[];
  args: string[];
  env: Record<string, string>;
  /** CPU limit in cores, memory limit in bytes (undefined: unlimited). */
  cpu?: number;
  memoryBytes?: number;
  /** Input parameter types and defaults from the component's inputDefinitions. */
  paramDefs: Record<string, { type: IrParamType; default?: IrValue }>;
  params: Record<string, ParamSource>;
  /** Input artifact name → producing task and its output key; type from inputDefinitions. */
  artifacts: Record<string, { producer: string; key: string; schemaTitle: string }>;
  /** Output artifacts declared by the component: name → schemaTitle. */
  outputArtifacts: Record<string, string>;
  /** Output parameters declared by the component: name → type. */
  outputParams: Record<string, IrParamType>;
}

/** The parsed pipeline: name, root parameters, tasks in a topological order. */
export interface RunGraph {
  name: string;
  params: Record<string, RootParam>;
  tasks: RunTask[];
  /** Things in the IR that a local run ignores (platform spec secrets, PVCs…). */
  warnings: string[];
}

type Obj = Record<string, unknown>;

/** Kubernetes CPU quantity ("500m", "2", 1.5) in cores. */
export function parseCpu(v: unknown): number | undefined {
  return quantity(v, "CPU");
}

/** Kubernetes memory quantity ("256Mi", "1G", "1e9") in bytes. */
export function parseMemory(v: unknown): number | undefined {
  const n = quantity(v, "memory");
  return n === undefined ? undefined : Math.round(n);
}

function quantity(v: unknown, what: string): number | undefined {
  if (typeof v === "number") return v > 0 ? v : undefined;
  if (typeof v !== "string" || !v.trim()) return undefined;
  const n = parseQuantity(v);
  if (n === undefined) throw new Error(`bad ${what} quantity "${v}"`);
  return n > 0 ? n : undefined;
}

/** An executor's limits: the string forms win, else the SDK's numeric ones (cores, GB). */
function limits(r: ResourceSpec): { cpu?: number; memoryBytes?: number } {
  const cpu = parseCpu(r.resourceCpuLimit) ?? parseCpu(r.cpuLimit);
  const memoryBytes = parseMemory(r.resourceMemoryLimit) ?? (r.memoryLimit === undefined ? undefined : parseMemory(r.memoryLimit * 1e9));
  return { cpu, memoryBytes };
}

const paramDefs = (defs: InputDefinitions["parameters"]): RunTask["paramDefs"] =>
  Object.fromEntries(Object.entries(defs ?? {}).map(([n, d]) => [n, { type: d.parameterType as IrParamType, ...("defaultValue" in d ? { default: d.defaultValue as IrValue } : {}) }]));
const artifactTypes = (defs: InputDefinitions["artifacts"]): Record<string, string> =>
  Object.fromEntries(Object.entries(defs ?? {}).map(([n, d]) => [n, d.artifactType.schemaTitle ?? "system.Artifact"]));

/** A copy of the spec where each root task also depends on the producers of its inputs (as the KFP SDK writes it). */
function withProducerDependencies(spec: PipelineSpec): PipelineSpec {
  const copy = structuredClone(spec);
  // Not validated yet: any field may be missing or of the wrong kind.
  for (const t of Object.values(copy.root?.dag?.tasks ?? {}) as (TaskSpec | null)[]) {
    if (typeof t !== "object" || t === null) continue;
    const producers = [
      ...Object.values(t.inputs?.parameters ?? {}).map((p) => p?.taskOutputParameter?.producerTask),
      ...Object.values(t.inputs?.artifacts ?? {}).map((a) => a?.taskOutputArtifact?.producerTask),
    ].filter((p): p is string => typeof p === "string");
    if (producers.length) t.dependentTasks = [...new Set([...(Array.isArray(t.dependentTasks) ? t.dependentTasks : []), ...producers])];
  }
  return copy;
}

/** Parses IR YAML text (one or two documents) into a RunGraph; `file` names the source in errors. */
export function parseIr(text: string, file: string): RunGraph {
  let docs: unknown[];
  try {
    docs = parseYamlDocuments(text);
  } catch (e) {
    throw NbbuildError.at({ file }, `not valid YAML: ${(e as Error).message}`);
  }
  return parseIrDocuments(docs, file);
}

/**
 * Reads IR documents (PipelineSpec, optional platform spec): validated as the KFP server reads
 * them (validate-kfp.ts: structure, references, placeholders, cycles), then the typed spec becomes
 * the run graph, refusing what a local run cannot do.
 */
export function parseIrDocuments(docs: unknown[], file: string): RunGraph {
  const first = docs[0];
  if (typeof first !== "object" || first === null || !("root" in first)) {
    throw NbbuildError.at({ file }, "no KFP PipelineSpec document (with `root`) found", "pass the pipeline.yaml written by `nbbuild pipeline`");
  }
  const spec = withProducerDependencies(first as PipelineSpec);
  const issues = kfpIssues([spec, ...docs.slice(1)]);
  if (issues.length) throw new NbbuildError(issues.map((i): Problem => ({ location: { file }, message: `${i.path}: ${i.message}` })));
  const problems: string[] = [];
  const root = spec.root;
  if (Object.keys(root.inputDefinitions?.artifacts ?? {}).length) problems.push("root: pipeline input artifacts are not supported");
  const rawTasks = root.dag.tasks;
  if (!Object.keys(rawTasks).length) problems.push("root.dag.tasks is empty");

  const tasks: RunTask[] = [];
  for (const [name, t] of Object.entries(rawTasks) as [string, TaskSpec & Obj][]) {
    const where = `task "${name}"`;
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) {
      problems.push(`${where}: task names must be letters, digits, '-', '_' or '.' (they name folders of the run directory)`);
      continue;
    }
    for (const k of ["triggerPolicy", "iteratorPolicy", "parameterIterator", "artifactIterator"]) {
      if (k in t) problems.push(`${where}: ${k} (conditions/loops) is not supported by the local runner`);
    }
    const compName = t.componentRef.name;
    const comp = spec.components[compName]!;
    if (comp.dag) {
      problems.push(`${where}: nested DAG components are not supported by the local runner`);
      continue;
    }
    const execName = comp.executorLabel!;
    const container = spec.deploymentSpec.executors[execName]?.container;
    if (!container) {
      problems.push(`${where}: executor ${JSON.stringify(execName)} has no container (importer/resolver executors are not supported)`);
      continue;
    }
    if (!container.image) problems.push(`${where}: executor ${execName} has no image`);
    if (!container.command?.length) problems.push(`${where}: executor ${execName} has no command (nbbuild never relies on ENTRYPOINT)`);
    let res: { cpu?: number; memoryBytes?: number } = {};
    try {
      res = limits(container.resources ?? {});
    } catch (e) {
      problems.push(`${where}: ${(e as Error).message}`);
    }
    const params: Record<string, ParamSource> = {};
    for (const [pn, src] of Object.entries(t.inputs?.parameters ?? {})) {
      if (src.componentInputParameter !== undefined) params[pn] = { kind: "root", name: src.componentInputParameter };
      else if (src.taskOutputParameter) params[pn] = { kind: "task", producer: src.taskOutputParameter.producerTask, key: src.taskOutputParameter.outputParameterKey };
      else if (src.runtimeValue) params[pn] = { kind: "constant", value: src.runtimeValue.constant as IrValue };
      else problems.push(`${where}: input parameter "${pn}" uses an unsupported source ${JSON.stringify(Object.keys(src))}`);
    }
    const inArtifactTypes = artifactTypes(comp.inputDefinitions?.artifacts);
    const artifacts: RunTask["artifacts"] = {};
    for (const [an, src] of Object.entries(t.inputs?.artifacts ?? {})) {
      if (!src.taskOutputArtifact) {
        problems.push(`${where}: input artifact "${an}" must come from taskOutputArtifact`);
        continue;
      }
      artifacts[an] = { producer: src.taskOutputArtifact.producerTask, key: src.taskOutputArtifact.outputArtifactKey, schemaTitle: inArtifactTypes[an]! };
    }
    tasks.push({
      name,
      kfpTask: name,
      component: compName,
      executor: execName,
      deps: [...t.dependentTasks ?? []].sort(),
      image: container.image ?? "",
      command: (container.command ?? []).map(String),
      args: (container.args ?? []).map(String),
      env: Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value === undefined || e.value === null ? "" : String(e.value)])),
      ...res,
      paramDefs: paramDefs(comp.inputDefinitions?.parameters),
      params,
      artifacts,
      outputArtifacts: artifactTypes(comp.outputDefinitions?.artifacts),
      outputParams: Object.fromEntries(Object.entries(comp.outputDefinitions?.parameters ?? {}).map(([n, d]) => [n, d.parameterType as IrParamType])),
    });
  }
  if (problems.length) throw new NbbuildError(problems.map((message): Problem => ({ location: { file }, message })));
  const order = topoSort(tasks.map((t) => t.name).sort(), new Map(tasks.map((t) => [t.name, t.deps])));
  const byName = new Map(tasks.map((t) => [t.name, t]));
  const platform = docs[1] as PlatformSpec | undefined;
  return {
    name: spec.pipelineInfo.name ?? "pipeline",
    params: paramDefs(root.inputDefinitions?.parameters),
    tasks: order.map((n) => byName.get(n)!),
    warnings: platform ? platformWarnings(platform) : [],
  };
}

/** Platform-spec features a local run cannot honour, as warnings. */
function platformWarnings(doc: PlatformSpec): string[] {
  const out: string[] = [];
  for (const [exec, c] of Object.entries(doc.platforms.kubernetes?.deploymentSpec?.executors ?? {}) as [string, KubernetesExecutorConfig & Obj][]) {
    for (const s of c.secretAsEnv ?? []) out.push(`${exec}: secret ${s.secretName} is not available locally; its env vars are not set`);
    for (const s of (c.secretAsVolume ?? []) as { secretName?: string }[]) out.push(`${exec}: secret volume ${String(s.secretName)} is not mounted locally`);
    for (const p of c.pvcMount ?? []) out.push(`${exec}: PVC ${p.constant ?? "?"} at ${p.mountPath} is not mounted locally`);
  }
  return out;
}

/**
 * The graph with tasks named by the steps they run (`train_rf`, as `plan` and `image` show them)
 * instead of their KFP task keys (`train-rf`), so run output, `--json` keys and run folders use
 * one naming. `stepOf` maps a task key to its step name.
 */
export function withStepNames(graph: RunGraph, stepOf: (task: string) => string | undefined): RunGraph {
  const rename = (t: string) => {
    const step = stepOf(t);
    return step && /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(step) ? step : t;
  };
  const tasks = graph.tasks.map((t): RunTask => ({
    ...t,
    name: rename(t.name),
    deps: t.deps.map(rename),
    params: Object.fromEntries(
      Object.entries(t.params).map(([k, p]) => [k, p.kind === "task" ? { ...p, producer: rename(p.producer) } : p]),
    ),
    artifacts: Object.fromEntries(Object.entries(t.artifacts).map(([k, a]) => [k, { ...a, producer: rename(a.producer) }])),
  }));
  return { ...graph, tasks };
}

/**
 * The task `--from NAME` means: its step name, its KFP task key, or (for a pipeline file) the
 * task whose key is NAME sanitised like KFP does; undefined when none or several match.
 */
export function findTask(graph: RunGraph, name: string): RunTask | undefined {
  const exact = graph.tasks.find((t) => t.name === name) ?? graph.tasks.find((t) => t.kfpTask === name);
  if (exact) return exact;
  const key = k8sName(name);
  const loose = graph.tasks.filter((t) => k8sName(t.name) === key || t.kfpTask === key);
  return loose.length === 1 ? loose[0] : undefined;
}
