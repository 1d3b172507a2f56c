import type { Plan, PlanOptions } from "../plan/types.js";

/** Compiles an Elyra pipeline-flow v3 `.pipeline` file into a Plan. */
export async function planElyraPipeline(file: string, options: PlanOptions = {}): Promise<Plan> {
  void options;
  throw new Error(`planElyraPipeline(${file}) is not implemented yet`);
}
