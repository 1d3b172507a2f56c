import { describe, expect, it } from "vitest";
import { parseIr } from "../../../src/run/ir.js";
import { buildExecutorInput, formatKfpNumber, renderParam, scanPlaceholders, substitute } from "../../../src/run/placeholders.js";

describe("formatKfpNumber (Go FormatFloat 'f', -1)", () => {
  it.each([
    [200, "200"],
    [200.0, "200"],
    [0.5, "0.5"],
    [-3, "-3"],
    [1e21, "1000000000000000000000"],
    [1.5e22, "15000000000000000000000"],
    [1e-7, "0.0000001"],
    [1.25e-8, "0.0000000125"],
    [0.1 + 0.2, "0.30000000000000004"],
  ])("%s → %s", (n, s) => expect(formatKfpNumber(n)).toBe(s));
  it("renders booleans, strings and structs like the launcher", () => {
    expect(renderParam(true)).toBe("true");
    expect(renderParam(false)).toBe("false");
    expect(renderParam("a b")).toBe("a b");
    expect(renderParam([1, "x"])).toBe('[1,"x"]');
  });
});

const IR = `
components:
  comp-t:
    executorLabel: exec-t
    inputDefinitions:
      parameters:
        n: {parameterType: NUMBER_INTEGER}
        s: {parameterType: STRING, defaultValue: dflt, isOptional: true}
      artifacts:
        data: {artifactType: {schemaTitle: system.Dataset, schemaVersion: 0.0.1}}
    outputDefinitions:
      artifacts:
        model: {artifactType: {schemaTitle: system.Model, schemaVersion: 0.0.1}}
        metrics: {artifactType: {schemaTitle: system.Metrics, schemaVersion: 0.0.1}}
      parameters:
        out: {parameterType: STRING}
  comp-p:
    executorLabel: exec-p
    outputDefinitions:
      artifacts:
        data: {artifactType: {schemaTitle: system.Dataset, schemaVersion: 0.0.1}}
deploymentSpec:
  executors:
    exec-p:
      container: {image: img, command: [sh], args: ["{{$.outputs.artifacts['data'].path}}"]}
    exec-t:
      container:
        image: img
        command: [run]
        args:
        - --ei
        - '{{$}}'
        - --n={{$.inputs.parameters['n']}}
        - '{{$.inputs.parameters[''s'']}}'
        - '{{$.inputs.artifacts[''data''].path}}'
        - '{{$.inputs.artifacts[''data''].uri}}'
        - '{{$.outputs.artifacts[''model''].path}}'
        - '{{$.outputs.parameters[''out''].output_file}}'
pipelineInfo: {name: p}
root:
  dag:
    tasks:
      p: {componentRef: {name: comp-p}, taskInfo: {name: p}}
      t:
        componentRef: {name: comp-t}
        dependentTasks: [p]
        inputs:
          parameters:
            n: {componentInputParameter: n}
          artifacts:
            data: {taskOutputArtifact: {producerTask: p, outputArtifactKey: data}}
        taskInfo: {name: t}
  inputDefinitions:
    parameters:
      n: {parameterType: NUMBER_INTEGER, defaultValue: 5.0}
schemaVersion: 2.1.0
`;

describe("ExecutorInput and substitution", () => {
  const g = parseIr(IR, "p.yaml");
  const t = g.tasks.find((x) => x.name === "t")!;
  const ei = buildExecutorInput(t, { n: 5, s: "dflt" }, () => ({ rows: 3 }));

  it("builds the ExecutorInput the launcher would", () => {
    expect(ei.inputs.parameterValues).toEqual({ n: 5, s: "dflt" });
    expect(ei.inputs.artifacts.data.artifacts[0]).toEqual({
      name: "data",
      type: { schemaTitle: "system.Dataset", schemaVersion: "0.0.1" },
      uri: "file:///nbbuild/artifacts/p/data",
      metadata: { rows: 3 },
    });
    expect(ei.outputs.artifacts.model.artifacts[0].uri).toBe("file:///nbbuild/artifacts/t/model");
    expect(ei.outputs.outputFile).toBe("/nbbuild/outputs/executor_output.json");
    expect(ei.outputs.parameters.out.outputFile).toBe("/nbbuild/outputs/parameters/out");
  });

  it("substitutes every supported form, inside strings too", () => {
    const args = substitute(t.args, ei);
    expect(JSON.parse(args[1])).toEqual(ei);
    expect(args.slice(2)).toEqual([
      "--n=5",
      "dflt",
      "/nbbuild/artifacts/p/data",
      "file:///nbbuild/artifacts/p/data",
      "/nbbuild/artifacts/t/model",
      "/nbbuild/outputs/parameters/out",
    ]);
  });

  it("fails on a placeholder with no value", () => {
    expect(() => substitute(["{{$.inputs.parameters['zzz']}}"], ei)).toThrow(/zzz/);
    expect(scanPlaceholders(["a{{$}}b{{$.x}}"])).toEqual(["{{$}}", "{{$.x}}"]);
  });

  it("rejects unsupported placeholder forms at parse time, all at once", () => {
    const bad = IR.replace("- --ei", "- '{{$.outputs.output_file}}'\n        - '{{$.inputs.artifacts[''data''].metadata}}'\n        - --ei");
    expect(() => parseIr(bad, "p.yaml")).toThrow(/output_file[\s\S]*metadata/);
  });
});
