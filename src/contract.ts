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
const RUNNER_PATH = `${APP_NBBUILD}/runner.py`;
/** Numeric non-root user every image runs as by default; group 0 owns writable dirs. */
export const IMAGE_UID = 1001;

/** The explicit command of every step container (never rely on ENTRYPOINT/CMD). */
export const STEP_COMMAND = ["python3", "-u", RUNNER_PATH] as const;

/** Reserved artifact names (user variables cannot use the `nbbuild_` prefix). */
export const METRICS_ARTIFACT = "nbbuild_metrics"; // system.Metrics, filled via ExecutorOutput
export const REPORT_ARTIFACT = "nbbuild_report"; // system.HTML, the per-step report
export const FILES_ARTIFACT = "nbbuild_files"; // system.Artifact, a folder of declared output files
/** Outputs made from `mlpipeline-ui-metadata.json` when Step.uiOutputs is set. */
export const UI_MARKDOWN_ARTIFACT = "nbbuild_ui_markdown"; // system.Markdown
export const UI_HTML_ARTIFACT = "nbbuild_ui_html"; // system.HTML (web-app output)
export const UI_CONFUSION_ARTIFACT = "nbbuild_ui_confusion"; // system.ClassificationMetrics
/** Input name under which a consumer receives `FILES_ARTIFACT` of step `producer`. */
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

/** Every `{{$…}}` token in a string (the launcher's placeholder syntax). */
export const PLACEHOLDER = /\{\{\$[^}]*\}\}/g;
/** What a placeholder the KFP launcher substitutes refers to. */
export type PlaceholderKind = "executorInput" | "inputParameter" | "inputArtifact" | "outputArtifact" | "outputParameter";
const PLACEHOLDER_FORMS: [RegExp, PlaceholderKind][] = [
  [/^\{\{\$\}\}$/, "executorInput"],
  [/^\{\{\$\.inputs\.parameters\['([^']+)'\]\}\}$/, "inputParameter"],
  [/^\{\{\$\.inputs\.artifacts\['([^']+)'\]\.(?:path|uri)\}\}$/, "inputArtifact"],
  [/^\{\{\$\.outputs\.artifacts\['([^']+)'\]\.(?:path|uri)\}\}$/, "outputArtifact"],
  [/^\{\{\$\.outputs\.parameters\['([^']+)'\]\.output_file\}\}$/, "outputParameter"],
];

/** The kind and declared name a placeholder refers to, or undefined for a form the launcher leaves alone. */
export function placeholderForm(p: string): { kind: PlaceholderKind; name: string } | undefined {
  for (const [re, kind] of PLACEHOLDER_FORMS) {
    const m = re.exec(p);
    if (m) return { kind, name: m[1] ?? "" };
  }
  return undefined;
}

/** The runner flag that receives an artifact's path; `--input`/`--output` take NAME=PATH. */
export type RunnerFlag =
  | "--input" | "--output" | "--files-input" | "--files-output" | "--report" | "--metrics" | "--ui-markdown" | "--ui-html" | "--ui-confusion";

/** One artifact of a step's component: its key, KFP type and runner flag; inputs name their producer. */
export interface StepArtifact {
  direction: "in" | "out";
  name: string;
  /** KFP artifact type (schemaTitle). */
  type: string;
  flag: RunnerFlag;
  /** Inputs only: the producing step and its output key. */
  from?: { step: string; key: string };
}

/** The one statement of a step's inputs and outputs, in runner-argument order. */
export interface StepIo {
  parameters: string[];
  artifacts: StepArtifact[];
}

/** What stepIo needs of a step (a Plan Step fits). */
export interface StepIoSource {
  parameters: string[];
  inputs: { name: string; from: string }[];
  outputs: string[];
  fileInputs: { from: string }[];
  fileOutputs: string[];
  metrics: string[];
  report: boolean;
  uiOutputs: boolean;
}

/**
 * Which parameters and artifacts a step has: the KFP component definitions, the Argo templates,
 * the runner arguments and the names the runner fills via ExecutorOutput all derive from this.
 */
export function stepIo(step: StepIoSource): StepIo {
  const out = (name: string, type: string, flag: RunnerFlag): StepArtifact => ({ direction: "out", name, type, flag });
  const artifacts: StepArtifact[] = [
    ...step.inputs.map((i): StepArtifact => ({ direction: "in", name: i.name, type: "system.Artifact", flag: "--input", from: { step: i.from, key: i.name } })),
    ...step.outputs.map((o) => out(o, "system.Artifact", "--output")),
    ...step.fileInputs.map((f): StepArtifact => ({
      direction: "in", name: filesInputName(f.from), type: "system.Artifact", flag: "--files-input", from: { step: f.from, key: FILES_ARTIFACT },
    })),
  ];
  if (step.fileOutputs.length) artifacts.push(out(FILES_ARTIFACT, "system.Artifact", "--files-output"));
  if (step.report) artifacts.push(out(REPORT_ARTIFACT, "system.HTML", "--report"));
  if (step.metrics.length || step.uiOutputs) artifacts.push(out(METRICS_ARTIFACT, "system.Metrics", "--metrics"));
  if (step.uiOutputs) {
    artifacts.push(
      out(UI_MARKDOWN_ARTIFACT, "system.Markdown", "--ui-markdown"),
      out(UI_HTML_ARTIFACT, "system.HTML", "--ui-html"),
      out(UI_CONFUSION_ARTIFACT, "system.ClassificationMetrics", "--ui-confusion"),
    );
  }
  return { parameters: [...step.parameters], artifacts };
}

/** Builds the runner's argument list for a step (the one place the argument order lives). */
export function runnerArgs(step: StepIoSource): string[] {
  const io = stepIo(step);
  const args: string[] = ["--executor-input", EXECUTOR_INPUT];
  for (const p of io.parameters) args.push("--param", `${p}=${paramPlaceholder(p)}`);
  for (const a of io.artifacts) {
    const where = a.direction === "in" ? inputArtifactPath(a.name) : outputArtifactPath(a.name);
    args.push(a.flag, a.flag === "--input" || a.flag === "--output" ? `${a.name}=${where}` : where);
  }
  return args;
}
