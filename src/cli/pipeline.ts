import { Option, type Command } from "commander";
import type { PipelineFormat } from "../pipeline/write.js";
import { addBuildInputOptions, buildInputsOf, collect, type BuildInputFlags } from "./build-inputs.js";


/** Registers `nbbuild pipeline`: writes the KFP v2 IR (or Argo Workflow) that runs the built images. */
export function register(program: Command): void {
  addBuildInputOptions(program
    .command("pipeline")
    .description("write the KFP v2 pipeline (or an Argo Workflow) that runs each step's image by digest")
    .argument("<file>", "notebook (.ipynb) or Elyra pipeline (.pipeline)")
    .option("-o, --output <file>", "output file (default: <notebook folder>/<pipeline name>.yaml)")
    .addOption(new Option("--format <format>", "pipeline format").choices(["kfp", "argo"]).default("kfp"))
    .option("--name <name>", "pipeline name (default: notebook metadata, else the file name)")
    .option("--description <text>", "pipeline description")
    .option("--image-pull-secret <secret>", "image pull secret for every task (repeatable)", collect)
    .option("--kfp-version <version>", "oldest KFP backend the file must load on (2.0.5 = OpenShift AI DSP ≤ 2.6)", "2.0.5")
    .option("--build", "build missing or stale images first")
    .option("--engine <name>", "engine for --build: auto | docker | buildah | podman", "auto")
    .option("--push <registry/prefix>", "with --build: push the images there so a cluster can pull them"))
    .action(async (file: string, o: BuildInputFlags & {
      output?: string; format: PipelineFormat; name?: string; description?: string; imagePullSecret?: string[];
      kfpVersion: string; build?: boolean; engine: string; push?: string;
    }) => {
      const { writePipelineFile } = await import("../pipeline/write.js");
      const result = await writePipelineFile(file, {
        format: o.format,
        output: o.output,
        name: o.name,
        description: o.description,
        imagePullSecrets: o.imagePullSecret,
        kfpVersion: o.kfpVersion,
        build: o.build,
        engine: o.engine,
        push: o.push,
        inputs: buildInputsOf(o),
        onWarning: (w) => process.stderr.write(`warning: ${w}\n`),
        onProgress: (l) => process.stderr.write(`${l}\n`),
      });
      process.stdout.write(`wrote ${result.path} (${o.format === "argo" ? "Argo Workflow" : `KFP v2 IR for KFP >= ${o.kfpVersion}`}, ${result.steps} steps)\n`);
    });
}
