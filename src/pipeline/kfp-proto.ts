/**
 * KFP's PipelineSpec (kubeflow/pipelines api/v2alpha1/pipeline_spec.proto) and kfp-kubernetes'
 * KubernetesExecutorConfig (kubernetes_platform/proto/kubernetes_executor_config.proto), written
 * down as proto-check messages with their proto JSON field names. `deploymentSpec` and the
 * platform executors are google.protobuf.Struct in the proto but are parsed strictly into
 * PipelineDeploymentConfig / KubernetesExecutorConfig by the server and driver, so they are
 * described as those messages here.
 */
import type { Schema } from "./proto-check.js";

/** ParameterType.ParameterTypeEnum, in proto order. */
export const PARAMETER_TYPES = [
  "PARAMETER_TYPE_ENUM_UNSPECIFIED", "NUMBER_DOUBLE", "NUMBER_INTEGER", "STRING", "BOOLEAN", "LIST", "STRUCT", "TASK_FINAL_STATUS",
] as const;
const PRIMITIVE_TYPES = ["PRIMITIVE_TYPE_UNSPECIFIED", "INT", "DOUBLE", "STRING"] as const;
const TRIGGER_STRATEGIES = ["TRIGGER_STRATEGY_UNSPECIFIED", "ALL_UPSTREAM_TASKS_SUCCEEDED", "ALL_UPSTREAM_TASKS_COMPLETED"] as const;

/** Backend version that added the `resource*` string fields (FACTS.md: absent from KFP 2.2's proto). */
const NEW_RESOURCES = "2.4.0";
/** kfp-kubernetes `*Parameter` / `*Json` forms (FACTS.md: need backend ≥ 2.5). */
const PARAM_FORMS = "2.5.0";
/** Platform fields added to the driver after 2.0.5 (upstream PRs #10393, #10427, #10471: KFP 2.1.0). */
const K8S_2_1 = "2.1.0";

