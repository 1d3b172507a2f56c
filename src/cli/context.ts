import type { Command } from "commander";
import { formatLocation } from "../errors.js";
import { addBuildInputOptions, buildInputsOf, type BuildInputFlags } from "./build-inputs.js";

/** Registers `nbbuild context`: writes one step's build contexts (as the engines receive them) into a folder. */
export function register(program: Command): void {
  addBuildInputOptions(program.command("context")
    .description("write the build contexts of one step (dependency, folder, step Containerfiles + files) for docker build / buildah bud / OpenShift")
    .argument("<file>", "notebook (.ipynb) or Elyra pipeline (.pipeline)"))
    .requiredOption("--step <name>", "the step whose contexts to write")
    .requiredOption("-o, --output <dir>", "folder to write (replaced atomically; must be new, empty or an earlier context)")
    .option("--engine <name>", "auto | docker | buildah | podman: resolves the base like `nbbuild image`; none: use it as written", "auto")
    .option("--json", "print the context manifest as JSON on stdout")
    .action(async (file: string, o: BuildInputFlags & {
      step: string; output: string; engine: string; json?: boolean;
    }) => {
      const say = (line: string) => process.stderr.write(`${line}\n`);
      // --base goes to the render, not into the plan (as in `nbbuild image`).
      const [{ loadPlan }, { makeBuilder }, { describeContext, writeStepContext }] = await Promise.all([
        import("../readers.js"), import("../engines/factory.js"), import("../images/step-context.js"),
      ]);
      const plan = await loadPlan(file);
      const engine = o.engine === "none" ? undefined : await makeBuilder(o.engine, say);
      try {
        const manifest = await writeStepContext(plan, o.step, o.output, {
          engine,
          ...buildInputsOf(o),
          onDiagnostic: (d) => say(`warning: ${formatLocation(d.location)}: ${d.message}`),
        });
        if (o.json) process.stdout.write(JSON.stringify(manifest, null, 2) + "\n");
        else process.stdout.write(describeContext(manifest, o.output));
      } finally {
        await engine?.close();
      }
    });
}
