import { describe, expect, test } from "vitest";
import { dumpYaml, parseYamlDocuments } from "../../../src/pipeline/yaml.js";

describe("dumpYaml", () => {
  test("sorted keys, block lists without indent, no anchors, no folding", () => {
    const shared = { a: 1 };
    const long = "x".repeat(300);
    const text = dumpYaml({ b: [shared, shared], a: long });
    expect(text).toBe(`a: ${long}\nb:\n- a: 1\n- a: 1\n`);
  });
  test("strings a YAML 1.1 reader (Go's yaml, the KFP server) would take for numbers are quoted", () => {
    const values = ["1_000", "1:20", "12_3.4_5", "yes", "on", "0x1F", "012", "1e3", "plain", "2.1.0"];
    const text = dumpYaml({ v: values, "1_0": "k" });
    for (const v of ["1_000", "1:20", "12_3.4_5", "yes", "on", "0x1F", "012", "1e3"]) expect(text).toContain(`'${v}'`);
    expect(text).toContain("- plain\n");
    expect(text).toContain("'1_0': k");
    expect(parseYamlDocuments(text)[0]).toEqual({ v: values, "1_0": "k" });
  });
});
