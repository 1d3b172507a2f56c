/** The wine plan made by hand from examples/wine/wine.ipynb, for tests that must not depend on the compiler. */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { CodeBlock, Plan, Step } from "../../../src/plan/types.js";

interface NbCell {
  cell_type: string;
  id?: string;
  source: string | string[];
  metadata?: { tags?: string[] };
}

/** The wine plan of the notebook in `dir` (wine.ipynb), built from its cells by hand. */
export function handWinePlan(dir: string): Plan {
  const nb = JSON.parse(readFileSync(path.join(dir, "wine.ipynb"), "utf8")) as { cells: NbCell[] };
  const text = (c: NbCell) => (Array.isArray(c.source) ? c.source.join("") : c.source);
  const block = (tag: string, role: CodeBlock["role"]): CodeBlock[] =>
    nb.cells.flatMap((c, index) =>
      c.metadata?.tags?.includes(tag)
        ? [{ role, file: "wine.ipynb", cell: { index, id: c.id ?? "" }, source: text(c).replace(/^%matplotlib.*$/m, "") }]
        : [],
    );
  const common = [...block("imports", "imports"), ...block("pipeline-parameters", "parameters"), ...block("functions", "functions")];
  const mk = (name: string, after: string[], inputs: [string, string][], outputs: string[], parameters: string[], metrics: string[] = []): Step => {
    const own = block(`step:${name}`, "step");
    return {
      name, kind: "notebook", after, cells: own.map((b) => b.cell.id), code: [...common, ...own],
      inputs: inputs.map(([n, from]) => ({ name: n, from })), outputs, parameters, metrics,
      fileInputs: [], fileOutputs: [], fileHints: [], context: { dir: "." }, requirements: [],
      limits: {}, requests: {}, env: {}, secrets: [], volumes: [], tolerations: [],
      labels: { team: "data-science" }, annotations: {}, cache: true, report: true, uiOutputs: false,
      source: { file: "wine.ipynb", cells: own.map((b) => b.cell) },
    };
  };
  const split: [string, string][] = ["X_train_s", "X_test_s", "y_train", "y_test"].map((n) => [n, "split"]);
  return {
    schemaVersion: 1, name: "wine-classification", root: dir,
    source: { file: "wine.ipynb", kind: "notebook" },
    parameters: [
      { name: "TEST_SIZE", type: "NUMBER_DOUBLE", default: 0.25, source: { file: "wine.ipynb" } },
      { name: "SEED", type: "NUMBER_INTEGER", default: 42, source: { file: "wine.ipynb" } },
      { name: "N_TREES", type: "NUMBER_INTEGER", default: 100, source: { file: "wine.ipynb" } },
      { name: "C", type: "NUMBER_DOUBLE", default: 1.0, source: { file: "wine.ipynb" } },
    ],
    metrics: [{ name: "accuracy", step: "compare" }],
    steps: [
      mk("load_data", [], [], ["df", "wine"], []),
      mk("split", ["load_data"], [["df", "load_data"], ["wine", "load_data"]], split.map(([n]) => n), ["TEST_SIZE", "SEED"]),
      mk("train_lr", ["split"], split, ["lr_acc"], ["C"]),
      mk("train_rf", ["split"], split, ["rf_acc"], ["N_TREES", "SEED"]),
      mk("compare", ["train_lr", "train_rf"], [["lr_acc", "train_lr"], ["rf_acc", "train_rf"]], [], [], ["accuracy"]),
    ],
    volumes: [], unassigned: [], diagnostics: [],
  };
}

