/**
 * Reads a KFP v2 IR (PipelineSpec YAML, optionally followed by a kfp-kubernetes platform-spec
 * document) into the run graph the local executor schedules. Only the subset nbbuild and simple
 * SDK-compiled container pipelines use is accepted; anything else fails with one error that lists
 * every unsupported construct.
 */
import yaml from "js-yaml";
import { NbbuildError, type Problem } from "../errors.js";
import { k8sName } from "../pipeline/names.js";
import { scanPlaceholders } from "./placeholders.js";

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

const PARAM_TYPES = new Set(["NUMBER_INTEGER", "NUMBER_DOUBLE", "STRING", "BOOLEAN", "LIST", "STRUCT"]);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const obj = (v: unknown): Obj => (isObj(v) ? v : {});
const strings = (v: unknown): string[] | undefined =>
  Array.isArray(v) && v.every((x) => typeof x === "string" || typeof x === "number") ? v.map(String) : undefined;

/** Parses Kubernetes-style CPU quantities ("500m", "2", 1.5) into cores. */
export function parseCpu(v: unknown): number | undefined {
  if (typeof v === "number") return v > 0 ? v : undefined;
  if (typeof v !== "string" || !v.trim()) return undefined;
  const m = /^\s*([0-9.]+)\s*(m?)\s*$/.exec(v);
  if (!m) throw new Error(`bad CPU quantity "${v}"`);
  const n = Number(m[1]) / (m[2] ? 1000 : 1);
  return n > 0 ? n : undefined;
}

const MEM_UNITS: Record<string, number> = {
  "": 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4,
};

/** Parses Kubernetes memory quantities ("256Mi", "1G", "1e9") into bytes. */
export function parseMemory(v: unknown): number | undefined {
  if (typeof v === "number") return v > 0 ? Math.round(v) : undefined;
  if (typeof v !== "string" || !v.trim()) return undefined;
  const m = /^\s*([0-9.eE+]+)\s*(Ki|Mi|Gi|Ti|k|K|M|G|T|)\s*$/.exec(v);
  if (!m || Number.isNaN(Number(m[1]))) throw new Error(`bad memory quantity "${v}"`);
  const n = Math.round(Number(m[1]) * MEM_UNITS[m[2]]);
  return n > 0 ? n : undefined;
}

/** Reads an executor's resources: the string forms win, else the SDK's numeric ones (GB). */
function resources(r: Obj): { cpu?: number; memoryBytes?: number } {
  const cpu = parseCpu(r.resourceCpuLimit) ?? parseCpu(r.cpuLimit);
  const memoryBytes =
    parseMemory(r.resourceMemoryLimit) ?? (typeof r.memoryLimit === "number" ? parseMemory(r.memoryLimit * 1e9) : undefined);
  return { cpu, memoryBytes };
}

function paramDefs(defs: unknown, where: string, problems: string[]): Record<string, { type: IrParamType; default?: IrValue }> {
  const out: Record<string, { type: IrParamType; default?: IrValue }> = {};
  for (const [name, d] of Object.entries(obj(defs))) {
    const t = obj(d).parameterType;
    if (typeof t !== "string" || !PARAM_TYPES.has(t)) {
      problems.push(`${where}: parameter "${name}" has unknown parameterType ${JSON.stringify(t)}`);
      continue;
    }
    out[name] = { type: t as IrParamType };
    if ("defaultValue" in obj(d)) out[name].default = obj(d).defaultValue as IrValue;
  }
  return out;
}

/** Orders tasks so every task follows its dependencies (ties: name order); throws on cycles. */
function topo(tasks: RunTask[]): RunTask[] {
  const byName = new Map(tasks.map((t) => [t.name, t]));
  const done = new Set<string>();
  const out: RunTask[] = [];
  const visiting = new Set<string>();
  const visit = (t: RunTask, chain: string[]) => {
    if (done.has(t.name)) return;
    if (visiting.has(t.name)) throw new Error(`dependency cycle: ${[...chain, t.name].join(" → ")}`);
    visiting.add(t.name);
    for (const d of [...t.deps].sort()) visit(byName.get(d)!, [...chain, t.name]);
    visiting.delete(t.name);
    done.add(t.name);
    out.push(t);
  };
  for (const t of [...tasks].sort((a, b) => a.name.localeCompare(b.name))) visit(t, []);
  return out;
}

/** Parses IR YAML text (one or two documents) into a RunGraph; `file` names the source in errors. */
export function parseIr(text: string, file: string): RunGraph {
  let docs: unknown[];
  try {
    docs = yaml.loadAll(text);
  } catch (e) {
    throw NbbuildError.at({ file }, `not valid YAML: ${(e as Error).message}`);
  }
  return parseIrDocuments(docs, file);
}

