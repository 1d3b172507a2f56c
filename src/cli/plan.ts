import type { Command } from "commander";

/** Registers `nbbuild plan`: prints the step DAG of a notebook or .pipeline file. */
export function register(program: Command): void {
  program
    .command("plan")
    .description("split a notebook (Kale tags) or Elyra .pipeline into steps and show the DAG and data flow")
    .argument("<file>", "notebook (.ipynb) or Elyra pipeline (.pipeline)")
    .option("--json", "print the plan as JSON (schemaVersion 1, see src/plan/schema.ts)")
    .option("--name <name>", "pipeline name (overrides the notebook metadata)")
    .option("--base-image <ref>", "default base image of every step (overrides the notebook metadata)")
    .action(async (file: string, opts: { json?: boolean; name?: string; baseImage?: string }) => {
      // Stages load when their command runs, so `nbbuild --help` and other commands start fast.
      const [{ loadPlan }, { formatPlan }] = await Promise.all([import("../readers.js"), import("../plan/format.js")]);
      const plan = await loadPlan(file, { name: opts.name, baseImage: opts.baseImage });
      process.stdout.write(opts.json ? `${JSON.stringify(plan, null, 2)}\n` : formatPlan(plan));
    });
}
