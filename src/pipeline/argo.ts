/**
 * Plan + BuildRecord → an Argo Workflow for clusters that run Argo directly: a DAG template and
 * one container template per step running the same image and runner as the KFP file. Argo has no
 * KFP launcher, so the runner gets concrete paths instead of KFP placeholders: `{{$}}` becomes an
 * ExecutorInput JSON built here, artifact paths become /tmp/nbbuild/… paths backed by Argo
 * input/output artifacts, parameters come from workflow arguments. Non-root, no privilege
 * escalation, no executor-specific assumptions (explicit command, no docker socket).
 */
import type { BuildRecord } from "../images/record-types.js";
import {
  EXECUTOR_INPUT, STEP_COMMAND, inputArtifactPath, outputArtifactPath, paramPlaceholder, runnerArgs, stepIo, type StepArtifact,
} from "../contract.js";
import { NbbuildError } from "../errors.js";
import type { Plan, Step } from "../plan/types.js";
import { stepImageRef } from "./image-ref.js";
import { stepLocation } from "./location.js";
import { k8sName, pipelineName, taskName } from "./names.js";
import { resourceProblems } from "./resources.js";

/** Where artifacts live inside an Argo step container. */
export const ARGO_IO_ROOT = "/tmp/nbbuild";
/** Path where an Argo step receives input artifact `name`. */
export const argoInputPath = (name: string) => `${ARGO_IO_ROOT}/inputs/${name}`;
/** Path where an Argo step leaves output artifact `name`. */
export const argoOutputPath = (name: string) => `${ARGO_IO_ROOT}/outputs/${name}`;
/** Where the runner writes its ExecutorOutput JSON under Argo (nothing reads it; kept for parity). */
export const ARGO_OUTPUT_FILE = `${ARGO_IO_ROOT}/executor-output.json`;

/** Flags that shape the Workflow beyond the Plan. */
export interface ArgoOptions {
  name?: string;
  description?: string;
  imagePullSecrets?: string[];
}

type Obj = Record<string, unknown>;
const DAG_TEMPLATE = "main";
const stepTemplate = (step: string) => `step-${k8sName(step)}`;

/** Input (or output) artifacts of a step, in runner-argument order. */
const stepArtifacts = (step: Step, direction: StepArtifact["direction"]) => stepIo(step).artifacts.filter((a) => a.direction === direction);

/** The ExecutorInput JSON the runner receives in place of `{{$}}` (artifacts by local path URI). */
export function argoExecutorInput(step: Step): string {
  const art = (name: string, type: string, p: string) => ({
    artifacts: [{ name, type: { schemaTitle: type, schemaVersion: "0.0.1" }, uri: `file://${p}`, metadata: {} }],
  });
  const doc = {
    inputs: {
      artifacts: Object.fromEntries(stepArtifacts(step, "in").map((a) => [a.name, art(a.name, a.type, argoInputPath(a.name))])),
    },
    outputs: {
      artifacts: Object.fromEntries(stepArtifacts(step, "out").map((a) => [a.name, art(a.name, a.type, argoOutputPath(a.name))])),
      outputFile: ARGO_OUTPUT_FILE,
    },
  };
  return JSON.stringify(doc);
}

