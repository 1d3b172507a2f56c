/**
 * The Plan: the one representation of a pipeline that every later stage reads
 * (renderer, engines, pipeline writers, local runner). `nbbuild plan --json` prints exactly this.
 * Paths inside a Plan are relative to `Plan.root` (POSIX separators) so the JSON is the same on
 * every machine; `root` itself is absolute and is the only machine-specific field.
 */
export const PLAN_SCHEMA_VERSION = 1 as const;

/** A cell of a notebook: its position and nbformat id ("" when the notebook has no ids). */
export interface CellRef {
  index: number;
  id: string;
}

/** Where a step, parameter or block came from, for errors and for generated-code comments. */
export interface SourceRef {
  /** Notebook, script or .pipeline file, relative to Plan.root. */
  file: string;
  cells?: CellRef[];
  /** Elyra node id when the item came from a .pipeline file. */
  node?: string;
}

/** KFP parameter types we emit (the proto's ParameterType names). */
export type ParamType = "NUMBER_INTEGER" | "NUMBER_DOUBLE" | "STRING" | "BOOLEAN";
export type ParamValue = number | string | boolean;

export interface Parameter {
  name: string;
  type: ParamType;
  default: ParamValue;
  source: SourceRef;
}

/** The role a block of code plays in a step. */
export type BlockRole = "imports" | "functions" | "parameters" | "step";

/**
 * One notebook cell's code as it will run in the step: magics already rewritten to plain Python
 * (shell lines become subprocess calls, %pip lines removed and recorded as requirements).
 */
export interface CodeBlock {
  role: BlockRole;
  /** Notebook (relative to Plan.root) this cell is in. */
  file: string;
  cell: CellRef;
  source: string;
}

/** A variable a step reads, and the ancestor step that last produced it. */
export interface StepInput {
  name: string;
  from: string;
}

/** Files a step receives from an ancestor's declared file outputs (Elyra `outputs`). */
export interface FileInput {
  /** Producing step; all of its declared file outputs arrive at the same relative paths. */
  from: string;
}

export interface SecretEnv {
  secret: string;
  key: string;
  env: string;
}

export interface VolumeMount {
  pvc: string;
  mountPath: string;
  subPath?: string;
  readOnly?: boolean;
}

export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}

/** What travels into the image as the step's working folder. */
export interface StepContext {
  /** Folder relative to Plan.root that becomes the working directory (the notebook's folder). */
  dir: string;
  /**
   * Files relative to `dir` to copy. Undefined: the folder's git-tracked files minus ignores
   * (or all files when it is not a git checkout), minus the notebook being compiled and .nbbuild/.
   */
  include?: string[];
}

export interface Step {
  name: string;
  /** "notebook": run `code` blocks in one namespace; "script": run `script` as __main__. */
  kind: "notebook" | "script";
  /** Steps that must finish first (explicit prev: plus data producers), sorted. */
  after: string[];
  /** Cell ids of the step's own cells (not imports/functions), in order. */
  cells: string[];
  /** Code blocks in run order: imports, functions, then the step's own cells. */
  code: CodeBlock[];
  /** For kind "script": the script path relative to Plan.root. */
  script?: string;
  /** Variables read from ancestors. */
  inputs: StepInput[];
  /** Variables this step must save because some descendant reads them. */
  outputs: string[];
  /** Pipeline parameter names this step reads. */
  parameters: string[];
  /** Metric names this step reports (see Plan.metrics). */
  metrics: string[];
  /** Ancestor steps whose declared file outputs must be present before the step starts. */
  fileInputs: FileInput[];
  /** Files/globs (relative to the working dir) this step declares as outputs. */
  fileOutputs: string[];
  /** Literal paths the code appears to write (a hint only, shown by `plan`). */
  fileHints: string[];
  context: StepContext;
  /** Base image override for this step (Kale image: tag, Elyra runtime_image). */
  image?: string;
  /** Extra pip requirements found in the step's cells (%pip / !pip install). */
  requirements: string[];
  /** Kubernetes resource limits, e.g. {"cpu": "2", "memory": "4Gi", "nvidia.com/gpu": "1"}. */
  limits: Record<string, string>;
  /** Resource requests (Elyra cpu/memory). */
  requests: Record<string, string>;
  env: Record<string, string>;
  secrets: SecretEnv[];
  volumes: VolumeMount[];
  tolerations: Toleration[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  cache: boolean;
  report: boolean;
  /**
   * Size of a memory-backed /dev/shm for the pod, e.g. "1G" (Elyra kubernetes_shared_mem_size:
   * an emptyDir {medium: Memory, sizeLimit} mounted at /dev/shm). Undefined: the runtime default.
   */
  sharedMemory?: string;
  /**
   * Elyra/KFP-v1 convention: collect `mlpipeline-metrics.json` and `mlpipeline-ui-metadata.json`
   * that the code writes into its working dir and turn them into typed KFP v2 outputs.
   */
  uiOutputs: boolean;
  source: SourceRef;
}

export interface Metric {
  name: string;
  /** The step that computes it (latest producer of the variable). */
  step: string;
}

export interface Diagnostic {
  level: "warning" | "info";
  message: string;
  location: { file: string; cellIndex?: number; cellId?: string; nodeId?: string; line?: number };
}

export interface Plan {
  schemaVersion: typeof PLAN_SCHEMA_VERSION;
  /** Pipeline name (Kale pipeline_name, Elyra name, else the file's stem), a DNS-1123-ish string. */
  name: string;
  description?: string;
  experiment?: string;
  /** Absolute path of the folder holding the notebook or .pipeline file. */
  root: string;
  source: { file: string; kind: "notebook" | "elyra" };
  /** Default base image (Kale docker_image/base_image metadata, flags win). */
  baseImage?: string;
  parameters: Parameter[];
  metrics: Metric[];
  /** Steps in topological order (ties broken by source order). */
  steps: Step[];
  /** Pipeline-wide PVC mounts (Kale `volumes`); also copied into each step's `volumes`. */
  volumes: VolumeMount[];
  /** Cells that belong to no step (before the first tag), shown by `plan` so nobody is surprised. */
  unassigned: CellRef[];
  diagnostics: Diagnostic[];
}

/** Options every front end accepts; flags override notebook metadata. */
export interface PlanOptions {
  name?: string;
  description?: string;
  experiment?: string;
  baseImage?: string;
}