/** Every message the validator knows, by name; roots are PipelineSpec and PlatformSpec. */
export const KFP_SCHEMA: Schema = {
  PipelineSpec: {
    fields: {
      pipelineInfo: { msg: "PipelineInfo" },
      deploymentSpec: { msg: "PipelineDeploymentConfig" },
      sdkVersion: "string",
      schemaVersion: "string",
      components: { map: { msg: "ComponentSpec" } },
      root: { msg: "ComponentSpec" },
      defaultPipelineRoot: "string",
    },
    required: ["pipelineInfo", "schemaVersion", "root", "deploymentSpec"],
  },
  PipelineInfo: {
    fields: { name: "string", displayName: "string", description: "string" },
    required: ["name"],
  },
  ComponentSpec: {
    fields: {
      inputDefinitions: { msg: "ComponentInputsSpec" },
      outputDefinitions: { msg: "ComponentOutputsSpec" },
      dag: { msg: "DagSpec" },
      executorLabel: "string",
      singlePlatformSpecs: { list: { msg: "SinglePlatformSpec" } },
    },
    oneofs: [["dag", "executorLabel"]],
  },
  DagSpec: {
    fields: { tasks: { map: { msg: "PipelineTaskSpec" } }, outputs: { msg: "DagOutputsSpec" } },
  },
  DagOutputsSpec: {
    fields: {
      artifacts: { map: { msg: "DagOutputArtifactSpec" } },
      parameters: { map: { msg: "DagOutputParameterSpec" } },
    },
  },
  DagOutputArtifactSpec: { fields: { artifactSelectors: { list: { msg: "ArtifactSelectorSpec" } } } },
  ArtifactSelectorSpec: { fields: { producerSubtask: "string", outputArtifactKey: "string" } },
  ParameterSelectorSpec: { fields: { producerSubtask: "string", outputParameterKey: "string" } },
  ParameterSelectorsSpec: { fields: { parameterSelectors: { list: { msg: "ParameterSelectorSpec" } } } },
  DagOutputParameterSpec: {
    fields: { valueFromParameter: { msg: "ParameterSelectorSpec" }, valueFromOneof: { msg: "ParameterSelectorsSpec" } },
    oneofs: [["valueFromParameter", "valueFromOneof"]],
  },
  ComponentInputsSpec: {
    fields: {
      artifacts: { map: { msg: "InputArtifactDef" } },
      parameters: { map: { msg: "InputParameterDef" } },
    },
  },
  InputArtifactDef: {
    fields: { artifactType: { msg: "ArtifactTypeSchema" }, isArtifactList: "bool", isOptional: "bool", description: "string" },
  },
  InputParameterDef: {
    fields: {
      type: { enum: PRIMITIVE_TYPES },
      parameterType: { enum: PARAMETER_TYPES },
      defaultValue: "value",
      isOptional: "bool",
      description: "string",
    },
  },
  ComponentOutputsSpec: {
    fields: {
      artifacts: { map: { msg: "OutputArtifactDef" } },
      parameters: { map: { msg: "OutputParameterDef" } },
    },
  },
  OutputArtifactDef: {
    fields: {
      artifactType: { msg: "ArtifactTypeSchema" },
      properties: { map: { msg: "ValueOrRuntimeParameter" } },
      customProperties: { map: { msg: "ValueOrRuntimeParameter" } },
      metadata: "struct",
      isArtifactList: "bool",
      description: "string",
    },
  },
  OutputParameterDef: {
    fields: { type: { enum: PRIMITIVE_TYPES }, parameterType: { enum: PARAMETER_TYPES }, description: "string" },
  },
  TaskInputsSpec: {
    fields: {
      parameters: { map: { msg: "InputParameterSpec" } },
      artifacts: { map: { msg: "InputArtifactSpec" } },
    },
  },
  InputArtifactSpec: {
    fields: { taskOutputArtifact: { msg: "TaskOutputArtifactSpec" }, componentInputArtifact: "string" },
    oneofs: [["taskOutputArtifact", "componentInputArtifact"]],
  },
  TaskOutputArtifactSpec: { fields: { producerTask: "string", outputArtifactKey: "string" }, required: ["producerTask", "outputArtifactKey"] },
  InputParameterSpec: {
    fields: {
      taskOutputParameter: { msg: "TaskOutputParameterSpec" },
      runtimeValue: { msg: "ValueOrRuntimeParameter" },
      componentInputParameter: "string",
      taskFinalStatus: { msg: "TaskFinalStatus" },
      parameterExpressionSelector: "string",
    },
    oneofs: [["taskOutputParameter", "runtimeValue", "componentInputParameter", "taskFinalStatus"]],
  },
  TaskOutputParameterSpec: { fields: { producerTask: "string", outputParameterKey: "string" }, required: ["producerTask", "outputParameterKey"] },
  TaskFinalStatus: { fields: { producerTask: "string" } },
  PipelineTaskSpec: {
    fields: {
      taskInfo: { msg: "PipelineTaskInfo" },
      inputs: { msg: "TaskInputsSpec" },
      dependentTasks: { list: "string" },
      cachingOptions: { msg: "CachingOptions" },
      componentRef: { msg: "ComponentRef" },
      triggerPolicy: { msg: "TriggerPolicy" },
      artifactIterator: { msg: "ArtifactIteratorSpec" },
      parameterIterator: { msg: "ParameterIteratorSpec" },
      retryPolicy: { msg: "RetryPolicy" },
      iteratorPolicy: { msg: "IteratorPolicy" },
    },
    oneofs: [["artifactIterator", "parameterIterator"]],
    required: ["componentRef"],
  },
  // taskName / cacheKey: written by recent SDKs (the resource-spec sample, SDK 2.13) and absent from the
  // protos of the 2.0–2.4 era; the version gate is approximate.
  PipelineTaskInfo: { fields: { name: "string", taskName: { type: "string", since: "2.5.0" } } },
  CachingOptions: { fields: { enableCache: "bool", cacheKey: { type: "string", since: "2.5.0" } } },
  ComponentRef: { fields: { name: "string" }, required: ["name"] },
  TriggerPolicy: { fields: { condition: "string", strategy: { enum: TRIGGER_STRATEGIES } } },
  ArtifactIteratorSpec: { fields: { items: { msg: "ArtifactItemsSpec" }, itemInput: "string" } },
  ArtifactItemsSpec: { fields: { inputArtifact: "string" } },
  ParameterIteratorSpec: { fields: { items: { msg: "ParameterItemsSpec" }, itemInput: "string" } },
  ParameterItemsSpec: { fields: { raw: "string", inputParameter: "string" }, oneofs: [["raw", "inputParameter"]] },
  RetryPolicy: {
    fields: { maxRetryCount: "int", backoffDuration: "string", backoffFactor: "double", backoffMaxDuration: "string" },
  },
  IteratorPolicy: { fields: { parallelismLimit: "int" } },
  ArtifactTypeSchema: {
    fields: { schemaTitle: "string", schemaUri: "string", instanceSchema: "string", schemaVersion: "string" },
    oneofs: [["schemaTitle", "schemaUri", "instanceSchema"]],
  },
  ValueOrRuntimeParameter: {
    fields: { constantValue: { msg: "Value" }, runtimeParameter: "string", constant: "value" },
    oneofs: [["constantValue", "runtimeParameter", "constant"]],
  },
  Value: {
    fields: { intValue: "int", doubleValue: "double", stringValue: "string" },
    oneofs: [["intValue", "doubleValue", "stringValue"]],
  },
  PipelineDeploymentConfig: { fields: { executors: { map: { msg: "ExecutorSpec" } } } },
  ExecutorSpec: {
    fields: {
      container: { msg: "PipelineContainerSpec" },
      importer: { msg: "ImporterSpec" },
      resolver: { msg: "ResolverSpec" },
      customJob: { msg: "AIPlatformCustomJobSpec" },
    },
    oneofs: [["container", "importer", "resolver", "customJob"]],
  },
  PipelineContainerSpec: {
    fields: {
      image: "string",
      command: { list: "string" },
      args: { list: "string" },
      lifecycle: { msg: "Lifecycle" },
      resources: { msg: "ResourceSpec" },
      env: { list: { msg: "EnvVar" } },
    },
    required: ["image"],
  },
  Lifecycle: { fields: { preCacheCheck: { msg: "LifecycleExec" } } },
  LifecycleExec: { fields: { command: { list: "string" }, args: { list: "string" } } },
  ResourceSpec: {
    fields: {
      cpuLimit: "double",
      memoryLimit: "double",
      cpuRequest: "double",
      memoryRequest: "double",
      resourceCpuLimit: { type: "string", since: NEW_RESOURCES },
      resourceMemoryLimit: { type: "string", since: NEW_RESOURCES },
      resourceCpuRequest: { type: "string", since: NEW_RESOURCES },
      resourceMemoryRequest: { type: "string", since: NEW_RESOURCES },
      accelerator: { msg: "AcceleratorConfig" },
    },
  },
  AcceleratorConfig: {
    fields: {
      type: "string",
      count: "int",
      resourceType: { type: "string", since: NEW_RESOURCES },
      resourceCount: { type: "string", since: NEW_RESOURCES },
    },
  },
  EnvVar: { fields: { name: "string", value: "string" }, required: ["name"] },
  ImporterSpec: {
    fields: {
      artifactUri: { msg: "ValueOrRuntimeParameter" },
      typeSchema: { msg: "ArtifactTypeSchema" },
      properties: { map: { msg: "ValueOrRuntimeParameter" } },
      customProperties: { map: { msg: "ValueOrRuntimeParameter" } },
      metadata: "struct",
      reimport: "bool",
    },
  },
  ResolverSpec: { fields: { outputArtifactQueries: { map: { msg: "ArtifactQuerySpec" } } } },
  ArtifactQuerySpec: { fields: { filter: "string", limit: "int" } },
  AIPlatformCustomJobSpec: { fields: { customJob: "struct" } },

  // ---- second document: PlatformSpec ----
  PlatformSpec: { fields: { platforms: { map: { msg: "SinglePlatformSpec" } } }, required: ["platforms"] },
  SinglePlatformSpec: {
    fields: {
      deploymentSpec: { msg: "KubernetesDeploymentConfig" },
      platform: "string",
      config: "struct",
      pipelineConfig: "struct",
    },
  },
  KubernetesDeploymentConfig: { fields: { executors: { map: { msg: "KubernetesExecutorConfig" } } } },
  KubernetesExecutorConfig: {
    fields: {
      secretAsVolume: { list: { msg: "SecretAsVolume" } },
      secretAsEnv: { list: { msg: "SecretAsEnv" } },
      pvcMount: { list: { msg: "PvcMount" } },
      nodeSelector: { msg: "NodeSelector" },
      podMetadata: { type: { msg: "PodMetadata" }, since: K8S_2_1 },
      imagePullSecret: { type: { list: { msg: "ImagePullSecret" } }, since: K8S_2_1 },
      imagePullPolicy: "string",
      configMapAsVolume: { list: { msg: "ConfigMapAsVolume" } },
      configMapAsEnv: { list: { msg: "ConfigMapAsEnv" } },
      activeDeadlineSeconds: "int",
      fieldPathAsEnv: { list: { msg: "FieldPathAsEnv" } },
      tolerations: { type: { list: { msg: "Toleration" } }, since: K8S_2_1 },
      genericEphemeralVolume: { list: "struct" },
      nodeAffinity: { list: "struct" },
      podAffinity: { list: "struct" },
      enabledSharedMemory: { msg: "EnabledSharedMemory" },
      emptyDirMounts: { type: { list: { msg: "EmptyDirMount" } }, since: "2.3.0" },
      securityContext: "struct",
      initContainers: { list: "struct" },
      podResourceClaims: { list: "struct" },
    },
  },
  SecretAsVolume: {
    fields: {
      secretName: "string",
      mountPath: "string",
      optional: "bool",
      secretNameParameter: { type: { msg: "InputParameterSpec" }, since: PARAM_FORMS },
    },
  },
  SecretAsEnv: {
    fields: {
      secretName: "string",
      keyToEnv: { list: { msg: "SecretKeyToEnvMap" } },
      optional: "bool",
      secretNameParameter: { type: { msg: "InputParameterSpec" }, since: PARAM_FORMS },
    },
  },
  SecretKeyToEnvMap: { fields: { secretKey: "string", envVar: "string" }, required: ["secretKey", "envVar"] },
  PvcMount: {
    fields: {
      taskOutputParameter: { msg: "TaskOutputParameterSpec" },
      constant: "string",
      componentInputParameter: "string",
      mountPath: "string",
      pvcNameParameter: { type: { msg: "InputParameterSpec" }, since: PARAM_FORMS },
      subPath: { type: "string", since: PARAM_FORMS },
    },
    oneofs: [["taskOutputParameter", "constant", "componentInputParameter"]],
    required: ["mountPath"],
  },
  NodeSelector: {
    fields: {
      labels: { map: "string" },
      nodeSelectorJson: { type: { msg: "InputParameterSpec" }, since: PARAM_FORMS },
    },
  },
  PodMetadata: { fields: { labels: { map: "string" }, annotations: { map: "string" } } },
  ImagePullSecret: {
    fields: { secretName: "string", secretNameParameter: { type: { msg: "InputParameterSpec" }, since: PARAM_FORMS } },
  },
  ConfigMapAsVolume: {
    fields: {
      configMapName: "string",
      mountPath: "string",
      optional: "bool",
      configMapNameParameter: { type: { msg: "InputParameterSpec" }, since: PARAM_FORMS },
    },
  },
  ConfigMapAsEnv: {
    fields: {
      configMapName: "string",
      keyToEnv: { list: { msg: "ConfigMapKeyToEnvMap" } },
      configMapNameParameter: { type: { msg: "InputParameterSpec" }, since: PARAM_FORMS },
      optional: "bool",
    },
  },
  ConfigMapKeyToEnvMap: { fields: { configMapKey: "string", envVar: "string" } },
  FieldPathAsEnv: { fields: { name: "string", fieldPath: "string" } },
  Toleration: {
    fields: {
      key: "string",
      operator: "string",
      value: "string",
      effect: "string",
      tolerationSeconds: "int",
      tolerationJson: { type: { msg: "InputParameterSpec" }, since: PARAM_FORMS },
    },
  },
  EnabledSharedMemory: { fields: { volumeName: "string", size: "string" } },
  EmptyDirMount: { fields: { volumeName: "string", mountPath: "string", medium: "string", sizeLimit: "string" }, required: ["volumeName", "mountPath"] },
};
