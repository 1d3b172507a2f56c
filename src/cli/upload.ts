import fs from "node:fs";
import type { Command } from "commander";
import { NbbuildError } from "../errors.js";
import { DEFAULT_TOKEN_ENV } from "../pipeline/token-env.js";
import { collect } from "./build-inputs.js";


/** Registers `nbbuild upload`: sends a KFP pipeline file to the KFP REST API (v2beta1), optionally runs it. */
export function register(program: Command): void {
  program
    .command("upload")
    .description("upload a KFP pipeline file to Kubeflow Pipelines / OpenShift AI (a new version when the name exists)")
    .argument("<file>", "KFP pipeline YAML written by nbbuild pipeline")
    .requiredOption("--host <url>", "KFP API base URL (OpenShift AI: the ds-pipeline-<name> route)")
    .option("--name <name>", "pipeline name (default: the file's pipelineInfo.name)")
    .option("--version <name>", "version name when the pipeline exists (default: name + file hash)")
    .option("--pipeline-version <name>", "alias of --version")
    .option("--description <text>", "pipeline description")
    .option("--namespace <ns>", "KFP multi-user namespace for a new pipeline")
    .option("--token-env <VAR>", `environment variable holding the bearer token (default ${DEFAULT_TOKEN_ENV}; the token itself is never a flag)`)
    .option("--run", "start a run of the uploaded version")
    .option("-p, --param <key=value>", "run parameter override (repeatable, with --run)", collect)
    .option("--experiment-id <id>", "experiment for the run")
    .option("--experiment <name>", "experiment for the run by name (created if missing), e.g. the notebook's Kale experiment_name")
    .option("--run-name <name>", "display name of the run")
    .action(async (file: string, o: {
      host: string; name?: string; version?: string; pipelineVersion?: string; description?: string; namespace?: string; tokenEnv?: string;
      run?: boolean; param?: string[]; experimentId?: string; experiment?: string; runName?: string;
    }) => {
      let text: string;
      try {
        text = fs.readFileSync(file, "utf8");
      } catch {
        throw NbbuildError.at({ file }, "cannot read the pipeline file", "write it first with `nbbuild pipeline NOTEBOOK -o FILE`");
      }
      const { uploadPipeline } = await import("../pipeline/upload.js");
      const r = await uploadPipeline(file, text, {
        host: o.host, name: o.name, version: o.version ?? o.pipelineVersion, description: o.description, namespace: o.namespace,
        tokenEnv: o.tokenEnv, tokenEnvExplicit: o.tokenEnv !== undefined, run: o.run, params: o.param ?? [],
        experimentId: o.experimentId, experiment: o.experiment, runName: o.runName,
      });
      const lines = [
        r.created === "pipeline" ? `uploaded pipeline ${r.name}` : `uploaded version ${r.versionName} of pipeline ${r.name}`,
        `pipeline_id: ${r.pipelineId}`,
        ...(r.pipelineVersionId ? [`pipeline_version_id: ${r.pipelineVersionId}`] : []),
        ...(r.runId ? [`run_id: ${r.runId}`] : []),
      ];
      process.stdout.write(lines.join("\n") + "\n");
    });
}
