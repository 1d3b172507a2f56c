/** Builds small KFP IR documents for the runner's e2e tests (same shapes as the SDK's). */
import yaml from "js-yaml";

export interface TaskDef {
  image: string;
  script: string;
  /** Extra args after `python3 -c script`. */
  args?: string[];
  deps?: string[];
  params?: Record<string, { type: string; from: string }>;
  inArtifacts?: Record<string, { producer: string; key: string }>;
  outArtifacts?: Record<string, string>;
  resources?: Record<string, unknown>;
  env?: Record<string, string>;
}

/** A PipelineSpec with one container task per entry, dumped as YAML. */
export function irYaml(name: string, params: Record<string, { type: string; default?: unknown }>, tasks: Record<string, TaskDef>): string {
  const components: Record<string, unknown> = {};
  const executors: Record<string, unknown> = {};
  const dag: Record<string, unknown> = {};
  for (const [t, d] of Object.entries(tasks)) {
    const inputDefinitions: Record<string, unknown> = {};
    if (d.params) inputDefinitions.parameters = Object.fromEntries(Object.entries(d.params).map(([p, v]) => [p, { parameterType: v.type }]));
    if (d.inArtifacts)
      inputDefinitions.artifacts = Object.fromEntries(
        Object.keys(d.inArtifacts).map((a) => [a, { artifactType: { schemaTitle: "system.Artifact", schemaVersion: "0.0.1" } }]),
      );
    const comp: Record<string, unknown> = { executorLabel: `exec-${t}` };
    if (Object.keys(inputDefinitions).length) comp.inputDefinitions = inputDefinitions;
    if (d.outArtifacts)
      comp.outputDefinitions = {
        artifacts: Object.fromEntries(
          Object.entries(d.outArtifacts).map(([a, s]) => [a, { artifactType: { schemaTitle: s, schemaVersion: "0.0.1" } }]),
        ),
      };
    components[`comp-${t}`] = comp;
    const container: Record<string, unknown> = { image: d.image, command: ["python3", "-c", d.script], args: d.args ?? [] };
    if (d.resources) container.resources = d.resources;
    if (d.env) container.env = Object.entries(d.env).map(([n, value]) => ({ name: n, value }));
    executors[`exec-${t}`] = { container };
    const inputs: Record<string, unknown> = {};
    if (d.params) inputs.parameters = Object.fromEntries(Object.entries(d.params).map(([p, v]) => [p, { componentInputParameter: v.from }]));
    if (d.inArtifacts)
      inputs.artifacts = Object.fromEntries(
        Object.entries(d.inArtifacts).map(([a, v]) => [a, { taskOutputArtifact: { producerTask: v.producer, outputArtifactKey: v.key } }]),
      );
    const task: Record<string, unknown> = { cachingOptions: { enableCache: true }, componentRef: { name: `comp-${t}` }, taskInfo: { name: t } };
    if (d.deps?.length) task.dependentTasks = [...d.deps].sort();
    if (Object.keys(inputs).length) task.inputs = inputs;
    dag[t] = task;
  }
  const rootParams = Object.fromEntries(
    Object.entries(params).map(([p, v]) => [p, { parameterType: v.type, ...(v.default !== undefined ? { defaultValue: v.default, isOptional: true } : {}) }]),
  );
  return yaml.dump(
    {
      components,
      deploymentSpec: { executors },
      pipelineInfo: { name },
      root: { dag: { tasks: dag }, ...(Object.keys(rootParams).length ? { inputDefinitions: { parameters: rootParams } } : {}) },
      schemaVersion: "2.1.0",
      sdkVersion: "nbbuild-test",
    },
    { sortKeys: true, lineWidth: -1 },
  );
}
