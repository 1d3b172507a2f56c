/** Notebook (Kale tags) → Plan: splitting, magics, parameters, metrics, data flow, composition. */
import { basename, dirname, resolve } from "node:path";
import { resolveFlow, type FlowStep } from "../analysis/flow.js";
import { resolveFileFlow } from "../analysis/file-flow.js";
import { fileHints, fileReads } from "../analysis/hints.js";
import { NbbuildError, formatLocation, type Problem } from "../errors.js";
import { ANNOTATIONS_MAX_BYTES, DNS_LABEL_MAX, annotationsSize, k8sName } from "../plan/k8s-names.js";
import { findCycle, topoSort } from "../plan/dag.js";
import { PLAN_SCHEMA_VERSION, type CodeBlock, type Diagnostic, type Metric, type Plan, type PlanOptions, type Step, type VolumeMount } from "../plan/types.js";
import { flatten } from "./compose.js";
import { dnsName } from "./metadata.js";
import { cellLoc } from "./split.js";
import { compileNotebook, flowStepOf, type DraftStep } from "./unit.js";

const sortedRecord = (r: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** Imports a step repeats from its ancestors' cells (modules are re-imported, never passed as data). */
function reimportBlocks(d: DraftStep, flow: ReturnType<typeof resolveFlow>, byName: ReadonlyMap<string, DraftStep>): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  for (const r of flow.imports.get(d.name) ?? []) {
    const producer = byName.get(r.from)!;
    const loc = producer.locate(r.line);
    const cell = producer.draft.cells.find((c) => c.cell.index === loc.cellIndex)?.cell ?? producer.draft.first;
    const last = blocks[blocks.length - 1];
    if (last && last.file === producer.nb.file && last.cell.index === cell.index) last.source += `\n${r.statement}`;
    else blocks.push({ role: "imports", file: producer.nb.file, cell: { index: cell.index, id: cell.id }, source: r.statement });
  }
  return blocks;
}

function toStep(d: DraftStep, after: string[], flow: ReturnType<typeof resolveFlow>, metrics: string[], paramOrder: string[], byName: ReadonlyMap<string, DraftStep>): Step {
  const sharedImports = d.shared.blocks.filter((b) => b.role === "imports");
  const code = [...sharedImports, ...reimportBlocks(d, flow, byName), ...d.shared.blocks.filter((b) => b.role !== "imports"), ...d.own];
  const volumes: VolumeMount[] = d.volumes.map((v) => ({ ...v }));
  const params = flow.parameters.get(d.name) ?? [];
  const step: Step = {
    name: d.name,
    kind: "notebook",
    after,
    cells: d.draft.cells.map((c) => c.cell.id || `#${c.cell.index}`),
    code,
    inputs: flow.inputs.get(d.name) ?? [],
    outputs: flow.outputs.get(d.name) ?? [],
    parameters: paramOrder.filter((p) => params.includes(p)),
    metrics,
    fileInputs: [],
    fileOutputs: [],
    fileHints: fileHints(d.own.map((b) => b.source).join("\n")),
    context: { dir: d.dir },
    requirements: d.requirements,
    limits: sortedRecord(d.config.limits),
    requests: {},
    env: {},
    secrets: d.config.secrets.map((s) => ({ ...s })),
    volumes,
    tolerations: [],
    labels: sortedRecord(d.config.labels),
    annotations: sortedRecord(d.config.annotations),
    cache: d.config.cache ?? true,
    report: d.config.report ?? true,
    uiOutputs: false,
    source: { file: d.nb.file, cells: d.draft.cells.map((c) => ({ index: c.cell.index, id: c.cell.id })) },
  };
  if (d.image) step.image = d.image;
  return step;
}

/**
 * Files a later step reads that an earlier one writes (literal paths): inside the folder they are
 * passed as the writer's file outputs and the reader's file inputs (a dependency too); see
 * analysis/file-flow.ts. Returns the diagnostics.
 */
function passFiles(steps: Step[], byName: ReadonlyMap<string, DraftStep>): Diagnostic[] {
  const files = resolveFileFlow(
    steps.map((s) => {
      const d = byName.get(s.name)!;
      return { name: s.name, writes: s.fileHints, reads: fileReads(d.own.map((b) => b.source).join("\n")), location: cellLoc(d.nb, d.draft.first) };
    }),
  );
  for (const s of steps) {
    s.fileOutputs = files.fileOutputs.get(s.name) ?? [];
    const producers = files.fileInputs.get(s.name) ?? [];
    s.fileInputs = producers.map((from) => ({ from }));
    s.after = [...new Set([...s.after, ...producers])].sort();
  }
  return files.diagnostics;
}

