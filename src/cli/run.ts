import { InvalidArgumentError, Option, type Command } from "commander";
import { addBuildInputOptions, buildInputsOf, collect, type BuildInputFlags } from "./build-inputs.js";
import { RUNNER_NAMES } from "../engines/factory.js";

const int = (v: string) => {
  const n = Number(v);
  // commander prints this as a usage error (no stack trace); main.ts exits 2.
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a positive integer (1 or more)");
  return n;
};

/** Registers `nbbuild run`: runs a pipeline locally on its images and reports steps and metrics. */
export function register(program: Command): void {
  addBuildInputOptions(program
    .command("run")
    .description("Run the pipeline locally on the built images (KFP IR semantics), print steps and metrics")
    .argument("<file>", "notebook (.ipynb), Elyra .pipeline, or a KFP pipeline.yaml written by nbbuild")
    .option("-p, --param <key=value>", "override a pipeline parameter (repeatable)", collect, [] as string[])
    .addOption(new Option("--engine <engine>", "container engine (auto: docker when its daemon answers, else podman)").choices([...RUNNER_NAMES]).default("auto"))
    .option("--workdir <dir>", "run directory (default <notebook dir>/.nbbuild/runs/<run-id>)")
    .option("--parallel <n>", "steps running at once (default: CPU count)", int)
    .option("--from <step>", "resume an earlier run dir from this step, reusing upstream outputs")
    .option("--timeout <seconds>", "per-step time limit", int, 7200)
    .option("--build", "build missing or stale images first (notebook input)"))
    .option("--json", "print a JSON result instead of the table")
    .action(async (file: string, o: BuildInputFlags & { param: string[]; engine: string; workdir?: string; parallel?: number; from?: string; timeout: number; build?: boolean; json?: boolean }) => {
      const out = o.json ? process.stderr : process.stdout;
      const [{ runPipeline }, { formatEvent, formatSummary, toRunJson }] = await Promise.all([import("../run/run.js"), import("../run/report.js")]);
      const result = await runPipeline(file, {
        params: o.param,
        engine: o.engine,
        workdir: o.workdir,
        parallel: o.parallel,
        from: o.from,
        build: o.build,
        inputs: buildInputsOf(o),
        timeoutSeconds: o.timeout,
        onEvent: (e) => out.write(formatEvent(e) + "\n"),
        onWarning: (w) => process.stderr.write(`warning: ${w}\n`),
        onProgress: (l) => process.stderr.write(l + "\n"),
      });
      if (o.json) process.stdout.write(JSON.stringify(toRunJson(result), null, 2) + "\n");
      else process.stdout.write("\n" + formatSummary(result) + "\n");
      if (result.status !== "succeeded") process.exitCode = result.status === "cancelled" ? 130 : 1;
    });
}
