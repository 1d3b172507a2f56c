/**
 * Validates a KFP pipeline file (PipelineSpec document + optional kfp-kubernetes platform spec)
 * the way the KFP server, compiler and driver read it: strict protojson structure (kfp-proto.ts),
 * the upload checks of backend/src/apiserver/template/v2_template.go, and every reference
 * resolving (components, executors, producer tasks and their outputs, parameters, placeholders).
 * An issue in a file nbbuild wrote is a bug in nbbuild; each names the field path.
 */
import { PLACEHOLDER, placeholderForm, type PlaceholderKind } from "../contract.js";
import { NbbuildError } from "../errors.js";
import { findCycle } from "../plan/dag.js";
import { KFP_SCHEMA } from "./kfp-proto.js";
import { checkMessage, type CheckOptions, type Issue } from "./proto-check.js";
import { parseYamlDocuments } from "./yaml.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const obj = (v: unknown): Obj => (isObj(v) ? v : {});
const keys = (v: unknown): string[] => Object.keys(obj(v));
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

const DEFAULT_TYPE_CHECK: Record<string, (v: unknown) => boolean> = {
  NUMBER_DOUBLE: (v) => typeof v === "number",
  NUMBER_INTEGER: (v) => typeof v === "number" && Number.isInteger(v),
  STRING: (v) => typeof v === "string",
  BOOLEAN: (v) => typeof v === "boolean",
  LIST: (v) => Array.isArray(v),
  STRUCT: (v) => isObj(v),
};