/** Parses already-loaded IR documents (PipelineSpec, optional platform spec) into a RunGraph. */
export function parseIrDocuments(docs: unknown[], file: string): RunGraph {
  const spec = obj(docs.find((d) => isObj(d) && "root" in d));
  const platform = docs.find((d) => isObj(d) && "platforms" in d);
  if (!isObj(spec.root)) {
    throw NbbuildError.at({ file }, "no KFP PipelineSpec document (with `root`) found", "pass the pipeline.yaml written by `nbbuild pipeline`");
  }
  const problems: string[] = [];
  const warnings: string[] = [];
  const components = obj(spec.components);
  const executors = obj(obj(spec.deploymentSpec).executors);
  const root = spec.root;
  const params: Record<string, RootParam> = paramDefs(obj(root.inputDefinitions).parameters, "root", problems);
  if (Object.keys(obj(obj(root.inputDefinitions).artifacts)).length) problems.push("root: pipeline input artifacts are not supported");
  const rawTasks = obj(obj(root.dag).tasks);
  if (!Object.keys(rawTasks).length) problems.push("root.dag.tasks is empty");

  const tasks: RunTask[] = [];
  for (const [name, raw] of Object.entries(rawTasks)) {
    const t = obj(raw);
    const where = `task "${name}"`;
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) {
      problems.push(`${where}: task names must be letters, digits, '-', '_' or '.' (they name folders of the run directory)`);
      continue;
    }
    for (const k of ["triggerPolicy", "iteratorPolicy", "parameterIterator", "artifactIterator"]) {
      if (k in t) problems.push(`${where}: ${k} (conditions/loops) is not supported by the local runner`);
    }
    const compName = obj(t.componentRef).name;
    const comp = typeof compName === "string" ? components[compName] : undefined;
    if (!isObj(comp)) {
      problems.push(`${where}: componentRef ${JSON.stringify(compName)} is not in components`);
      continue;
    }
    if ("dag" in comp) {
      problems.push(`${where}: nested DAG components are not supported by the local runner`);
      continue;
    }
    const execName = comp.executorLabel;
    const exec = typeof execName === "string" ? obj(executors[execName]) : {};
    const container = exec.container;
    if (!isObj(container)) {
      problems.push(`${where}: executor ${JSON.stringify(execName)} has no container (importer/resolver executors are not supported)`);
      continue;
    }
    const image = container.image;
    const command = strings(container.command ?? []);
    const args = strings(container.args ?? []);
    if (typeof image !== "string" || !image) problems.push(`${where}: executor ${execName} has no image`);
    if (!command || !args) problems.push(`${where}: executor ${execName} command/args must be lists of strings`);
    if (command && !command.length) problems.push(`${where}: executor ${execName} has no command (nbbuild never relies on ENTRYPOINT)`);
    const env: Record<string, string> = {};
    for (const e of Array.isArray(container.env) ? container.env : []) {
      const { name: n, value } = obj(e);
      if (typeof n === "string") env[n] = value === undefined || value === null ? "" : String(value);
    }
    let res: { cpu?: number; memoryBytes?: number } = {};
    try {
      res = resources(obj(container.resources));
    } catch (e) {
      problems.push(`${where}: ${(e as Error).message}`);
    }
    const inDefs = obj(comp.inputDefinitions);
    const outDefs = obj(comp.outputDefinitions);
    const pDefs = paramDefs(inDefs.parameters, `component ${compName}`, problems);
    const artTypes = (defs: unknown) =>
      Object.fromEntries(
        Object.entries(obj(defs)).map(([n, d]) => [n, String(obj(obj(d).artifactType).schemaTitle ?? "system.Artifact")]),
      );
    const inArtTypes = artTypes(inDefs.artifacts);
    const outputArtifacts = artTypes(outDefs.artifacts);
    const outputParams = Object.fromEntries(
      Object.entries(paramDefs(outDefs.parameters, `component ${compName}`, problems)).map(([n, d]) => [n, d.type]),
    );

    const taskParams: Record<string, ParamSource> = {};
    for (const [pn, src] of Object.entries(obj(obj(t.inputs).parameters))) {
      const s = obj(src);
      if (typeof s.componentInputParameter === "string") taskParams[pn] = { kind: "root", name: s.componentInputParameter };
      else if (isObj(s.taskOutputParameter))
        taskParams[pn] = {
          kind: "task",
          producer: String(s.taskOutputParameter.producerTask),
          key: String(s.taskOutputParameter.outputParameterKey),
        };
      else if (isObj(s.runtimeValue) && "constant" in s.runtimeValue)
        taskParams[pn] = { kind: "constant", value: s.runtimeValue.constant as IrValue };
      else problems.push(`${where}: input parameter "${pn}" uses an unsupported source ${JSON.stringify(Object.keys(s))}`);
      if (!(pn in pDefs)) problems.push(`${where}: input parameter "${pn}" is not declared by ${compName}`);
    }
    for (const [pn, d] of Object.entries(pDefs)) {
      const optional = obj(obj(inDefs.parameters)[pn]).isOptional === true;
      if (!(pn in taskParams) && d.default === undefined && !optional) problems.push(`${where}: input parameter "${pn}" gets no value (no task input, no default)`);
    }
    const taskArts: RunTask["artifacts"] = {};
    for (const [an, src] of Object.entries(obj(obj(t.inputs).artifacts))) {
      const s = obj(obj(src).taskOutputArtifact);
      if (typeof s.producerTask !== "string" || typeof s.outputArtifactKey !== "string") {
        problems.push(`${where}: input artifact "${an}" must come from taskOutputArtifact`);
        continue;
      }
      taskArts[an] = { producer: s.producerTask, key: s.outputArtifactKey, schemaTitle: inArtTypes[an] ?? "system.Artifact" };
      if (!(an in inArtTypes)) problems.push(`${where}: input artifact "${an}" is not declared by ${compName}`);
    }
    const deps = new Set<string>(strings(t.dependentTasks) ?? []);
    for (const a of Object.values(taskArts)) deps.add(a.producer);
    for (const p of Object.values(taskParams)) if (p.kind === "task") deps.add(p.producer);

    const task: RunTask = {
      name,
      kfpTask: name,
      component: String(compName),
      executor: String(execName),
      deps: [...deps].sort(),
      image: String(image ?? ""),
      command: command ?? [],
      args: args ?? [],
      env,
      ...res,
      paramDefs: pDefs,
      params: taskParams,
      artifacts: taskArts,
      outputArtifacts,
      outputParams,
    };
    for (const p of scanPlaceholders([...task.command, ...task.args])) {
      const bad = checkPlaceholder(task, p);
      if (bad) problems.push(`${where}: ${bad}`);
    }
    tasks.push(task);
  }

  const names = new Set(tasks.map((t) => t.name));
  for (const t of tasks) {
    for (const d of t.deps) if (!names.has(d) && d in rawTasks === false) problems.push(`task "${t.name}": depends on unknown task "${d}"`);
    for (const [pn, p] of Object.entries(t.params)) {
      if (p.kind === "root" && !(p.name in params)) problems.push(`task "${t.name}": parameter "${pn}" reads unknown pipeline parameter "${p.name}"`);
      if (p.kind === "task") {
        const prod = tasks.find((x) => x.name === p.producer);
        if (prod && !(p.key in prod.outputParams)) problems.push(`task "${t.name}": parameter "${pn}" reads "${p.key}" that ${p.producer} does not output`);
      }
    }
    for (const [an, a] of Object.entries(t.artifacts)) {
      const prod = tasks.find((x) => x.name === a.producer);
      if (prod && !(a.key in prod.outputArtifacts)) problems.push(`task "${t.name}": artifact "${an}" reads "${a.key}" that ${a.producer} does not output`);
    }
  }
  if (isObj(platform)) warnings.push(...platformWarnings(platform));
  if (problems.length) throw new NbbuildError(problems.map((message): Problem => ({ location: { file }, message })));
  let ordered: RunTask[];
  try {
    ordered = topo(tasks);
  } catch (e) {
    throw NbbuildError.at({ file }, (e as Error).message);
  }
  const name = String(obj(spec.pipelineInfo).name ?? "pipeline");
  return { name, params, tasks: ordered, warnings };
}

