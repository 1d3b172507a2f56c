/**
 * Elyra `.pipeline` files (pipeline-flow v3, app_data.version 7 or 8) → Plan. Each notebook or
 * Python script node becomes its own step (a Kale-tagged notebook its own sub-steps); links
 * become `after` edges; every node receives the declared outputs of all its ancestors.
 */
import fs from "node:fs";
import path from "node:path";
import { readInputFile } from "../io/read-input.js";
import { NbbuildError, type Problem } from "../errors.js";
import { PLAN_SCHEMA_VERSION, type Diagnostic, type Metric, type Parameter, type Plan, type PlanOptions, type Step } from "../plan/types.js";
import { planNotebook } from "../notebook/compile.js";
import { ancestorsOf, closedCycle, topoSort } from "../plan/dag.js";
import { stepNameFromLabel, pipelineName, uniqueNames } from "./names.js";
import { resolveNode, type ResolvedNode } from "./node.js";
import { readParameters } from "./params.js";
import { readDefaults, type Report } from "./props.js";
import { readPipelineDoc, type RawNode } from "./read.js";
import { notebookSteps, scriptSteps, type NodeSteps } from "./steps.js";

/** Compiles one notebook into a Plan (the notebook compiler's signature). */
export type NotebookCompiler = (file: string, options: PlanOptions) => Promise<Plan>;

/** Compiles an Elyra pipeline-flow v3 `.pipeline` file into a Plan. */
export async function planElyraPipeline(file: string, options: PlanOptions = {}): Promise<Plan> {
  return planElyraPipelineWith(file, options, planNotebook);
}

/** planElyraPipeline with the notebook compiler passed in. */
export async function planElyraPipelineWith(file: string, options: PlanOptions, compile: NotebookCompiler): Promise<Plan> {
  const abs = path.resolve(file);
  const root = path.dirname(abs);
  const rel = path.basename(abs);
  if (!fs.existsSync(abs)) throw NbbuildError.at({ file: rel }, `pipeline file not found: ${abs}`, "check the path of the .pipeline file");
  const doc = readPipelineDoc(await readInputFile(abs, rel, "pipeline file", ".pipeline"), rel);

  const problems: Problem[] = [];
  const atPipeline: Report = (message, fix) => problems.push({ location: { file: rel }, message, fix });
  const atNode = (raw: RawNode): Report => (message, fix) =>
    problems.push({ location: { file: rel, nodeId: raw.id }, message: `node "${raw.label}": ${message}`, fix });

  const defaults = readDefaults(doc.defaults, (m, f) => atPipeline(`pipeline_defaults: ${m}`, f));
  const parameters = readParameters(doc.parameters, rel, atPipeline);

  const seen = new Set<string>();
  for (const raw of doc.nodes) {
    if (seen.has(raw.id)) atNode(raw)(`id "${raw.id}" is also the id of an earlier node`, "give every node a unique id (copy-pasting JSON duplicates ids)");
    seen.add(raw.id);
  }
  const resolved = new Map<string, ResolvedNode>();
  for (const raw of doc.nodes) {
    const node = resolveNode(raw, root, rel, defaults, parameters, atNode(raw));
    if (node) resolved.set(raw.id, node);
  }
  const order = checkGraph(doc.nodes, atNode);
  if (problems.length || !order) throw new NbbuildError(problems);

  // Step names: node labels made unique in file order; sub-steps of Kale-tagged notebooks get `<node>_<step>`.
  const nodeNames = new Map(
    uniqueNames(doc.nodes.map((n) => stepNameFromLabel(n.label))).map((name, i) => [doc.nodes[i].id, name]),
  );
  const taken = new Set(nodeNames.values());
  const built = new Map<string, NodeSteps>();
  for (const id of order) {
    const node = resolved.get(id)!;
    const name = nodeNames.get(id)!;
    const used = parameters.filter((p) => node.props.parameters.includes(p.name)).map((p) => p.name);
    if (node.kind === "script") {
      built.set(id, scriptSteps(node, name, rel, root, used));
      continue;
    }
    const sub = await compileNotebook(node, root, rel, compile, problems);
    if (sub) built.set(id, notebookSteps(node, sub, name, rel, root, used, taken));
  }
  if (problems.length) throw new NbbuildError(problems);

  const steps = order.flatMap((id) => {
    const parts = built.get(id)!;
    const incoming = resolved.get(id)!.raw.links.flatMap((p) => built.get(p)!.last);
    for (const s of parts.steps) if (parts.first.includes(s.name)) s.after = [...new Set([...s.after, ...incoming])].sort();
    return parts.steps;
  });
  addFileInputs(steps);

  const all = order.map((id) => built.get(id)!);
  const planParameters = mergeParameters(parameters, all, rel);
  return {
    schemaVersion: PLAN_SCHEMA_VERSION,
    name: pipelineName(options.name ?? doc.name ?? rel.replace(/\.pipeline$/, "")),
    ...(options.description ?? doc.description ? { description: options.description ?? doc.description } : {}),
    ...(options.experiment ? { experiment: options.experiment } : {}),
    root,
    source: { file: rel, kind: "elyra" },
    ...(options.baseImage ?? defaults.runtimeImage ? { baseImage: options.baseImage ?? defaults.runtimeImage } : {}),
    parameters: planParameters,
    metrics: all.flatMap((b): Metric[] => b.metrics),
    steps,
    volumes: [],
    unassigned: [],
    diagnostics: unique(all.flatMap((b): Diagnostic[] => b.diagnostics)),
  };
}

