import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadPlan } from "../../../src/readers.js";
import { formatPlan } from "../../../src/plan/format.js";

const heads = (text: string) => text.split("\n").filter((l) => /^ {2}\d+\. /.test(l));

describe("formatPlan: where each step's code comes from", () => {
  it("Elyra steps show the script path or the node's notebook cells, and the node id", async () => {
    const text = formatPlan(await loadPlan(resolve(__dirname, "../../fixtures/elyra/four-node/four.pipeline")));
    expect(heads(text)).toEqual([
      "  1. load_data  (cells 0, 1, 2 in load.ipynb; node 0f3c1a52-load)",
      "  2. build_features  (script features.py; node 5b7e2d10-features)",
      "  3. summary_stats  (cells 0, 1, 2 in stats.ipynb; node 9a4d6c33-stats)",
      "  4. report  (cells 0, 1, 2, 3 in report.ipynb; node c2e8f471-report)",
    ]);
    expect(text).not.toContain("(cells -)");
  });
  it("Kale steps keep showing their cell indexes", async () => {
    const text = formatPlan(await loadPlan(resolve(__dirname, "../../../examples/wine/wine.ipynb")));
    expect(heads(text)[0]).toBe("  1. load_data  (cells 5, 6)");
    expect(heads(text)[1]).toBe("  2. split  (cell 7)");
  });
});