/** Reference and semantic checks across the PipelineSpec (after the structure passed). */
function referenceIssues(spec: Obj, issues: Issue[]): void {
  if (spec.schemaVersion !== "2.1.0") {
    issues.push({ path: "schemaVersion", message: `must be exactly "2.1.0" (the KFP v2 server refuses others), got ${JSON.stringify(spec.schemaVersion)}` });
  }
  const name = obj(spec.pipelineInfo).name;
  if (typeof name === "string" && name && !/^[a-z0-9][a-z0-9-]{0,127}$/.test(name)) {
    issues.push({ path: "pipelineInfo.name", message: `"${name}" is not a valid pipeline name (^[a-z0-9][a-z0-9-]{0,127}$)` });
  }
  const components = obj(spec.components);
  const executors = obj(obj(spec.deploymentSpec).executors);
  const usedExecutors = new Set<string>();

  const checkComponentDefs = (comp: Obj, path: string) => {
    for (const [pname, p] of Object.entries(obj(obj(comp.inputDefinitions).parameters))) {
      const def = obj(p);
      const t = def.parameterType as string | undefined;
      if (!t && !def.type) issues.push({ path: `${path}.inputDefinitions.parameters.${pname}`, message: "parameterType is missing" });
      if (t && def.defaultValue !== undefined && DEFAULT_TYPE_CHECK[t] && !DEFAULT_TYPE_CHECK[t]!(def.defaultValue)) {
        issues.push({ path: `${path}.inputDefinitions.parameters.${pname}.defaultValue`, message: `${JSON.stringify(def.defaultValue)} does not match parameterType ${t}` });
      }
    }
    for (const side of ["inputDefinitions", "outputDefinitions"] as const) {
      for (const [aname, a] of Object.entries(obj(obj(comp[side]).artifacts))) {
        const title = obj(obj(a).artifactType).schemaTitle;
        if (!obj(a).artifactType) issues.push({ path: `${path}.${side}.artifacts.${aname}`, message: "artifactType is missing" });
        else if (typeof title === "string" && !/^[A-Za-z_][\w]*\.[A-Za-z_][\w]*$/.test(title)) {
          issues.push({ path: `${path}.${side}.artifacts.${aname}.artifactType.schemaTitle`, message: `"${title}" is not <namespace>.<Title>` });
        }
      }
    }
  };

  const checkDag = (owner: Obj, path: string) => {
    const tasks = obj(obj(owner.dag).tasks);
    const ownerParams = obj(obj(owner.inputDefinitions).parameters);
    const ownerArts = obj(obj(owner.inputDefinitions).artifacts);
    for (const [tname, tv] of Object.entries(tasks)) {
      const t = obj(tv);
      const tpath = `${path}.dag.tasks.${tname}`;
      const ref = obj(t.componentRef).name;
      const comp = typeof ref === "string" ? components[ref] : undefined;
      if (typeof ref === "string" && !comp) {
        issues.push({ path: `${tpath}.componentRef.name`, message: `component "${ref}" is not defined in components` });
      }
      const deps = Array.isArray(t.dependentTasks) ? (t.dependentTasks as unknown[]) : [];
      for (const [i, d] of deps.entries()) {
        if (typeof d === "string" && !(d in tasks)) issues.push({ path: `${tpath}.dependentTasks[${i}]`, message: `task "${d}" is not in the same DAG` });
        if (d === tname) issues.push({ path: `${tpath}.dependentTasks[${i}]`, message: "a task cannot depend on itself" });
      }
      const cdef = obj(comp);
      const cParams = obj(obj(cdef.inputDefinitions).parameters);
      const cArts = obj(obj(cdef.inputDefinitions).artifacts);
      const inParams = obj(obj(t.inputs).parameters);
      const inArts = obj(obj(t.inputs).artifacts);
      const needsProducer = (producer: unknown, p: string) => {
        if (typeof producer !== "string") return undefined;
        if (!(producer in tasks)) {
          issues.push({ path: p, message: `producer task "${producer}" is not in the same DAG` });
          return undefined;
        }
        if (!deps.includes(producer)) issues.push({ path: `${tpath}.dependentTasks`, message: `must include "${producer}", which produces an input of this task` });
        return obj(components[obj(obj(tasks[producer]).componentRef).name as string]);
      };
      for (const [pname, pv] of Object.entries(inParams)) {
        const p = obj(pv);
        const ppath = `${tpath}.inputs.parameters.${pname}`;
        if (comp && !(pname in cParams)) issues.push({ path: ppath, message: `component "${ref}" declares no input parameter "${pname}"` });
        if (typeof p.componentInputParameter === "string" && !(p.componentInputParameter in ownerParams)) {
          issues.push({ path: `${ppath}.componentInputParameter`, message: `"${p.componentInputParameter}" is not an input parameter of the enclosing DAG` });
        }
        const top = obj(p.taskOutputParameter);
        const prod = needsProducer(top.producerTask, `${ppath}.taskOutputParameter.producerTask`);
        if (prod && typeof top.outputParameterKey === "string" && !(top.outputParameterKey in obj(obj(prod.outputDefinitions).parameters))) {
          issues.push({ path: `${ppath}.taskOutputParameter.outputParameterKey`, message: `task "${top.producerTask}" has no output parameter "${top.outputParameterKey}"` });
        }
      }
      for (const [aname, av] of Object.entries(inArts)) {
        const a = obj(av);
        const apath = `${tpath}.inputs.artifacts.${aname}`;
        if (comp && !(aname in cArts)) issues.push({ path: apath, message: `component "${ref}" declares no input artifact "${aname}"` });
        if (typeof a.componentInputArtifact === "string" && !(a.componentInputArtifact in ownerArts)) {
          issues.push({ path: `${apath}.componentInputArtifact`, message: `"${a.componentInputArtifact}" is not an input artifact of the enclosing DAG` });
        }
        const toa = obj(a.taskOutputArtifact);
        const prod = needsProducer(toa.producerTask, `${apath}.taskOutputArtifact.producerTask`);
        if (prod && typeof toa.outputArtifactKey === "string" && !(toa.outputArtifactKey in obj(obj(prod.outputDefinitions).artifacts))) {
          issues.push({ path: `${apath}.taskOutputArtifact.outputArtifactKey`, message: `task "${toa.producerTask}" has no output artifact "${toa.outputArtifactKey}"` });
        }
      }
      if (comp) {
        for (const [pname, pv] of Object.entries(cParams)) {
          const p = obj(pv);
          if (!(pname in inParams) && !p.isOptional && p.defaultValue === undefined) {
            issues.push({ path: `${tpath}.inputs.parameters`, message: `input parameter "${pname}" gets no value: "${ref}" requires it and the task does not wire it` });
          }
        }
        for (const [aname, av] of Object.entries(cArts)) {
          if (!(aname in inArts) && !obj(av).isOptional) {
            issues.push({ path: `${tpath}.inputs.artifacts`, message: `required input artifact "${aname}" of "${ref}" is not wired` });
          }
        }
      }
    }
    const after = new Map(Object.entries(tasks).map(([n, t]) => [n, strings(obj(t).dependentTasks).filter((d) => d in tasks)]));
    const cycle = findCycle(Object.keys(tasks), after);
    if (cycle) issues.push({ path: `${path}.dag.tasks`, message: `dependency cycle: ${[...cycle, cycle[0]].join(" → ")}` });
  };

  for (const [cname, cv] of Object.entries(components)) {
    const c = obj(cv);
    const path = `components.${cname}`;
    checkComponentDefs(c, path);
    if (c.dag === undefined && c.executorLabel === undefined) issues.push({ path, message: "a component needs an executorLabel or a dag" });
    if (typeof c.executorLabel === "string") {
      usedExecutors.add(c.executorLabel);
      const ex = executors[c.executorLabel];
      if (!ex) issues.push({ path: `${path}.executorLabel`, message: `executor "${c.executorLabel}" is not defined in deploymentSpec.executors` });
      else placeholderIssues(obj(obj(ex).container), c, `deploymentSpec.executors.${c.executorLabel}.container`, issues);
    }
    if (c.dag !== undefined) checkDag(c, path);
  }
  const root = obj(spec.root);
  checkComponentDefs(root, "root");
  if (root.dag === undefined) issues.push({ path: "root.dag", message: "the root component must be a DAG" });
  else checkDag(root, "root");
  for (const e of keys(executors)) {
    if (!usedExecutors.has(e)) issues.push({ path: `deploymentSpec.executors.${e}`, message: "no component uses this executor" });
  }
}