/** Checks links and cycles; returns node ids in topological order, or undefined after reporting. */
function checkGraph(nodes: RawNode[], atNode: (raw: RawNode) => Report): string[] | undefined {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  let ok = true;
  for (const n of nodes) {
    for (const ref of n.links) {
      if (byId.has(ref)) continue;
      ok = false;
      atNode(n)(
        `linked to node "${ref}", which is not in the pipeline`,
        `reconnect the node in the pipeline editor, or remove the link with node_id_ref "${ref}" from its inputs`,
      );
    }
  }
  const order = [...nodes].sort((a, b) => a.index - b.index).map((n) => n.id);
  const parents = new Map(nodes.map((n) => [n.id, n.links.filter((l) => byId.has(l))]));
  const cycle = closedCycle(order, parents);
  if (cycle) {
    const shown = cycle.map((id) => `"${byId.get(id)!.label}"`).join(" → ");
    atNode(byId.get(cycle[0]!)!)(`nodes form a cycle: ${shown}`, "remove one of these links so the pipeline has no loop");
    return undefined;
  }
  return ok ? topoSort(order, parents) : undefined;
}

/** Runs the notebook compiler on a node's notebook; its problems come back naming the node. */
async function compileNotebook(
  node: ResolvedNode,
  root: string,
  pipelineFile: string,
  compile: NotebookCompiler,
  problems: Problem[],
): Promise<Plan | undefined> {
  try {
    return await compile(path.join(root, node.file), {});
  } catch (err) {
    if (err instanceof NbbuildError) {
      const dir = path.dirname(path.join(root, node.file));
      for (const p of err.problems) {
        const file = path.relative(root, path.resolve(dir, p.location.file)).split(path.sep).join("/");
        problems.push({
          ...p,
          location: { ...p.location, file, nodeId: node.raw.id },
          message: `node "${node.raw.label}" of ${pipelineFile}: ${p.message}`,
        });
      }
    } else {
      problems.push({
        location: { file: pipelineFile, nodeId: node.raw.id },
        message: `node "${node.raw.label}": could not compile notebook "${node.file}": ${err instanceof Error ? err.message : String(err)}`,
        fix: `run \`nbbuild plan ${node.file}\` on the notebook alone to see the problem`,
      });
    }
    return undefined;
  }
}

/** Elyra parameters first, then parameters the node notebooks declare themselves (Kale pipeline-parameters). */
function mergeParameters(elyra: Parameter[], built: NodeSteps[], pipelineFile: string): Parameter[] {
  const out = [...elyra];
  for (const b of built) {
    for (const p of b.parameters) {
      const known = out.find((q) => q.name === p.name);
      if (!known) out.push(p);
      else if (known.type !== p.type) {
        b.diagnostics.push({
          level: "warning",
          message: `parameter "${p.name}" of ${p.source.file} (${p.type}) is overridden by the pipeline's "${p.name}" (${known.type})`,
          location: { file: pipelineFile },
        });
      }
    }
  }
  return out;
}

/** Diagnostics without repeats (several nodes may share a folder and its requirements.txt). */
function unique(list: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return list.filter((d) => !seen.has(JSON.stringify(d)) && seen.add(JSON.stringify(d)));
}

/** As in Elyra, a step receives the declared outputs of every ancestor (transitively), in plan order. */
function addFileInputs(steps: Step[]): void {
  const ancestorsByStep = ancestorsOf(steps.map((s) => s.name), new Map(steps.map((s) => [s.name, s.after])));
  for (const s of steps) {
    const ancestors = ancestorsByStep.get(s.name)!;
    s.fileInputs = steps.filter((a) => ancestors.has(a.name) && a.fileOutputs.length).map((a) => ({ from: a.name }));
  }
}
