/**
 * The only entry point and the only place that prints errors and picks exit codes.
 * Each command lives in its own file and only parses flags, calls one stage, prints.
 */
import { Command, CommanderError } from "commander";
import { NbbuildError, systemWriteError } from "../errors.js";
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
  .showHelpAfterError()
  // Usage errors (a bad flag value) are input errors: exit 2 like every other refusal.
  .exitOverride();

for (const register of [registerPlan, registerGraph, registerImage, registerPipeline, registerUpload, registerRun, registerContext, registerOpenshift, registerSbom]) {
  register(program);
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // commander has printed the message (or the help / version) already.
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else if (err instanceof NbbuildError) {
    process.stderr.write(`nbbuild: ${err.problems.length > 1 ? `${err.problems.length} problems:\n` : ""}${err.message}\n`);
    process.exitCode = 2;
  } else if (systemWriteError(err, String((err as NodeJS.ErrnoException).path ?? "(a file)"))) {
    // A full disk or a read-only place met outside the atomic writer: still no stack trace.
    process.stderr.write(`nbbuild: ${systemWriteError(err, String((err as NodeJS.ErrnoException).path ?? "(a file)"))!.message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`nbbuild: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  }
}
