import { planNotebook } from "../notebook/compile.js";
import { planElyraPipeline } from "../elyra/plan-pipeline.js";
import type { Plan, PlanOptions } from "./types.js";

/** Reads a notebook (.ipynb) or an Elyra pipeline (.pipeline) into the one Plan. */
export async function loadPlan(file: string, options: PlanOptions = {}): Promise<Plan> {
  return file.endsWith(".pipeline") ? planElyraPipeline(file, options) : planNotebook(file, options);
}
