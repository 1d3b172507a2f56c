import type { Command } from "commander";
import { buildImages } from "../images/build-images.js";
import { formatRecord, makeProgress } from "../images/progress.js";
import { makeBuilder, outputPublisher } from "../engines/factory.js";
import { formatLocation } from "../errors.js";
import { loadPlan } from "../readers.js";
import { addBuildInputOptions, imageMapOf, pipOptionsOf, type BuildInputFlags } from "./build-inputs.js";

/** Registers `nbbuild image`: builds one non-root image per step and writes the build record. */
export function register(program: Command): void {
  addBuildInputOptions(program.command("image")
    .description("build one non-root image per step (dependencies baked in) and write the build record")
    .argument("<file>", "notebook (.ipynb) or Elyra pipeline (.pipeline)"))
    .option("--engine <name>", "auto | docker | buildah | podman | oci (daemonless; auto picks it when no docker daemon answers)", "auto")
    .option("--push <registry/prefix>", "push images there and record them by digest (credentials: docker/podman login files)")
    .option("--output <sink>", "oci engine: also write the images to oci:DIR, docker-archive:FILE or docker-daemon")
    .option("--insecure", "plain http for a non-loopback registry (loopback registries use http anyway)")
    .option("--concurrency <n>", "step images built at once", "4")
    .option("--json", "print the build record as JSON on stdout")
    .option("--quiet", "print nothing but errors (and --json output)")
    .option("--verbose", "stream the engine's build output (pip's included)")
    .action(async (file: string, o: BuildInputFlags & {
      engine: string; push?: string; output?: string; insecure?: boolean; concurrency: string; json?: boolean; quiet?: boolean; verbose?: boolean;
    }) => {
      const say = (line: string) => { if (!o.quiet) process.stderr.write(`${line}\n`); };
      // --base goes to the build, not into the plan, so the plan hash matches `nbbuild pipeline`/`run`.
      const plan = await loadPlan(file);
      const engine = await makeBuilder(o.engine, say, { insecure: o.insecure });
      // Live table on a terminal, lines (with a heartbeat) elsewhere.
      const progress = o.quiet ? undefined : makeProgress(process.stderr, { verbose: o.verbose });
      try {
        const record = await buildImages(plan, {
          engine,
          base: o.base,
          imageMap: imageMapOf(o),
          push: o.push,
          output: o.output ? await outputPublisher(engine, o.output) : undefined,
          requirementsFile: o.requirements,
          pip: pipOptionsOf(o),
          concurrency: Math.max(1, Number.parseInt(o.concurrency, 10) || 4),
          onEvent: (e) => progress?.onEvent(e),
          onLog: (subject, line) => progress?.onLog(subject, line),
          onDiagnostic: (d) => say(`warning: ${formatLocation(d.location)}: ${d.message}`),
        });
        if (o.json) process.stdout.write(JSON.stringify(record, null, 2) + "\n");
        else if (!o.quiet) process.stdout.write(formatRecord(record));
      } finally {
        progress?.close();
        await engine.close();
      }
    });
}
