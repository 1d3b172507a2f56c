/**
 * Kale composition: the steps of referenced notebooks join the root's, connected by data flow
 * (a unit that provides a variable another unit is missing runs first) and reading order (a
 * step cell runs after every unit above it; adjacent references stay parallel).
 */
import { PYTHON_BUILTINS } from "../analysis/builtins.js";
import { resolveFlow } from "../analysis/flow.js";
import type { Location, Problem } from "../errors.js";
import { findCycle } from "../plan/dag.js";
import type { Parameter, VolumeMount } from "../plan/types.js";
import { cellLoc } from "./split.js";
import { mergeConfig } from "./tags.js";
import { flowStepOf, type CompiledNotebook, type DraftStep } from "./unit.js";

/** The root notebook's steps plus those of the notebooks it references, in reading order. */
export interface Flattened {
  steps: DraftStep[];
  params: Parameter[];
  metrics: { name: string; loc: Location }[];
}

interface UnitInfo {
  label: string;
  loc: Location;
  steps: DraftStep[];
  isRef: boolean;
  missing: Set<string>;
  provided: Set<string>;
}

function unionVolumes(a: VolumeMount[], b: VolumeMount[]): VolumeMount[] {
  const out = [...a];
  for (const v of b) if (!out.some((o) => o.mountPath === v.mountPath)) out.push(v);
  return out;
}

/** Flattens a compiled root notebook (`baseImageFlag`: the --base-image flag); problems are appended, never thrown. */
export function flatten(root: CompiledNotebook, problems: Problem[], baseImageFlag?: string): Flattened {
  if (!root.units.some((u) => u.kind === "ref")) return { steps: root.steps, params: root.params, metrics: root.metrics };

  const params = [...root.params];
  const metrics = [...root.metrics];
  const rootParamNames = new Set(root.params.map((p) => p.name));

  // Step names: a referenced notebook's step that clashes with another unit's is prefixed with the reference name.
  const rootNames = new Set(root.steps.map((s) => s.name));
  const childNames = new Map<string, number>();
  for (const u of root.units) if (u.kind === "ref") for (const s of u.child.steps) childNames.set(s.name, (childNames.get(s.name) ?? 0) + 1);
  const taken = new Set(rootNames);
  const units: UnitInfo[] = [];
  // Parameters of the notebooks referenced so far: in reading order they are defined for every unit below.
  const refParams = new Set<string>();
  for (const u of root.units) {
    if (u.kind === "step") {
      const s = refParams.size ? { ...u.step, params: new Set([...u.step.params, ...refParams]) } : u.step;
      const missing = new Set(s.flow.reads.filter((n) => !PYTHON_BUILTINS.has(n) && !s.shared.names.has(n) && !s.params.has(n)));
      units.push({ label: `step ${s.name}`, loc: cellLoc(s.nb, s.draft.first), steps: [s], isRef: false, missing, provided: new Set(s.flow.defines.filter((d) => !missing.has(d))) });
      continue;
    }
    const child = u.child;
    const rename = new Map<string, string>();
    for (const s of child.steps) {
      const clash = rootNames.has(s.name) || (childNames.get(s.name) ?? 0) > 1;
      const name = clash ? `${u.ref.name}_${s.name}` : s.name;
      if (taken.has(name)) {
        problems.push({ location: cellLoc(root.nb, u.ref.cell), message: `notebook:${u.ref.name}: step ${s.name} of ${child.nb.file} clashes with another step named ${name}`, fix: "rename one of the steps" });
      }
      taken.add(name);
      rename.set(s.name, name);
    }
    for (const p of child.params) if (!params.some((q) => q.name === p.name)) params.push(p);
    for (const m of child.metrics) if (!metrics.some((x) => x.name === m.name)) metrics.push(m);
    for (const p of child.params) refParams.add(p.name);
    const visible = new Set([...rootParamNames, ...refParams]);
    const steps: DraftStep[] = child.steps.map((s) => {
      const config = mergeConfig(root.meta.stepsDefaults, s.config);
      return {
        ...s,
        name: rename.get(s.name)!,
        after: s.after.map((a) => rename.get(a) ?? a),
        params: visible,
        config,
        // a referenced notebook's own base image applies to its steps unless a flag overrides every default
        image: config.image ?? (baseImageFlag ? undefined : child.meta.baseImage),
        volumes: unionVolumes(root.meta.volumes, child.meta.volumes),
      };
    });
    const alone = resolveFlow(steps.map(flowStepOf), true);
    const missing = new Set([...alone.unresolved.values()].flat());
    const provided = new Set(steps.flatMap((s) => s.flow.defines).filter((d) => !missing.has(d)));
    units.push({ label: `notebook:${u.ref.name}`, loc: cellLoc(root.nb, u.ref.cell), steps, isRef: true, missing, provided });
  }

  // Unit edges: data flow, then reading order.
  const unitAfter = new Map<string, string[]>(units.map((u) => [u.label, []]));
  const add = (from: UnitInfo, to: UnitInfo) => {
    const l = unitAfter.get(to.label)!;
    if (!l.includes(from.label)) l.push(from.label);
  };
  for (const u of units) {
    for (const v of [...u.missing].sort()) {
      const sources = units.filter((o) => o !== u && o.provided.has(v));
      if (sources.length > 1) {
        problems.push({ location: u.loc, message: `${u.label} reads ${v}, which several units define (${sources.map((s) => s.label).join(", ")})`, fix: `rename ${v} so that one notebook or step produces it` });
      } else if (sources.length === 1) add(sources[0]!, u);
    }
  }
  units.forEach((u, i) => {
    for (const o of units.slice(i + 1)) if (!(u.isRef && o.isRef)) add(u, o);
  });
  const cycle = findCycle(units.map((u) => u.label), unitAfter);
  if (cycle) {
    problems.push({
      location: units.find((u) => u.label === cycle[0])!.loc,
      message: `cycle in the composition graph: ${[...cycle, cycle[0]].join(" -> ")}`,
      fix: "each cell must appear below the cells and notebooks that produce the variables it uses",
    });
    return { steps: units.flatMap((u) => u.steps), params, metrics };
  }

  // Step edges: every entry step of a unit runs after every exit step of the units it follows.
  const entries = (u: UnitInfo) => u.steps.filter((s) => !s.after.some((a) => u.steps.some((o) => o.name === a)));
  const exits = (u: UnitInfo) => u.steps.filter((s) => !u.steps.some((o) => o.after.includes(s.name)));
  const byLabel = new Map(units.map((u) => [u.label, u]));
  const extra = new Map<string, Set<string>>();
  for (const u of units) {
    for (const from of unitAfter.get(u.label)!) {
      for (const e of entries(u)) {
        const set = extra.get(e.name) ?? extra.set(e.name, new Set()).get(e.name)!;
        for (const x of exits(byLabel.get(from)!)) set.add(x.name);
      }
    }
  }
  const steps = units.flatMap((u) => u.steps).map((s) => ({ ...s, after: [...new Set([...s.after, ...(extra.get(s.name) ?? [])])] }));
  return { steps, params, metrics };
}
