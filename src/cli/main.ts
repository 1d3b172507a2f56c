/**
 * The only entry point and the only place that prints errors and picks exit codes.
 * Each command lives in its own file and only parses flags, calls one stage, prints.
 */
import { Command } from "commander";
import { NbbuildError } from "../errors.js";
import { VERSION } from "../version.js";
import { register as registerPlan } from "./plan.js";
import { register as registerGraph } from "./graph.js";
import { register as registerImage } from "./image.js";
import { register as registerPipeline } from "./pipeline.js";
import { register as registerUpload } from "./upload.js";
import { register as registerRun } from "./run.js";
import { register as registerContext } from "./context.js";
import { register as registerOpenshift } from "./openshift.js";
import { register as registerSbom } from "./sbom.js";

const program = new Command();
program
  .name("nbbuild")
  .description("Notebook → per-step non-root images → KFP/Argo pipeline → local run")
  .version(VERSION)
  // Program options only before the command, so `upload --version V` means the pipeline version.
  .enablePositionalOptions()
  .showHelpAfterError();

for (const register of [registerPlan, registerGraph, registerImage, registerPipeline, registerUpload, registerRun, registerContext, registerOpenshift, registerSbom]) {
  register(program);
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof NbbuildError) {
    process.stderr.write(`nbbuild: ${err.problems.length > 1 ? `${err.problems.length} problems:\n` : ""}${err.message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`nbbuild: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  }
}
