/**
 * Plan + BuildRecord → KFP v2 pipeline IR (PipelineSpec, schemaVersion 2.1.0) shaped like the KFP
 * SDK's own output: one component and executor per step, root DAG tasks keyed by the sanitised step
 * name. Pure: returns plain objects; yaml.ts writes them, validate-kfp.ts checks them.
 */
import type { BuildRecord } from "../images/record-types.js";
import { STEP_COMMAND, runnerArgs, stepIo, type StepArtifact } from "../contract.js";
import { NbbuildError, type Problem } from "../errors.js";
import type { Plan, Step } from "../plan/types.js";
import { VERSION } from "../version.js";
import { stepImageRef } from "./image-ref.js";
import type {
  ArtifactDef,
  ComponentSpec,
  ContainerSpec,
  InputDefinitions,
  KfpIr,
  OutputDefinitions,
  PipelineSpec,
  TaskSpec,
} from "./kfp-types.js";
import { componentName, executorLabel, pipelineName, taskName } from "./names.js";
import { toPlatformSpec } from "./platform.js";
import { resourceProblems, toResourceSpec } from "./resources.js";
import { stepLocation } from "./location.js";

/** Oldest backend we target unless told otherwise (OpenShift AI DSP 2.0–2.6). */
export const DEFAULT_KFP_VERSION = "2.0.5";

/** Flags that shape the IR beyond the Plan. */
export interface KfpOptions {
  /** Pipeline name (flag), else Plan.name; sanitised like the SDK. */
  name?: string;
  description?: string;
  /** Oldest KFP backend the file must load on; gates newer fields. Default 2.0.5. */
  kfpVersion?: string;
  /** Image pull secrets for every task (platform spec). */
  imagePullSecrets?: string[];
}

const artifact = (schemaTitle: string): ArtifactDef => ({ artifactType: { schemaTitle, schemaVersion: "0.0.1" } });

const artifacts = (arts: StepArtifact[]): Record<string, ArtifactDef> =>
  Object.fromEntries(arts.map((a) => [a.name, { artifactType: { schemaTitle: a.type, schemaVersion: "0.0.1" } }]));

/** Component input definitions of a step: typed parameters, variables and file sets as artifacts. */
function inputDefinitions(plan: Plan, step: Step): InputDefinitions | undefined {
  const defs: InputDefinitions = {};
  if (step.parameters.length) {
    defs.parameters = {};
    for (const p of step.parameters) {
      const param = plan.parameters.find((x) => x.name === p)!;
      defs.parameters[p] = { parameterType: param.type };
    }
  }
  const ins = stepIo(step).artifacts.filter((a) => a.direction === "in");
  if (ins.length) defs.artifacts = artifacts(ins);
  return Object.keys(defs).length ? defs : undefined;
}

/** Component output definitions: variables, files, report, metrics and Elyra UI outputs. */
function outputDefinitions(step: Step): OutputDefinitions | undefined {
  const outs = stepIo(step).artifacts.filter((a) => a.direction === "out");
  return outs.length ? { artifacts: artifacts(outs) } : undefined;
}

/** The root DAG task of a step: wiring of parameters and artifacts, dependencies, caching. */
function task(step: Step): TaskSpec {
  const t: TaskSpec = {
    taskInfo: { name: taskName(step.name) },
    componentRef: { name: componentName(step.name) },
    cachingOptions: step.cache ? { enableCache: true } : {},
  };
  const ins = stepIo(step).artifacts.filter((a) => a.direction === "in");
  const deps = new Set<string>([...step.after, ...ins.map((a) => a.from!.step)].map(taskName));
  if (deps.size) t.dependentTasks = [...deps].sort();
  const inputs: NonNullable<TaskSpec["inputs"]> = {};
  if (step.parameters.length) {
    inputs.parameters = {};
    for (const p of step.parameters) inputs.parameters[p] = { componentInputParameter: p };
  }
  if (ins.length) {
    inputs.artifacts = Object.fromEntries(ins.map((a) => [a.name, { taskOutputArtifact: { producerTask: taskName(a.from!.step), outputArtifactKey: a.from!.key } }]));
  }
  if (Object.keys(inputs).length) t.inputs = inputs;
  return t;
}

