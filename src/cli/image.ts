import type { Command } from "commander";
import { NbbuildError, formatLocation } from "../errors.js";
import type { Plan } from "../plan/types.js";
import { addBuildInputOptions, buildInputsOf, pipOptionsOf, type BuildInputFlags } from "./build-inputs.js";

/** Registers `nbbuild image`: builds one non-root image per step and writes the build record. */
export function register(program: Command): void {
  addBuildInputOptions(program.command("image")
    .description("build one non-root image per step (dependencies baked in) and write the build record")
    .argument("<file>", "notebook (.ipynb) or Elyra pipeline (.pipeline)"))
    .option("--engine <name>", "auto | docker | buildah | podman | oci (daemonless; auto picks it when no docker daemon answers) | s2i (source-to-image on docker, needs --builder)", "auto")
    .option("--builder <image>", "S2I builder image for --engine s2i (`nbbuild openshift builder-image`)")
    .option("--push <registry/prefix>", "push images there and record them by digest (credentials: docker/podman login files)")
    .option("--output <sink>", "oci engine: also write the images to oci:DIR, docker-archive:FILE or docker-daemon")
    .option("--insecure", "plain http for a non-loopback registry (loopback registries use http anyway)")
    .option("--concurrency <n>", "step images built at once", "4")
    .option("--json", "print the build record as JSON on stdout")
    .option("--quiet", "print nothing but errors (and --json output)")
    .option("--verbose", "stream the engine's build output (pip's included)")
    .action(async (file: string, o: BuildInputFlags & {
      engine: string; builder?: string; push?: string; output?: string; insecure?: boolean; concurrency: string; json?: boolean; quiet?: boolean; verbose?: boolean;
    }) => {
      const say = (line: string) => { if (!o.quiet) process.stderr.write(`${line}\n`); };
      // --base goes to the build, not into the plan, so the plan hash matches `nbbuild pipeline`/`run`.
      const [{ loadPlan }, { makeBuilder, outputPublisher }, { buildImages }, { formatRecord, makeProgress }] = await Promise.all([
        import("../readers.js"), import("../engines/factory.js"), import("../images/build-images.js"), import("../images/progress.js"),
      ]);
      const plan = await loadPlan(file);
      if (o.engine === "s2i") return buildWithS2I(plan, o, say);
      const engine = await makeBuilder(o.engine, say, { insecure: o.insecure });
      // Live table on a terminal, lines (with a heartbeat) elsewhere.
      const progress = o.quiet ? undefined : makeProgress(process.stderr, { verbose: o.verbose });
      try {
        const record = await buildImages(plan, {
          engine,
          ...buildInputsOf(o),
          push: o.push,
          output: o.output ? await outputPublisher(engine, o.output) : undefined,
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

/** `--engine s2i`: source-to-image builds on the builder image (docker runs the containers). */
async function buildWithS2I(plan: Plan, o: BuildInputFlags & { builder?: string; push?: string; base?: string; concurrency: string; json?: boolean; quiet?: boolean; verbose?: boolean }, say: (l: string) => void): Promise<void> {
  if (!o.builder) throw NbbuildError.at({ file: "--engine s2i" }, "--engine s2i needs --builder IMAGE", "build one with `nbbuild openshift builder-image --base IMAGE` and pass its tag");
  if (o.base) throw NbbuildError.at({ file: "--base" }, "--base does not apply to --engine s2i: the builder image is the base", "leave --base out, or build the builder on that base");
  if (o.push) throw NbbuildError.at({ file: "--push" }, "--push is not supported with --engine s2i", "push the recorded images with docker push, or build with --engine docker --push");
  const [{ S2IEngine }, { makeBuilder }, { buildImagesS2I }, { formatRecord, makeProgress }] = await Promise.all([
    import("../engines/s2i.js"), import("../engines/factory.js"), import("../s2i/build-s2i.js"), import("../images/progress.js"),
  ]);
  const engine = new S2IEngine(await makeBuilder("docker", say));
  const progress = o.quiet ? undefined : makeProgress(process.stderr, { verbose: o.verbose });
  try {
    const record = await buildImagesS2I(plan, {
      engine,
      builder: o.builder,
      requirementsFile: o.requirements,
      pip: pipOptionsOf(o),
      concurrency: Math.max(1, Number.parseInt(o.concurrency, 10) || 2),
      onEvent: (e) => progress?.onEvent(e),
      onLog: (subject, line) => progress?.onLog(subject, line),
    });
    if (o.json) process.stdout.write(JSON.stringify(record, null, 2) + "\n");
    else if (!o.quiet) process.stdout.write(formatRecord(record));
  } finally {
    progress?.close();
    await engine.close();
  }
}
