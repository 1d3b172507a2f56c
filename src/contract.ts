/**
 * The container contract shared by the runner (templates/runner.py), the renderer, the pipeline
 * writers and the local runner. It is KFP's own: the runner receives the ExecutorInput JSON
 * (`{{$}}`) plus explicit placeholder arguments. Change it here and in runner.py together.
 */

/** S2I-style layout inside every step image. */
export const APP_ROOT = "/opt/app-root";
/** HOME and the baked copy of the notebook's folder. */
export const APP_SRC = "/opt/app-root/src";
/** Runner and generated step module. */
export const APP_NBBUILD = "/opt/app-root/nbbuild";
/** pip --target directory for baked dependencies (on PYTHONPATH). */
export const APP_DEPS = "/opt/app-root/deps";
export const RUNNER_PATH = `${APP_NBBUILD}/runner.py`;
export const STEP_MODULE_PATH = `${APP_NBBUILD}/step.py`;
/** Numeric non-root user every image runs as by default; group 0 owns writable dirs. */
export const IMAGE_UID = 1001;

/** The explicit command of every step container (never rely on ENTRYPOINT/CMD). */
export const STEP_COMMAND = ["python3", "-u", RUNNER_PATH] as const;

/** Reserved artifact names (user variables cannot use the `nbbuild_` prefix). */
export const METRICS_ARTIFACT = "nbbuild_metrics"; // system.Metrics, filled via ExecutorOutput
export const REPORT_ARTIFACT = "nbbuild_report"; // system.HTML, the per-step report
export const FILES_ARTIFACT = "nbbuild_files"; // system.Artifact, a folder of declared output files
/** Input name under which a consumer receives `FILES_ARTIFACT` of step `producer`. */
/** Outputs made from `mlpipeline-ui-metadata.json` when Step.uiOutputs is set. */
export const UI_MARKDOWN_ARTIFACT = "nbbuild_ui_markdown"; // system.Markdown
export const UI_HTML_ARTIFACT = "nbbuild_ui_html"; // system.HTML (web-app output)
export const UI_CONFUSION_ARTIFACT = "nbbuild_ui_confusion"; // system.ClassificationMetrics
export const filesInputName = (producer: string) => `nbbuild_files_${producer}`;

/**
 * Runner arguments, in this order (each flag repeatable where it makes sense):
 *   --executor-input {{$}}
 *   --param NAME={{$.inputs.parameters['NAME']}}            (typed by the step module)
 *   --input NAME={{$.inputs.artifacts['NAME'].path}}         (a variable from an ancestor)
 *   --output NAME={{$.outputs.artifacts['NAME'].path}}       (a variable for descendants)
 *   --files-input {{$.inputs.artifacts['nbbuild_files_P'].path}}
 *   --files-output {{$.outputs.artifacts['nbbuild_files'].path}}
 *   --report {{$.outputs.artifacts['nbbuild_report'].path}}
 *   --metrics {{$.outputs.artifacts['nbbuild_metrics'].path}}     (metrics or uiOutputs)
 *   --ui-markdown / --ui-html / --ui-confusion PATH               (uiOutputs only; the runner
 *       always writes each, an empty placeholder when the code wrote no such output)
 * Metrics are also written as ExecutorOutput JSON to `outputs.outputFile` taken from {{$}}.
 * A variable artifact is a directory: `nbbuild.json` ({name, type, format}) + `value.<ext>`.
 */
export const paramPlaceholder = (n: string) => `{{$.inputs.parameters['${n}']}}`;
export const inputArtifactPath = (n: string) => `{{$.inputs.artifacts['${n}'].path}}`;
export const outputArtifactPath = (n: string) => `{{$.outputs.artifacts['${n}'].path}}`;
export const EXECUTOR_INPUT = "{{$}}";

/** Builds the runner's argument list for a step (the one place the argument order lives). */
export function runnerArgs(step: {
  parameters: string[];
  inputs: { name: string }[];
  outputs: string[];
  fileInputs: { from: string }[];
  fileOutputs: string[];
  metrics: string[];
  report: boolean;
  uiOutputs: boolean;
}): string[] {
  const args: string[] = ["--executor-input", EXECUTOR_INPUT];
  for (const p of step.parameters) args.push("--param", `${p}=${paramPlaceholder(p)}`);
  for (const i of step.inputs) args.push("--input", `${i.name}=${inputArtifactPath(i.name)}`);
  for (const o of step.outputs) args.push("--output", `${o}=${outputArtifactPath(o)}`);
  for (const f of step.fileInputs) args.push("--files-input", inputArtifactPath(filesInputName(f.from)));
  if (step.fileOutputs.length) args.push("--files-output", outputArtifactPath(FILES_ARTIFACT));
  if (step.report) args.push("--report", outputArtifactPath(REPORT_ARTIFACT));
  if (step.metrics.length || step.uiOutputs) args.push("--metrics", outputArtifactPath(METRICS_ARTIFACT));
  if (step.uiOutputs) {
    args.push("--ui-markdown", outputArtifactPath(UI_MARKDOWN_ARTIFACT));
    args.push("--ui-html", outputArtifactPath(UI_HTML_ARTIFACT));
    args.push("--ui-confusion", outputArtifactPath(UI_CONFUSION_ARTIFACT));
  }
  return args;
}
