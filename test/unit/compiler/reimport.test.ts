import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { analyzeNames } from "../../../src/analysis/names.js";
import { planNotebook } from "../../../src/notebook/compile.js";

describe("imports made in one step and used in a later one", () => {
  it("analyzeNames records the statement binding each imported name (and forgets rebound ones)", () => {
    const f = analyzeNames("import numpy as np\nimport os.path, sys\nfrom ..pkg.mod import (x as y,\n    z)\nimport json\njson = 1\n");
    expect(f.imports).toEqual({
      np: { statement: "import numpy as np", line: 1 },
      os: { statement: "import os.path", line: 2 },
      sys: { statement: "import sys", line: 2 },
      y: { statement: "from ..pkg.mod import x as y", line: 3 },
      z: { statement: "from ..pkg.mod import z", line: 3 },
    });
  });

  it("modules and imported functions are re-imported by the reading step, never passed as data", async () => {
    const p = await planNotebook(resolve(__dirname, "../../fixtures/notebooks/imports_in_steps.ipynb"));
    const s = Object.fromEntries(p.steps.map((x) => [x.name, x]));
    expect(p.steps.map((x) => [x.name, x.after, x.inputs.map((i) => `${i.name}<-${i.from}`), x.outputs])).toEqual([
      ["load", [], [], ["values"]],
      ["stats", ["load"], ["values<-load"], ["avg"]],
      ["other", [], [], ["mode"]],
      // `mode` was rebound to a value after its import: that is data
      ["report", ["load", "other", "stats"], ["avg<-stats", "mode<-other", "values<-load"], []],
    ]);
    expect(s["stats"]!.code.map((b) => [b.role, b.cell.index, b.source])).toEqual([
      ["imports", 0, "from statistics import mean\nimport numpy as np\nimport os.path"],
      ["step", 1, s["stats"]!.code[1]!.source],
    ]);
    expect(s["report"]!.code.filter((b) => b.role === "imports").map((b) => [b.cell.index, b.source])).toEqual([
      [2, "import json"],
      [0, "from statistics import median as med"],
    ]);
    expect(p.diagnostics).toEqual([]);
  });
});
