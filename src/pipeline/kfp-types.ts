/**
 * The subset of KFP's PipelineSpec (api/v2alpha1/pipeline_spec.proto) and kfp-kubernetes'
 * KubernetesExecutorConfig that nbbuild writes, with the proto JSON (camelCase) field names.
 * Read by the local runner too: it executes exactly this.
 */
import type { ParamType, ParamValue } from "../plan/types.js";

/** ArtifactTypeSchema (schemaTitle form). */
export interface ArtifactType {
  schemaTitle: string;
  schemaVersion: string;
}

/** ComponentInputsSpec.ParameterSpec. */
export interface InputParameterDef {
  parameterType: ParamType;
  defaultValue?: ParamValue;
  isOptional?: boolean;
  description?: string;
}

/** Component input/output ArtifactSpec. */
export interface ArtifactDef {
  artifactType: ArtifactType;
  isOptional?: boolean;
  description?: string;
}

/** ComponentInputsSpec. */
export interface InputDefinitions {
  parameters?: Record<string, InputParameterDef>;
  artifacts?: Record<string, ArtifactDef>;
}

/** ComponentOutputsSpec. */
export interface OutputDefinitions {
  parameters?: Record<string, { parameterType: ParamType }>;
  artifacts?: Record<string, ArtifactDef>;
}

/** ComponentSpec: an executor (executorLabel) or a DAG. */
export interface ComponentSpec {
  executorLabel?: string;
  dag?: DagSpec;
  inputDefinitions?: InputDefinitions;
  outputDefinitions?: OutputDefinitions;
}

/** TaskInputsSpec.InputParameterSpec (one kind set). */
export interface TaskInputParameter {
  componentInputParameter?: string;
  taskOutputParameter?: { producerTask: string; outputParameterKey: string };
  runtimeValue?: { constant: ParamValue };
}

/** TaskInputsSpec.InputArtifactSpec (one kind set). */
export interface TaskInputArtifact {
  taskOutputArtifact?: { producerTask: string; outputArtifactKey: string };
  componentInputArtifact?: string;
}

/** PipelineTaskSpec. */
export interface TaskSpec {
  taskInfo: { name: string };
  componentRef: { name: string };
  dependentTasks?: string[];
  inputs?: {
    parameters?: Record<string, TaskInputParameter>;
    artifacts?: Record<string, TaskInputArtifact>;
  };
  cachingOptions: { enableCache?: boolean };
}

/** DagSpec: tasks keyed by task name. */
export interface DagSpec {
  tasks: Record<string, TaskSpec>;
}

/** PipelineContainerSpec.ResourceSpec (old numeric fields; `resource*` strings for newer backends). */
export interface ResourceSpec {
  cpuLimit?: number;
  memoryLimit?: number;
  cpuRequest?: number;
  memoryRequest?: number;
  resourceCpuLimit?: string;
  resourceMemoryLimit?: string;
  resourceCpuRequest?: string;
  resourceMemoryRequest?: string;
  accelerator?: { type?: string; count?: string; resourceType?: string; resourceCount?: string };
}

/** PipelineContainerSpec. */
export interface ContainerSpec {
  image: string;
  command: string[];
  args: string[];
  env?: { name: string; value: string }[];
  resources?: ResourceSpec;
}

/** The first YAML document. */
export interface PipelineSpec {
  pipelineInfo: { name: string; description?: string };
  sdkVersion: string;
  schemaVersion: "2.1.0";
  components: Record<string, ComponentSpec>;
  deploymentSpec: { executors: Record<string, { container: ContainerSpec }> };
  root: ComponentSpec & { dag: DagSpec };
}

/** kfp-kubernetes executor config, plain (constant) forms only. */
export interface KubernetesExecutorConfig {
  secretAsEnv?: { secretName: string; keyToEnv: { secretKey: string; envVar: string }[] }[];
  pvcMount?: { constant: string; mountPath: string; subPath?: string }[];
  imagePullSecret?: { secretName: string }[];
  nodeSelector?: { labels: Record<string, string> };
  tolerations?: { key?: string; operator?: string; value?: string; effect?: string }[];
  podMetadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  emptyDirMounts?: { volumeName: string; mountPath: string; medium?: string; sizeLimit?: string }[];
}

/** The second YAML document. */
export interface PlatformSpec {
  platforms: { kubernetes: { deploymentSpec: { executors: Record<string, KubernetesExecutorConfig> } } };
}

/** What the KFP writer returns: the two documents plus warnings for the CLI to print. */
export interface KfpIr {
  pipelineSpec: PipelineSpec;
  platformSpec?: PlatformSpec;
  warnings: string[];
}
