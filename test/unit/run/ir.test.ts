import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseCpu, parseIr, parseMemory } from "../../../src/run/ir.js";
import { coerce, parseAssignments, resolveParams } from "../../../src/run/params.js";
import { downstream } from "../../../src/run/scheduler.js";

/** ../shared beside the repository holds the KFP SDK's own compiled pipelines. */
const REF = path.resolve(import.meta.dirname, "../../../../shared/reference/kfp");
const ref = (f: string) => fs.readFileSync(path.join(REF, f), "utf8");

describe("parseIr on the KFP SDK's own output", () => {
  it("reads the two-step containerized pipeline", () => {
    const g = parseIr(ref("two_step_pipeline_containerized.yaml"), "x.yaml");
    expect(g.name).toBe("containerized-two-step-pipeline");
    expect(g.tasks.map((t) => t.name)).toEqual(["component1", "component2"]);
    const [c1, c2] = g.tasks;
    expect(c1.command).toEqual(["sh", "-c", 'mkdir --parents $(dirname "$1") && echo "$0" > "$1"']);
    expect(c1.params).toEqual({ text: { kind: "root", name: "text" } });
    expect(c2.deps).toEqual(["component1"]);
    expect(c2.artifacts).toEqual({ input_gcs: { producer: "component1", key: "output_gcs", schemaTitle: "system.Dataset" } });
    expect(g.params).toEqual({ text: { type: "STRING" } });
  });

  it("reads resources in both forms and typed defaults", () => {
    const text = ref("pipeline_with_resource_spec.yaml").replace(/image: gcr.io\/my-project\/my-ingestor/, "image: x\n        command: [x]").replace(/image: gcr.io\/my-project\/my-fancy-trainer/, "image: y\n        command: [y]");
    const g = parseIr(text, "x.yaml");
    const trainer = g.tasks.find((t) => t.name === "trainer")!;
    expect(trainer.cpu).toBe(4);
    expect(trainer.memoryBytes).toBe(14 * 1024 ** 3);
    expect(g.params.n_epochs).toEqual({ type: "NUMBER_INTEGER", default: 200 });
    const numericOnly = text.replace(/\s+resourceCpuLimit: '4'/, "").replace(/\s+resourceMemoryLimit: 14Gi/, "");
    const t2 = parseIr(numericOnly, "x.yaml").tasks.find((t) => t.name === "trainer")!;
    expect(t2.cpu).toBe(4);
    expect(t2.memoryBytes).toBe(15_032_385_536);
  });

  it("rejects executors without a command (ENTRYPOINT is never used)", () => {
    expect(() => parseIr(ref("pipeline_with_resource_spec.yaml"), "x.yaml")).toThrow(/no command/);
  });

  it("warns about platform-spec features a local run cannot honour", () => {
    const text = ref("two_step_pipeline_containerized.yaml") +
      "---\nplatforms:\n  kubernetes:\n    deploymentSpec:\n      executors:\n        exec-component1:\n          secretAsEnv:\n          - secretName: s1\n            keyToEnv: [{secretKey: k, envVar: E}]\n";
    expect(parseIr(text, "x.yaml").warnings).toEqual([expect.stringMatching(/secret s1 is not available locally/)]);
  });

  it("lists every structural problem at once", () => {
    const text = ref("two_step_pipeline_containerized.yaml")
      .replace("producerTask: component1", "producerTask: ghost")
      .replace("name: comp-component1\n", "name: comp-missing\n");
    expect(() => parseIr(text, "x.yaml")).toThrow(/comp-missing[\s\S]*ghost/);
  });
});

describe("quantities", () => {
  it("parses CPU and memory", () => {
    expect(parseCpu("500m")).toBe(0.5);
    expect(parseCpu(2)).toBe(2);
    expect(parseMemory("256Mi")).toBe(268435456);
    expect(parseMemory("1G")).toBe(1e9);
    expect(() => parseMemory("lots")).toThrow(/bad memory/);
  });
});

describe("parameters", () => {
  it("coerces by type and rejects bad values", () => {
    expect(coerce("42", "NUMBER_INTEGER")).toBe(42);
    expect(coerce("4.2", "NUMBER_INTEGER")).toBeInstanceOf(Error);
    expect(coerce("1e-3", "NUMBER_DOUBLE")).toBe(0.001);
    expect(coerce("", "NUMBER_DOUBLE")).toBeInstanceOf(Error);
    expect(coerce("True", "BOOLEAN")).toBe(true);
    expect(coerce("yes", "BOOLEAN")).toBeInstanceOf(Error);
    expect(coerce("[1,2]", "LIST")).toEqual([1, 2]);
    expect(coerce("a=b", "STRING")).toBe("a=b");
  });
  it("resolves defaults and overrides, failing once for every problem", () => {
    const defs = { a: { type: "NUMBER_INTEGER" as const, default: 1 }, b: { type: "STRING" as const } };
    expect(resolveParams(defs, { b: "x=y" }, "f")).toEqual({ a: 1, b: "x=y" });
    expect(() => resolveParams(defs, { a: "z", c: "1" }, "f")).toThrow(/-p a: expected an integer[\s\S]*unknown parameter "c"[\s\S]*"b" has no default/);
    expect(parseAssignments(["k=v=w"], "f")).toEqual({ k: "v=w" });
    expect(() => parseAssignments(["novalue"], "f")).toThrow(/key=value/);
  });
});

describe("downstream", () => {
  it("includes the step and every descendant only", () => {
    const g = parseIr(ref("two_step_pipeline_containerized.yaml"), "x.yaml");
    expect([...downstream(g, "component2")]).toEqual(["component2"]);
    expect([...downstream(g, "component1")].sort()).toEqual(["component1", "component2"]);
  });
});

describe("parse-time checks", () => {
  it("rejects unsafe task names and parameters that would get no value", () => {
    const text = fs.readFileSync(path.join(REF, "two_step_pipeline_containerized.yaml"), "utf8");
    const noValue = text.replace("        inputs:\n          parameters:\n            text:\n              componentInputParameter: text\n", "");
    expect(() => parseIr(noValue, "x.yaml")).toThrow(/input parameter "text" gets no value/);
    const badName = text.replace(/^      component2:$/m, "      ../evil:").replace("producerTask: component1", "producerTask: component1");
    expect(() => parseIr(badName, "x.yaml")).toThrow(/task names must be/);
  });
});
