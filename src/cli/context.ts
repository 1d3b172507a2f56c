import type { Command } from "commander";
import { describeContext, writeStepContext } from "../build/step-context.js";
import { makeEngine } from "../engines/factory.js";
import { formatLocation } from "../errors.js";
import { loadPlan } from "../plan/load.js";
import { mergePipOptions, pipOptionsFromEnv } from "../render/pip.js";

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** Registers `nbbuild context`: writes one step's build contexts (as the engines receive them) into a folder. */
export function register(program: Command): void {
  program
    .command("context")
    .description("write the build contexts of one step (dependency, folder, step Containerfiles + files) for docker build / buildah bud / OpenShift")
    .argument("<file>", "notebook (.ipynb) or Elyra pipeline (.pipeline)")
    .requiredOption("--step <name>", "the step whose contexts to write")
    .requiredOption("-o, --output <dir>", "folder to write (replaced atomically; must be new, empty or an earlier context)")
    .option("--engine <name>", "auto | docker | buildah | podman: resolves the base like `nbbuild image`; none: use it as written", "auto")
    .option("--base <image>", "base image (default: notebook metadata, else $NBBUILD_BASE, else python:3.11-slim)")
    .option("--requirements <file>", "requirements file (default: requirements.txt beside the notebook)")
    .option("--index-url <url>", "pip index URL (credentials are stripped from every written file)")
    .option("--extra-index-url <url>", "extra pip index URL (repeatable)", collect)
    .option("--find-links <url|dir>", "pip --find-links URL, or a local folder copied into the dependency context (repeatable)", collect)
    .option("--no-index", "ignore package indexes: install only from --find-links")
    .option("--json", "print the context manifest as JSON on stdout")
    .action(async (file: string, o: {
      step: string; output: string; engine: string; base?: string; requirements?: string; indexUrl?: string;
      extraIndexUrl?: string[]; findLinks?: string[]; index?: boolean; json?: boolean;
    }) => {
      const say = (line: string) => process.stderr.write(`${line}\n`);
      // --base goes to the render, not into the plan (as in `nbbuild image`).
      const plan = await loadPlan(file);
      const engine = o.engine === "none" ? undefined : await makeEngine(o.engine, say);
      try {
        const manifest = await writeStepContext(plan, o.step, o.output, {
          engine,
          base: o.base,
          requirementsFile: o.requirements,
          pip: mergePipOptions({ indexUrl: o.indexUrl, extraIndexUrls: o.extraIndexUrl, findLinks: o.findLinks, noIndex: o.index === false ? true : undefined }, pipOptionsFromEnv()),
          onDiagnostic: (d) => say(`warning: ${formatLocation(d.location)}: ${d.message}`),
        });
        if (o.json) process.stdout.write(JSON.stringify(manifest, null, 2) + "\n");
        else process.stdout.write(describeContext(manifest, o.output));
      } finally {
        await engine?.close();
      }
    });
}
