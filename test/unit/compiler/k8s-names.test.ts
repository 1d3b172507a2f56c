/** Names and values Kubernetes would reject are refused at plan time (issue 13.15). */
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { NbbuildError, type Problem } from "../../../src/errors.js";
import { planNotebook } from "../../../src/notebook/compile.js";
import { annotationsSize, labelValueProblem, qualifiedNameProblem } from "../../../src/plan/k8s-names.js";
import { cleanTemps, tempDir } from "../../support/temp.js";

afterAll(cleanTemps);

const FIX = resolve(__dirname, "../../fixtures/notebooks");
const problemsOf = (path: string): Promise<Problem[]> => planNotebook(path).then(() => [], (e: unknown) => {
  expect(e).toBeInstanceOf(NbbuildError);
  return (e as NbbuildError).problems;
});

describe("Kubernetes' validation rules", () => {
  it.each([
    ["team", undefined],
    ["app.kubernetes.io/name", undefined],
    ["example.com/a_b-c.d", undefined],
    ["bad key!", /letter or digit/],
    ["-lead", /start and end/],
    ["Example.com/x", /not a DNS subdomain/],
    ["/x", /prefix before '\/' is empty/],
    ["a/b/c", /at most one '\/'/],
    ["x".repeat(64), /longer than 63/],
    [`${"p".repeat(254)}/x`, /longer than 253/],
  ])("qualified name %s", (key, why) => {
    const got = qualifiedNameProblem(key);
    if (why) expect(got).toMatch(why);
    else expect(got).toBeUndefined();
  });

  it("label values: empty or up to 63 characters of the name charset", () => {
    expect(labelValueProblem("")).toBeUndefined();
    expect(labelValueProblem("v1.2_beta-3")).toBeUndefined();
    expect(labelValueProblem("a\nb")).toMatch(/letter or digit/);
    expect(labelValueProblem("x".repeat(63))).toBeUndefined();
    expect(labelValueProblem("x".repeat(64))).toMatch(/longer than 63/);
  });

  it("annotation size counts the bytes of keys and values", () => {
    expect(annotationsSize({ ab: "é" })).toBe(4);
  });
});

describe("tags a cluster would reject are errors naming the cell and the fix", () => {
  it("an image tag that is not a reference (no TypeError), bad label/annotation keys and values, a step name too long", async () => {
    const ps = await problemsOf(resolve(FIX, "err_k8s_names.ipynb"));
    expect(ps.map((p) => [p.location.cellIndex, p.message.replace(/:.*/s, "")])).toEqual([
      [0, 'tag "image'],
      [1, 'tag "label'],
      [1, 'tag "label'],
      [1, 'tag "label'],
      [2, 'tag "annotation'],
      [3, "step name very_long_step_name_very_long_step_name_very_long_step_name_… (80 characters) is longer than the 63 characters Kubernetes allows in a task name"],
    ]);
    expect(ps[0]!.message).toBe('tag "image:$(touch pwned)": invalid image reference "$(touch pwned)": repository component "$(touch pwned)" must be lowercase letters, digits and separators');
    expect(ps[0]!.fix).toMatch(/image:REGISTRY\/NAME:TAG/);
    expect(ps[1]!.message).toMatch(/label key "bad key!"/);
    expect(ps[2]!.message).toMatch(/label value "front\\nend"/);
    expect(ps[3]!.message).toMatch(/longer than 63 characters/);
    expect(ps[4]!.message).toMatch(/annotation key "-lead"/);
    // The annotation value with a newline is valid Kubernetes: not reported.
    expect(ps.some((p) => p.message.includes("notes"))).toBe(false);
  });

  it("step names that become one task after sanitising (a_b, a__b, _a_b_)", async () => {
    const ps = await problemsOf(resolve(FIX, "err_task_collision.ipynb"));
    expect(ps.map((p) => [p.location, p.message])).toEqual([
      [{ file: "err_task_collision.ipynb", cellIndex: 1, cellId: "c01" }, 'steps a_b (err_task_collision.ipynb#cell 0 (id c00)) and a__b both become the task "a-b" in KFP and Argo (names are lower-cased and _ becomes -)'],
      [{ file: "err_task_collision.ipynb", cellIndex: 2, cellId: "c02" }, 'steps a_b (err_task_collision.ipynb#cell 0 (id c00)) and _a_b_ both become the task "a-b" in KFP and Argo (names are lower-cased and _ becomes -)'],
    ]);
  });

  it("annotations over 256 KiB on one step, and a bad steps_defaults label", async () => {
    const dir = tempDir("nbb-k8s-");
    const nb = join(dir, "big.ipynb");
    const cell = (tags: string[]) => ({ cell_type: "code", id: "big1", metadata: { tags }, outputs: [], execution_count: null, source: "x = 1" });
    writeFileSync(nb, JSON.stringify({
      cells: [cell(["step:load", `annotation:example.com/a:${"a".repeat(140_000)}`, `annotation:example.com/b:${"b".repeat(140_000)}`])],
      metadata: { kernelspec: { language: "python", name: "python3" }, kubeflow_notebook: { steps_defaults: ["label:owner:Jane Doe"] } },
      nbformat: 4, nbformat_minor: 5,
    }));
    const ps = await problemsOf(nb);
    expect(ps.map((p) => p.message)).toEqual([
      'steps_defaults: tag "label:owner:Jane Doe": Kubernetes rejects the label value "Jane Doe": it must be empty, or start and end with a letter or digit and hold only letters, digits, \'-\', \'_\' and \'.\'',
      "step load: its annotations total 280026 bytes; Kubernetes allows 262144",
    ]);
  });
});