/** Compiles one notebook (Kale tags) into a Plan. */
export async function planNotebook(file: string, options: PlanOptions = {}): Promise<Plan> {
  const abs = resolve(file);
  const rootDir = dirname(abs);
  const problems: Problem[] = [];
  const root = await compileNotebook(abs, { rootDir, chain: [] }, problems);
  const flat = flatten(root, problems, options.baseImage);
  const diagnostics = [...root.diagnostics, ...root.units.flatMap((u) => (u.kind === "ref" ? u.child.diagnostics : []))];

  // Explicit edges first: a cycle there makes everything after meaningless.
  const names = flat.steps.map((s) => s.name);
  const explicit = new Map(flat.steps.map((s) => [s.name, s.after]));
  const cycle = findCycle(names, explicit);
  if (cycle) {
    const first = flat.steps.find((s) => s.name === cycle[0])!;
    problems.push({
      location: cellLoc(first.nb, first.draft.first),
      message: `the steps' prev: tags form a cycle: ${[...cycle, cycle[0]].join(" -> ")}`,
      fix: "remove one prev: tag of the cycle (a step may only depend on steps above it)",
    });
    throw new NbbuildError(problems);
  }
  const order = topoSort(names, explicit);
  const byName = new Map(flat.steps.map((s) => [s.name, s]));
  const flowSteps: FlowStep[] = order.map((n) => flowStepOf(byName.get(n)!));
  const flow = resolveFlow(flowSteps);
  problems.push(...flow.problems);
  diagnostics.push(...flow.diagnostics);

  // Final order: data edges only add ancestors' edges, so this stays a DAG.
  const finalOrder = topoSort(order, flow.after);
  const rank = new Map(finalOrder.map((n, i) => [n, i]));

  // Metrics: the latest step (in topological order) that defines the variable or, for a
  // pipeline parameter, reads it (as Kale does: its value is in that step's namespace).
  const metrics: Metric[] = [];
  const stepMetrics = new Map<string, string[]>();
  for (const m of flat.metrics) {
    const param = flat.params.find((p) => p.name === m.name);
    const has = (n: string) => byName.get(n)!.flow.defines.includes(m.name) || (!!param && (flow.parameters.get(n) ?? []).includes(m.name));
    const definers = finalOrder.filter(has);
    const step = definers[definers.length - 1];
    if (param && param.type !== "NUMBER_INTEGER" && param.type !== "NUMBER_DOUBLE") {
      problems.push({ location: m.loc, message: `pipeline-metrics: ${m.name} is a ${param.type === "STRING" ? "string" : "boolean"} pipeline parameter; metrics are numbers`, fix: `remove ${m.name} from the metrics (KFP records only numbers)` });
      continue;
    }
    if (!step) {
      problems.push(
        param
          ? { location: m.loc, message: `pipeline-metrics: the pipeline parameter ${m.name} is read by no step, so no step can report it`, fix: `use ${m.name} in a step, or remove it from the metrics` }
          : { location: m.loc, message: `pipeline-metrics: no step defines ${m.name}`, fix: `compute ${m.name} in a step above the pipeline-metrics cell, or remove it from the metrics` },
      );
      continue;
    }
    metrics.push({ name: m.name, step });
    (stepMetrics.get(step) ?? stepMetrics.set(step, []).get(step)!).push(m.name);
  }
  metrics.sort((a, b) => rank.get(a.step)! - rank.get(b.step)! || (a.name < b.name ? -1 : 1));

  // Names Kubernetes must accept: task names (DNS labels, distinct after sanitising) and the
  // size of each pod's annotations. Found here, not by an engine or a cluster later.
  const taskOwners = new Map<string, string>();
  for (const n of finalOrder) {
    const s = byName.get(n)!;
    const at = cellLoc(s.nb, s.draft.first);
    const task = k8sName(n);
    if (task.length > DNS_LABEL_MAX) {
      problems.push({ location: at, message: `step name ${n.length > 70 ? `${n.slice(0, 60)}… (${n.length} characters)` : JSON.stringify(n)} is longer than the ${DNS_LABEL_MAX} characters Kubernetes allows in a task name`, fix: `shorten the step name to at most ${DNS_LABEL_MAX} characters` });
    }
    const other = taskOwners.get(task);
    if (other !== undefined) {
      const o = byName.get(other)!;
      problems.push({ location: at, message: `steps ${other} (${formatLocation(cellLoc(o.nb, o.draft.first))}) and ${n} both become the task "${task}" in KFP and Argo (names are lower-cased and _ becomes -)`, fix: `rename one of the steps` });
    } else taskOwners.set(task, n);
    const size = annotationsSize(s.config.annotations);
    if (size > ANNOTATIONS_MAX_BYTES) problems.push({ location: at, message: `step ${n}: its annotations total ${size} bytes; Kubernetes allows ${ANNOTATIONS_MAX_BYTES}`, fix: "move large values out of annotations (e.g. into a file in the notebook's folder)" });
  }

  // Artifact names with the nbbuild_ prefix are reserved by the container contract.
  for (const n of finalOrder) {
    for (const i of flow.inputs.get(n) ?? []) {
      if (!i.name.startsWith("nbbuild_")) continue;
      const s = byName.get(i.from)!;
      problems.push({ location: cellLoc(s.nb, s.draft.first), message: `step ${i.from} passes the variable ${i.name} to step ${n}, but names starting with nbbuild_ are reserved`, fix: `rename ${i.name}` });
    }
  }
  if (problems.length) throw new NbbuildError(problems);

  const paramOrder = flat.params.map((p) => p.name);
  const steps = finalOrder.map((n) => toStep(byName.get(n)!, flow.after.get(n) ?? [], flow, stepMetrics.get(n) ?? [], paramOrder, byName));
  diagnostics.push(...passFiles(steps, byName));
  for (const c of root.split.unassigned) {
    diagnostics.push({ level: "info", message: "this cell comes before the first tag, so it belongs to no step and does not run in the pipeline", location: { file: root.nb.file, cellIndex: c.index, cellId: c.id } });
  }

  const meta = root.meta;
  const plan: Plan = {
    schemaVersion: PLAN_SCHEMA_VERSION,
    name: dnsName(options.name ?? meta.pipelineName ?? basename(abs).replace(/\.ipynb$/i, "")),
    root: rootDir,
    source: { file: root.nb.file, kind: "notebook" },
    parameters: flat.params,
    metrics,
    steps,
    volumes: meta.volumes,
    unassigned: root.split.unassigned,
    diagnostics,
  };
  const description = options.description ?? meta.description;
  const experiment = options.experiment ?? meta.experiment;
  const baseImage = options.baseImage ?? meta.baseImage;
  if (description) plan.description = description;
  if (experiment) plan.experiment = experiment;
  if (baseImage) plan.baseImage = baseImage;
  return plan;
}
