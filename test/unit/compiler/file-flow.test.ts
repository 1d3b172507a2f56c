/** Files one step writes and a later step reads: passed as file outputs/inputs, or warned about. */
import { afterAll, describe, expect, it } from "vitest";
import { fileReads } from "../../../src/analysis/hints.js";
import { folderPath } from "../../../src/analysis/file-flow.js";
import { planNotebook } from "../../../src/notebook/compile.js";
import { runnerArgs } from "../../../src/contract.js";
import { writeTaggedNotebook } from "../../support/tagged-notebook.js";
import { cleanTemps, tempDir } from "../../support/temp.js";

afterAll(cleanTemps);

describe("file reads", () => {
  it("finds literal paths read with open, pandas, numpy and friends (not writes)", () => {
    const src = [
      "df = pd.read_csv('data/out.csv')",
      "t = open(\"notes.txt\").read()",
      "b = open('blob.bin', 'rb')",
      "w = open('written.txt', 'w')",
      "a = np.load('arr.npy')",
      "p = pd.read_parquet(path)",
    ].join("\n");
    expect(fileReads(src)).toEqual(["data/out.csv", "notes.txt", "blob.bin", "arr.npy"]);
  });

  it("keeps only relative paths inside the folder", () => {
    expect(folderPath("./data//out.csv")).toBe("data/out.csv");
    for (const p of ["/tmp/x.csv", "../x.csv", "a/../../x", "~/x", "*.csv"]) expect(folderPath(p)).toBeUndefined();
  });
});

describe("files between steps", () => {
  it("passes a file an earlier step writes to the later step that reads it; warns for a path outside the folder", async () => {
    const dir = tempDir("nbbuild-fileflow-");
    const nb = writeTaggedNotebook(dir, "f.ipynb", [
      { tags: ["imports"], source: "import pandas as pd" },
      { tags: ["step:write_data"], source: "pd.DataFrame({'a': [1]}).to_csv('data/out.csv', index=False)\nopen('/tmp/scratch.txt', 'w').write('x')" },
      { tags: ["step:other"], source: "print('independent')" },
      { tags: ["step:read_data"], source: "df = pd.read_csv('./data/out.csv')\nprint(open('/tmp/scratch.txt').read())" },
      { tags: ["step:writes_own"], source: "open('data/out.csv', 'w').write('mine')\nprint(open('data/out.csv').read())" },
    ]);
    const plan = await planNotebook(nb);
    const step = (n: string) => plan.steps.find((s) => s.name === n)!;
    expect(step("write_data").fileOutputs).toEqual(["data/out.csv"]);
    expect(step("read_data").fileInputs).toEqual([{ from: "write_data" }]);
    expect(step("read_data").after).toContain("write_data");
    expect(step("other").fileInputs).toEqual([]);
    // A step that writes the file itself is not given the earlier copy.
    expect(step("writes_own").fileInputs).toEqual([]);
    const messages = plan.diagnostics.map((d) => `${d.level}: ${d.message}`);
    expect(messages).toContain("info: step read_data reads data/out.csv, which step write_data writes: the file is passed from write_data to read_data (each step runs in its own container)");
    expect(messages.some((m) => /^warning: step read_data reads \/tmp\/scratch\.txt, which step write_data writes outside the notebook's folder.*relative path inside the notebook's folder/.test(m))).toBe(true);
    // The runner contract carries them: the writer copies its files out, the reader copies them in.
    expect(runnerArgs(step("write_data")).join(" ")).toContain("--files-output {{$.outputs.artifacts['nbbuild_files'].path}}");
    expect(runnerArgs(step("read_data")).join(" ")).toContain("--files-input {{$.inputs.artifacts['nbbuild_files_write_data'].path}}");
  });
});