/** Every `{{$…}}` in command/args must be a form the launcher substitutes, naming a declared input/output. */
function placeholderIssues(container: Obj, comp: Obj, path: string, issues: Issue[]): void {
  const declared: Record<Exclude<PlaceholderKind, "executorInput">, [Obj, string]> = {
    inputParameter: [obj(obj(comp.inputDefinitions).parameters), "input parameter"],
    inputArtifact: [obj(obj(comp.inputDefinitions).artifacts), "input artifact"],
    outputArtifact: [obj(obj(comp.outputDefinitions).artifacts), "output artifact"],
    outputParameter: [obj(obj(comp.outputDefinitions).parameters), "output parameter"],
  };
  for (const field of ["command", "args"] as const) {
    const list = Array.isArray(container[field]) ? (container[field] as unknown[]) : [];
    list.forEach((s, i) => {
      if (typeof s !== "string") return;
      for (const ph of s.match(PLACEHOLDER) ?? []) {
        const form = placeholderForm(ph);
        if (!form) {
          issues.push({ path: `${path}.${field}[${i}]`, message: `placeholder ${ph} is not one the KFP launcher substitutes` });
          continue;
        }
        if (form.kind === "executorInput") continue;
        const [names, what] = declared[form.kind];
        if (!(form.name in names)) issues.push({ path: `${path}.${field}[${i}]`, message: `placeholder ${ph} names ${what} "${form.name}" that the component does not declare` });
      }
    });
  }
}

/** Issues of a pipeline file's documents: [PipelineSpec, PlatformSpec?]. Empty when valid. */
export function kfpIssues(docs: unknown[], options: CheckOptions = {}): Issue[] {
  const issues: Issue[] = [];
  if (docs.length === 0) return [{ path: "(file)", message: "no YAML document" }];
  if (docs.length > 2) issues.push({ path: "(file)", message: `expected at most 2 documents (PipelineSpec, platform spec), got ${docs.length}` });
  const spec = docs[0];
  checkMessage(KFP_SCHEMA, "PipelineSpec", spec, "", issues, options);
  if (isObj(spec)) referenceIssues(spec, issues);
  if (docs[1] !== undefined) {
    const platIssues: Issue[] = [];
    checkMessage(KFP_SCHEMA, "PlatformSpec", docs[1], "", platIssues, options);
    const execs = obj(obj(spec).deploymentSpec).executors;
    for (const [plat, pv] of Object.entries(obj(obj(docs[1]).platforms))) {
      if (plat !== "kubernetes") platIssues.push({ path: `platforms.${plat}`, message: `unknown platform "${plat}" (nbbuild only knows "kubernetes")` });
      for (const e of keys(obj(obj(pv).deploymentSpec).executors)) {
        if (!(e in obj(execs))) platIssues.push({ path: `platforms.${plat}.deploymentSpec.executors.${e}`, message: `executor "${e}" is not in the PipelineSpec's deploymentSpec.executors` });
      }
    }
    issues.push(...platIssues.map((i) => ({ path: `(platform spec) ${i.path}`, message: i.message })));
  }
  return issues;
}

/** Throws one NbbuildError listing every issue of the pipeline documents; `file` names the output. */
export function assertValidKfp(docs: unknown[], file: string, options: CheckOptions = {}): void {
  const issues = kfpIssues(docs, options);
  if (!issues.length) return;
  throw new NbbuildError(
    issues.map((i) => ({
      location: { file },
      message: `${i.path}: ${i.message}`,
      fix: "this is a bug in nbbuild's KFP writer or in a hand-edited file; please report it with the file",
    })),
  );
}

/** Parses and validates a KFP pipeline YAML text. */
export function validateKfpText(text: string, file: string, options: CheckOptions = {}): void {
  assertValidKfp(parseYamlDocuments(text), file, options);
}