/** Checks the Plan/record for what the IR cannot express; every problem at once. */
function problems(plan: Plan, record: BuildRecord): Problem[] {
  const out: Problem[] = [];
  const seen = new Map<string, string>();
  const params = new Set(plan.parameters.map((p) => p.name));
  for (const step of plan.steps) {
    const at = stepLocation(step);
    const key = taskName(step.name);
    if (!key) out.push({ location: at, message: `step name "${step.name}" has no letters or digits`, fix: "rename the step" });
    else if (seen.has(key)) {
      out.push({ location: at, message: `steps "${seen.get(key)}" and "${step.name}" both become KFP task "${key}"`, fix: "rename one of the steps" });
    } else seen.set(key, step.name);
    if (!record.steps[step.name]) {
      out.push({ location: at, message: `no image was built for step "${step.name}"`, fix: `run \`nbbuild image ${plan.source.file}\` (or pass --build)` });
    }
    for (const p of step.parameters) {
      if (!params.has(p)) out.push({ location: at, message: `step reads pipeline parameter "${p}" that the plan does not define` });
    }
    for (const m of resourceProblems(step.limits, step.requests)) out.push({ location: at, message: m });
  }
  return out;
}

/** Builds the KFP IR (PipelineSpec + optional kfp-kubernetes platform spec) for a built Plan. */
export function toKfpIr(plan: Plan, record: BuildRecord, options: KfpOptions = {}): KfpIr {
  const kfpVersion = options.kfpVersion ?? DEFAULT_KFP_VERSION;
  const platform = toPlatformSpec(plan, { imagePullSecrets: options.imagePullSecrets ?? [], kfpVersion });
  const found = [...problems(plan, record), ...platform.problems];
  if (found.length) throw new NbbuildError(found);
  const warnings: string[] = [];
  const components: Record<string, ComponentSpec> = {};
  const executors: PipelineSpec["deploymentSpec"]["executors"] = {};
  const tasks: Record<string, TaskSpec> = {};

  for (const step of plan.steps) {
    const ref = stepImageRef(record, step.name)!;
    if (ref.warning) warnings.push(ref.warning);
    const comp: ComponentSpec = { executorLabel: executorLabel(step.name) };
    const ins = inputDefinitions(plan, step);
    if (ins) comp.inputDefinitions = ins;
    const outs = outputDefinitions(step);
    if (outs) comp.outputDefinitions = outs;
    components[componentName(step.name)] = comp;

    const container: ContainerSpec = { image: ref.image, command: [...STEP_COMMAND], args: runnerArgs(step) };
    const env = Object.entries(step.env);
    if (env.length) container.env = env.map(([name, value]) => ({ name, value }));
    const resources = toResourceSpec(step.limits, step.requests, kfpVersion);
    if (resources) container.resources = resources;
    executors[executorLabel(step.name)] = { container };
    tasks[taskName(step.name)] = task(step);
  }

  const description = options.description ?? plan.description;
  const spec: PipelineSpec = {
    pipelineInfo: { name: pipelineName(options.name ?? plan.name), ...(description ? { description } : {}) },
    sdkVersion: `nbbuild-${VERSION}`,
    schemaVersion: "2.1.0",
    components,
    deploymentSpec: { executors },
    root: { dag: { tasks } },
  };
  if (plan.parameters.length) {
    spec.root.inputDefinitions = { parameters: {} };
    for (const p of plan.parameters) {
      spec.root.inputDefinitions.parameters![p.name] = { defaultValue: p.default, isOptional: true, parameterType: p.type };
    }
  }
  warnings.push(...platform.warnings);
  return { pipelineSpec: spec, ...(platform.spec ? { platformSpec: platform.spec } : {}), warnings };
}
