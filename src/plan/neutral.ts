/**
 * Plan pieces with every field at its neutral value (no dependencies, no data, no report): for a
 * picture of a DAG that did not come from a notebook (a KFP pipeline file), and for tests.
 */
import type { Plan, Step } from "./types.js";

/** A notebook step with every field at its neutral value, overridden by `over`. */
export function neutralStep(name: string, over: Partial<Step> = {}): Step {
  return {
    name,
    kind: "notebook",
    after: [],
    cells: [],
    code: [],
    inputs: [],
    outputs: [],
    parameters: [],
    metrics: [],
    fileInputs: [],
    fileOutputs: [],
    fileHints: [],
    context: { dir: "." },
    requirements: [],
    limits: {},
    requests: {},
    env: {},
    secrets: [],
    volumes: [],
    tolerations: [],
    labels: {},
    annotations: {},
    cache: true,
    report: false,
    uiOutputs: false,
    source: { file: "nb.ipynb" },
    ...over,
  };
}

/** A Plan around the given steps, rooted at `root`, overridden by `over`. */
export function neutralPlan(steps: Step[], root: string, over: Partial<Plan> = {}): Plan {
  return {
    schemaVersion: 1,
    name: "test-pipeline",
    root,
    source: { file: "nb.ipynb", kind: "notebook" },
    parameters: [],
    metrics: [],
    steps,
    volumes: [],
    unassigned: [],
    diagnostics: [],
    ...over,
  };
}
