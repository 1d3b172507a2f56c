import type { Plan, PlanOptions } from "../plan/types.js";

/** Compiles one notebook (Kale tags) into a Plan. */
export async function planNotebook(file: string, options: PlanOptions = {}): Promise<Plan> {
  void options;
  throw new Error(`planNotebook(${file}) is not implemented yet`);
}
