import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { explainInstallFailure, failedRequirementNames, pipErrorLines, stripAnsi } from "../../../src/images/pip-failure.js";
import { loadPlan } from "../../../src/readers.js";
import type { DependencyContext } from "../../../src/render/types.js";
import { writeNotebook } from "../../support/elyra-files.js";
import { neutralPlan, neutralStep } from "../../support/plan-builders.js";
import { cleanTemps, tempDir } from "../../support/temp.js";

afterAll(cleanTemps);

const deps = (over: Partial<DependencyContext> = {}): DependencyContext => ({
  tag: "nbbuild-deps:x", hash: "x", base: "b", resolvedBase: { ref: "b" }, requirements: [], imports: [], files: [], containerfile: "Containerfile",
  image: { from: "b", layers: [], config: {}, created: "1970-01-01T00:00:00Z" }, ...over,
});

describe("pip failure explanation", () => {
  const log = [
    "Step 4/9 : RUN python3 /tmp/nbbuild-deps/install.py",
    "nbbuild: installing matplotlib==3.1.1",
    "\x1b[31mERROR: Could not find a version that satisfies the requirement matplotlib==3.1.1 (from versions: 3.7.0)\x1b[0m",
    "\x1b[31mERROR: No matching distribution found for matplotlib==3.1.1\x1b[0m",
    "STEP 3/9: RUN echo ERROR: not pip",
    "Traceback (most recent call last):",
    "subprocess.CalledProcessError: Command '['/usr/bin/python3', '-m', 'pip', 'install']' returned non-zero exit status 1.",
    "\x1b[31mERROR: No matching distribution found for matplotlib==3.1.1\x1b[0m",
  ];

  it("keeps pip's ERROR lines once each, without ANSI codes", () => {
    expect(stripAnsi("\x1b[1;31mred\x1b[0m \x1b]8;;http://x\x07link")).toBe("red link");
    expect(pipErrorLines(log)).toEqual([
      "ERROR: Could not find a version that satisfies the requirement matplotlib==3.1.1 (from versions: 3.7.0)",
      "ERROR: No matching distribution found for matplotlib==3.1.1",
    ]);
    expect(failedRequirementNames(pipErrorLines(log))).toEqual(["matplotlib"]);
    expect(pipErrorLines(["all good"])).toEqual([]);
  });

  it("names the notebook cell with the pip line, or the requirements file, or the import", async () => {
    const dir = tempDir("nbbuild-pipfail-");
    writeNotebook(dir, "nb.ipynb", ["import numpy", "%pip install -q matplotlib==3.1.1\nx = 1"]);
    const plan = await loadPlan(path.join(dir, "nb.ipynb"));
    const fromCell = explainInstallFailure(plan, plan.steps, deps({ requirements: ["matplotlib==3.1.1"] }), log)!;
    expect(fromCell.text).toContain("  ERROR: No matching distribution found for matplotlib==3.1.1\n");
    expect(fromCell.text).toContain(`matplotlib was asked for by nb.ipynb#cell 1 (id c1) (step ${plan.steps[0]!.name})`);
    expect(fromCell.cell).toEqual({ file: "nb.ipynb", cellIndex: 1, cellId: "c1" });

    const plain = neutralPlan([neutralStep("train")], dir);
    const fromFile = explainInstallFailure(plain, plain.steps, deps({ requirements: ["matplotlib==3.1.1"], requirementsFile: "requirements.txt" }), log)!;
    expect(fromFile.text).toContain("matplotlib was asked for by requirements.txt");
    const fromImport = explainInstallFailure(plain, plain.steps, deps({ imports: [{ module: "matplotlib.pyplot", distribution: "matplotlib" }] }), log)!;
    expect(fromImport.text).toContain("matplotlib was asked for by import matplotlib.pyplot in step(s) train");
    expect(explainInstallFailure(plain, plain.steps, deps(), ["docker: no space left"])).toBeUndefined();
  });
});
