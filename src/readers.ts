/**
 * The input formats nbbuild reads, each a folder that turns a file into the one Plan. The first
 * reader whose `matches` accepts the file plans it; a new format is one folder and one line here.
 */
import { planNotebook } from "./notebook/compile.js";
import type { Plan, PlanOptions } from "./plan/types.js";

export interface Reader {
  matches(file: string): boolean;
  plan(file: string, options?: PlanOptions): Promise<Plan>;
}

const READERS: Reader[] = [
  // Loaded when used: planning a notebook does not load the Elyra reader.
  { matches: (file) => file.endsWith(".pipeline"), plan: async (file, options) => (await import("./elyra/plan-pipeline.js")).planElyraPipeline(file, options) },
  // Last: anything else is read as a notebook, whose reader says what it cannot read.
  { matches: () => true, plan: planNotebook },
];

/** Reads a notebook (.ipynb), an Elyra pipeline (.pipeline) or any other registered format into the one Plan. */
export async function loadPlan(file: string, options: PlanOptions = {}): Promise<Plan> {
  return READERS.find((r) => r.matches(file))!.plan(file, options);
}
