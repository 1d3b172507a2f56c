/**
 * Data flow between steps: for every name a step reads, the ancestor that last produced it
 * (latest in notebook order), which becomes an input of the reader, an output of the producer
 * and a dependency edge.
 */
import type { Location, Problem } from "../errors.js";
import type { Diagnostic, StepInput } from "../plan/types.js";
import { ancestorsOf } from "../plan/dag.js";
import { PYTHON_BUILTINS } from "./builtins.js";
import type { NameFlow } from "./names.js";

/** One step as data flow sees it. */
export interface FlowStep {
  name: string;
  /** Explicit dependencies (prev: tags, composition edges). */
  after: string[];
  flow: NameFlow;
  /** Names the shared blocks (imports/functions) define: never data. */
  shared: ReadonlySet<string>;
  /** Free globals of the shared blocks' functions. */
  sharedFree: Readonly<Record<string, string[]>>;
  /** Pipeline parameter names visible to this step. */
  params: ReadonlySet<string>;
  /** Where a 1-based line of the step's own code sits. */
  locate(line: number): Location;
}

/** Per-step inputs, outputs, dependencies and parameters, plus what went wrong. */
export interface FlowResult {
  inputs: Map<string, StepInput[]>;
  outputs: Map<string, string[]>;
  after: Map<string, string[]>;
  parameters: Map<string, string[]>;
  problems: Problem[];
  diagnostics: Diagnostic[];
  /** Names a step reads that nothing provides (warned about unless `collectUnresolved`). */
  unresolved: Map<string, string[]>;
  /**
   * Module names a step reads that an ancestor bound with an import: the step re-runs the import
   * (modules are not data), in first-read order.
   */
  imports: Map<string, ReImport[]>;
}

/** An import a step repeats from an ancestor instead of receiving the module as a variable. */
export interface ReImport {
  name: string;
  statement: string;
  /** The step whose import this is, and the line in that step's code. */
  from: string;
  line: number;
}

/**
 * Resolves inputs/outputs over steps given in notebook order (a topological order of `after`).
 * With `collectUnresolved`, names nothing defines are returned instead of warned about.
 */
export function resolveFlow(steps: readonly FlowStep[], collectUnresolved = false): FlowResult {
  const order = steps.map((s) => s.name);
  const rank = new Map(order.map((n, i) => [n, i]));
  const byName = new Map(steps.map((s) => [s.name, s]));
  const afterMap = new Map(steps.map((s) => [s.name, s.after]));
  const ancestors = ancestorsOf(order, afterMap);
  const definers = new Map<string, string[]>();
  for (const s of steps) for (const d of s.flow.defines) (definers.get(d) ?? definers.set(d, []).get(d)!).push(s.name);

  const res: FlowResult = { inputs: new Map(), outputs: new Map(), after: new Map(), parameters: new Map(), problems: [], diagnostics: [], unresolved: new Map(), imports: new Map() };
  for (const s of steps) res.outputs.set(s.name, []);

  for (const s of steps) {
    const anc = ancestors.get(s.name) ?? new Set<string>();
    const inputs: StepInput[] = [];
    const params: string[] = [];
    const after = new Set(s.after);
    const unresolved: string[] = [];
    const reimports: ReImport[] = [];
    const seen = new Set<string>();
    const lazy = new Set(s.flow.lazy);
    // (name, line, via) — `via` names the function whose call made the step read it
    const queue: { name: string; line: number; via?: string }[] = s.flow.reads.map((n) => ({ name: n, line: s.flow.readLines[n] ?? 1 }));
    while (queue.length) {
      const { name, line, via } = queue.shift()!;
      if (seen.has(name)) continue;
      seen.add(name);
      if (s.params.has(name)) {
        params.push(name);
        continue;
      }
      if (s.shared.has(name)) {
        for (const f of s.sharedFree[name] ?? []) queue.push({ name: f, line, via: name });
        continue;
      }
      if (PYTHON_BUILTINS.has(name)) continue;
      const all = definers.get(name) ?? [];
      const fromAnc = all.filter((d) => anc.has(d)).sort((a, b) => rank.get(b)! - rank.get(a)!);
      const producer = fromAnc[0];
      const imported = producer ? byName.get(producer)!.flow.imports?.[name] : undefined;
      if (producer && imported) {
        reimports.push({ name, statement: imported.statement, from: producer, line: imported.line });
        continue;
      }
      if (producer) {
        inputs.push({ name, from: producer });
        after.add(producer);
        const outs = res.outputs.get(producer)!;
        if (!outs.includes(name)) outs.push(name);
        // Calling a function (or class) from another step reads what its body reads.
        for (const f of byName.get(producer)!.flow.functionFree[name] ?? []) queue.push({ name: f, line, via: name });
        continue;
      }
      const loc = s.locate(line);
      const how = via ? ` (through ${via})` : "";
      if (all.includes(s.name)) continue; // the step binds it itself (read first: at worst a NameError at run time)
      const others = all.filter((d) => d !== s.name);
      // Read inside a function body: needed only when the function is called, so never an error.
      if (via || lazy.has(name)) {
        res.diagnostics.push({
          level: "warning",
          message: `step ${s.name}: a function${via ? ` (${via})` : ""} reads ${name}, which ${others.length ? `only step ${others[others.length - 1]} defines and no ancestor of ${s.name} provides` : "no step, import or parameter defines"}; calling it fails unless ${name} exists by then`,
          location: loc,
        });
        continue;
      }
      if (others.length) {
        const earlier = others.filter((d) => rank.get(d)! < rank.get(s.name)!);
        if (earlier.length) {
          const d = earlier[earlier.length - 1]!;
          res.problems.push({ location: loc, message: `step ${s.name} reads ${name}${how}, defined in step ${d}, which ${s.name} does not depend on`, fix: `add prev:${d} to step ${s.name}` });
        } else {
          const d = others[0]!;
          res.problems.push({ location: loc, message: `step ${s.name} reads ${name}${how}, which is only defined in step ${d}, below it`, fix: `define ${name} in a step above ${s.name} (and add it as prev:), or move step ${d} above` });
        }
        continue;
      }
      if (collectUnresolved) unresolved.push(name);
      else if (!s.flow.starImport) {
        res.diagnostics.push({ level: "warning", message: `step ${s.name} reads ${name}${how}, which no step, import or parameter defines (a builtin, a star import, or a NameError at run time)`, location: loc });
      }
    }
    res.inputs.set(s.name, inputs);
    res.parameters.set(s.name, params);
    res.after.set(s.name, [...after].sort());
    res.unresolved.set(s.name, unresolved);
    res.imports.set(s.name, reimports);
  }
  for (const [k, v] of res.outputs) res.outputs.set(k, v.sort());
  return res;
}