/** runnerArgs(step) with every KFP placeholder replaced by its Argo value. */
export function argoArgs(step: Step): string[] {
  const swaps = new Map<string, string>([[EXECUTOR_INPUT, argoExecutorInput(step)]]);
  for (const p of step.parameters) swaps.set(paramPlaceholder(p), `{{inputs.parameters.${p}}}`);
  for (const { name } of stepArtifacts(step, "in")) swaps.set(inputArtifactPath(name), argoInputPath(name));
  for (const { name } of stepArtifacts(step, "out")) swaps.set(outputArtifactPath(name), argoOutputPath(name));
  return runnerArgs(step).map((a) => {
    if (swaps.has(a)) return swaps.get(a)!;
    let out = a;
    for (const [from, to] of swaps) if (from !== EXECUTOR_INPUT) out = out.split(from).join(to);
    if (/\{\{\$/.test(out)) throw new Error(`argo writer: unreplaced KFP placeholder in ${a}`);
    return out;
  });
}

/** The container template of one step. */
function containerTemplate(step: Step, image: string): Obj {
  const env: Obj[] = Object.entries(step.env).map(([name, value]) => ({ name, value }));
  for (const s of step.secrets) env.push({ name: s.env, valueFrom: { secretKeyRef: { name: s.secret, key: s.key } } });
  const volumes: Obj[] = [];
  const mounts: Obj[] = [];
  step.volumes.forEach((v, i) => {
    const name = `pvc-${i}-${k8sName(v.pvc)}`.slice(0, 63).replace(/-+$/, "");
    volumes.push({ name, persistentVolumeClaim: { claimName: v.pvc, ...(v.readOnly ? { readOnly: true } : {}) } });
    mounts.push({ name, mountPath: v.mountPath, ...(v.subPath ? { subPath: v.subPath } : {}), ...(v.readOnly ? { readOnly: true } : {}) });
  });
  if (step.sharedMemory) {
    volumes.push({ name: "shm", emptyDir: { medium: "Memory", sizeLimit: step.sharedMemory } });
    mounts.push({ name: "shm", mountPath: "/dev/shm" });
  }
  const resources: Obj = {};
  if (Object.keys(step.limits).length) resources.limits = { ...step.limits };
  if (Object.keys(step.requests).length) resources.requests = { ...step.requests };
  const container: Obj = {
    image,
    command: [...STEP_COMMAND],
    args: argoArgs(step),
    securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
    ...(env.length ? { env } : {}),
    ...(mounts.length ? { volumeMounts: mounts } : {}),
    ...(Object.keys(resources).length ? { resources } : {}),
  };
  const ins = stepArtifacts(step, "in");
  const outs = stepArtifacts(step, "out");
  const inputs: Obj = {};
  if (step.parameters.length) inputs.parameters = step.parameters.map((name) => ({ name }));
  if (ins.length) inputs.artifacts = ins.map(({ name }) => ({ name, path: argoInputPath(name) }));
  const meta: Obj = {};
  if (Object.keys(step.labels).length) meta.labels = { ...step.labels };
  if (Object.keys(step.annotations).length) meta.annotations = { ...step.annotations };
  return {
    name: stepTemplate(step.name),
    ...(Object.keys(meta).length ? { metadata: meta } : {}),
    ...(Object.keys(inputs).length ? { inputs } : {}),
    ...(outs.length ? { outputs: { artifacts: outs.map(({ name }) => ({ name, path: argoOutputPath(name) })) } } : {}),
    container,
    ...(volumes.length ? { volumes } : {}),
    ...(step.tolerations.length
      ? { tolerations: step.tolerations.map((t) => Object.fromEntries(Object.entries(t).filter(([, v]) => v !== undefined))) }
      : {}),
  };
}

/** The DAG task of one step: dependencies and argument wiring. */
function dagTask(step: Step): Obj {
  const ins = stepArtifacts(step, "in");
  const deps = [...new Set([...step.after, ...ins.map((a) => a.from!.step)].map(taskName))].sort();
  const args: Obj = {};
  if (step.parameters.length) args.parameters = step.parameters.map((p) => ({ name: p, value: `{{workflow.parameters.${p}}}` }));
  if (ins.length) args.artifacts = ins.map(({ name, from }) => ({ name, from: `{{tasks.${taskName(from!.step)}.outputs.artifacts.${from!.key}}}` }));
  return {
    name: taskName(step.name),
    template: stepTemplate(step.name),
    ...(deps.length ? { dependencies: deps } : {}),
    ...(Object.keys(args).length ? { arguments: args } : {}),
  };
}

/** Builds the Argo Workflow (plain object) for a built Plan, with warnings for the CLI. */
export function toArgoWorkflow(plan: Plan, record: BuildRecord, options: ArgoOptions = {}): { workflow: Obj; warnings: string[] } {
  const problems = plan.steps.flatMap((step) => [
    ...(record.steps[step.name]
      ? []
      : [{ location: stepLocation(step), message: `no image was built for step "${step.name}"`, fix: `run \`nbbuild image ${plan.source.file}\` (or pass --build)` }]),
    ...resourceProblems(step.limits, step.requests).map((message) => ({ location: stepLocation(step), message })),
  ]);
  if (problems.length) throw new NbbuildError(problems);
  const warnings: string[] = [];
  const templates: Obj[] = [{ name: DAG_TEMPLATE, dag: { tasks: plan.steps.map(dagTask) } }];
  for (const step of plan.steps) {
    const ref = stepImageRef(record, step.name)!;
    if (ref.warning) warnings.push(ref.warning);
    templates.push(containerTemplate(step, ref.image));
  }
  const description = options.description ?? plan.description;
  const spec: Obj = {
    entrypoint: DAG_TEMPLATE,
    securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
    templates,
  };
  if (plan.parameters.length) {
    spec.arguments = { parameters: plan.parameters.map((p) => ({ name: p.name, value: String(p.default) })) };
  }
  if (options.imagePullSecrets?.length) spec.imagePullSecrets = options.imagePullSecrets.map((name) => ({ name }));
  const workflow: Obj = {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Workflow",
    metadata: {
      generateName: `${pipelineName(options.name ?? plan.name)}-`,
      ...(description ? { annotations: { "workflows.argoproj.io/description": description } } : {}),
    },
    spec,
  };
  return { workflow, warnings };
}
