import { describe, expect, it } from "vitest";
import type { Problem } from "../../../src/errors.js";
import { readKaleMeta, dnsName } from "../../../src/notebook/metadata.js";
import { parseMetrics, parseParameters } from "../../../src/notebook/params.js";
import { stepNameFromStem } from "../../../src/notebook/split.js";
import { parseCellTags } from "../../../src/notebook/tags.js";
import { findCycle, topoSort } from "../../../src/plan/dag.js";

const loc = { file: "nb.ipynb", cellIndex: 1, cellId: "x" };
const tags = (t: unknown[]) => {
  const problems: Problem[] = [];
  return { tags: parseCellTags(t, loc, problems), problems: problems.map((p) => p.message) };
};

describe("parseCellTags", () => {
  it("reads every config tag; annotation and image keep colons", () => {
    const { tags: t, problems } = tags(["step:train", "prev:a", "prev:b", "limit:nvidia.com/gpu:1", "label:team:ml", "annotation:x.io/n:a:b", "image:reg:5000/img:1", "cache:disabled", "report:disabled", "secret:s:k:ENV_X"]);
    expect(problems).toEqual([]);
    expect(t).toEqual({
      step: "train",
      special: undefined,
      prev: ["a", "b"],
      notebook: undefined,
      tagged: true,
      config: { limits: { "nvidia.com/gpu": "1" }, labels: { team: "ml" }, annotations: { "x.io/n": "a:b" }, image: "reg:5000/img:1", cache: false, report: false, secrets: [{ secret: "s", key: "k", env: "ENV_X" }] },
    });
  });
  it("rejects malformed tags with the reason", () => {
    expect(tags(["step:a", "cache:maybe", "secret:s:k", "limit:cpu", "secret:s:k:1BAD"]).problems).toEqual([
      'tag "cache:maybe": the value must be enabled or disabled',
      'tag "secret:s:k" must have three parts',
      'tag "limit:cpu" needs a resource and a value',
      'tag "secret:s:k:1BAD": "1BAD" is not a valid environment variable name',
    ]);
    expect(tags(["label:a:b"]).problems).toEqual(["step settings (limit/label/annotation/image/cache/report/secret) on a cell without a step:/block: tag"]);
    expect(tags(["imports", "step:a"]).problems).toEqual(["the cell has conflicting roles (imports, step:a)"]);
  });
});

describe("Kale metadata", () => {
  it("steps_defaults, volumes, empty docker_image", () => {
    const problems: Problem[] = [];
    const m = readKaleMeta({ kubeflow_notebook: { docker_image: "", base_image: "b:1", steps_defaults: ["limit:cpu:2", "image:i:2"], volumes: [{ type: "pvc", name: "d", mount_point: "/d" }, { pvc: "e", mountPath: "/e", readOnly: true }] } }, "nb.ipynb", problems);
    expect(problems).toEqual([]);
    expect(m.baseImage).toBe("b:1");
    expect(m.stepsDefaults).toMatchObject({ limits: { cpu: "2" }, image: "i:2" });
    expect(m.volumes).toEqual([{ pvc: "d", mountPath: "/d" }, { pvc: "e", mountPath: "/e", readOnly: true }]);
  });
  it("rejects unknown steps_defaults entries and unsupported volume types", () => {
    const problems: Problem[] = [];
    readKaleMeta({ kubeflow_notebook: { steps_defaults: ["step:x"], volumes: [{ type: "pv", name: "p", mount_point: "/p" }] } }, "nb.ipynb", problems);
    expect(problems.map((p) => p.message)).toEqual(['steps_defaults: unrecognized entry "step:x"', 'kubeflow_notebook.volumes[0]: volume type "pv" is not supported']);
  });
  it("names", () => {
    expect(dnsName("Secrets & Defaults!")).toBe("secrets-defaults");
    expect(stepNameFromStem("01 My Notebook")).toBe("_01_my_notebook");
  });
});

describe("parameters and metrics cells", () => {
  it("parses literals and reports the rest by line", () => {
    const problems: Problem[] = [];
    const ps = parseParameters("# c\nA = 1_000\nB = 2.5e-3\nC = r'x\\y'\nD = True\nE = -7\nF = f'{A}'\nG = None\nA = 2\n", loc, problems);
    expect(ps.map((p) => [p.name, p.type, p.default])).toEqual([
      ["B", "NUMBER_DOUBLE", 0.0025],
      ["C", "STRING", "x\\y"],
      ["D", "BOOLEAN", true],
      ["E", "NUMBER_INTEGER", -7],
      ["A", "NUMBER_INTEGER", 2],
    ]);
    expect(problems.map((p) => p.location.line)).toEqual([7, 8]);
  });
  it("metrics: print(var) or var per line", () => {
    const problems: Problem[] = [];
    expect(parseMetrics("print(acc)\nloss\n# note\nprint(a, b)\nx + 1\n", loc, problems).map((m) => m.name)).toEqual(["acc", "loss"]);
    expect(problems.map((p) => p.location.line)).toEqual([4, 5]);
  });
});

describe("dag", () => {
  it("finds a cycle in run order and sorts ties by source order", () => {
    const cyc = findCycle(["a", "b", "c"], new Map([["a", ["c"]], ["b", ["a"]], ["c", ["b"]]]))!;
    // each node runs before the next, and the last before the first: every element is "after" its predecessor
    const after = new Map([["a", ["c"]], ["b", ["a"]], ["c", ["b"]]]);
    cyc.forEach((n, i) => expect(after.get(cyc[(i + 1) % cyc.length]!)).toContain(n));
    expect(findCycle(["a", "b"], new Map([["b", ["a"]]]))).toBeUndefined();
    expect(topoSort(["d", "c", "b", "a"], new Map([["d", ["a"]], ["c", []], ["b", ["c"]]]))).toEqual(["c", "b", "a", "d"]);
  });
});

describe("tag corner cases", () => {
  it("papermill's `parameters` tag gets a specific fix", () => {
    const problems: Problem[] = [];
    parseCellTags(["parameters"], loc, problems);
    expect(problems[0]!.fix).toMatch(/pipeline-parameters/);
  });
});
