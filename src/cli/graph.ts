import type { Command } from "commander";

/** Registers `nbbuild graph`: draws the step DAG as Mermaid, SVG or HTML. */
export function register(program: Command): void {
  program
    .command("graph")
    .description("draw the step DAG (Mermaid text, SVG picture, or an HTML page with the picture)")
    .argument("<file>", "notebook (.ipynb) or Elyra pipeline (.pipeline)")
    .option("-o, --output <file>", "dag.mmd | dag.svg | dag.html (default: Mermaid on stdout)")
    .action(async (file: string, opts: { output?: string }) => {
      const [{ loadPlan }, { renderGraph, toMermaid }, { writeOwnOutput }] = await Promise.all([
        import("../readers.js"), import("../plan/graph.js"), import("../io/own-outputs.js"),
      ]);
      const plan = await loadPlan(file);
      if (!opts.output) {
        process.stdout.write(toMermaid(plan));
        return;
      }
      const text = renderGraph(plan, opts.output);
      writeOwnOutput(plan.root, opts.output, text);
      process.stderr.write(`wrote ${opts.output} (${plan.steps.length} steps)\n`);
    });
}