/** Checks that a placeholder is one the launcher substitutes and names a declared input/output. */
function checkPlaceholder(task: RunTask, p: string): string | undefined {
  if (p === "{{$}}") return undefined;
  let m = /^\{\{\$\.inputs\.parameters\['([^']+)'\]\}\}$/.exec(p);
  if (m) return m[1] in task.paramDefs ? undefined : `placeholder ${p} names an undeclared input parameter`;
  m = /^\{\{\$\.inputs\.artifacts\['([^']+)'\]\.(path|uri)\}\}$/.exec(p);
  if (m) return m[1] in task.artifacts ? undefined : `placeholder ${p} names an input artifact the task does not receive`;
  m = /^\{\{\$\.outputs\.artifacts\['([^']+)'\]\.(path|uri)\}\}$/.exec(p);
  if (m) return m[1] in task.outputArtifacts ? undefined : `placeholder ${p} names an undeclared output artifact`;
  m = /^\{\{\$\.outputs\.parameters\['([^']+)'\]\.output_file\}\}$/.exec(p);
  if (m) return m[1] in task.outputParams ? undefined : `placeholder ${p} names an undeclared output parameter`;
  return `placeholder ${p} is not one the KFP launcher substitutes ({{$}}, inputs.parameters, inputs/outputs.artifacts .path/.uri, outputs.parameters .output_file)`;
}

/** Platform-spec features a local run cannot honour, as warnings. */
function platformWarnings(doc: Obj): string[] {
  const out: string[] = [];
  const execs = obj(obj(obj(obj(doc.platforms).kubernetes).deploymentSpec).executors);
  for (const [exec, cfg] of Object.entries(execs)) {
    const c = obj(cfg);
    for (const s of Array.isArray(c.secretAsEnv) ? c.secretAsEnv : [])
      out.push(`${exec}: secret ${String(obj(s).secretName)} is not available locally; its env vars are not set`);
    for (const s of Array.isArray(c.secretAsVolume) ? c.secretAsVolume : [])
      out.push(`${exec}: secret volume ${String(obj(s).secretName)} is not mounted locally`);
    for (const p of Array.isArray(c.pvcMount) ? c.pvcMount : [])
      out.push(`${exec}: PVC ${String(obj(p).constant ?? "?")} at ${String(obj(p).mountPath)} is not mounted locally`);
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
