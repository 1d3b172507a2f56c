/** `nbbuild run` on a notebook and on an Elyra .pipeline: build record lookup, --build, file outputs. */
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runPipeline } from "../../src/run/run.js";

const BASE = process.env.NBBUILD_TEST_BASE!;
const REPO = path.resolve(import.meta.dirname, "../..");
let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "nbbuild-run-src-"));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe("nbbuild run on notebooks and .pipeline files", () => {
  it("asks for `nbbuild image` first when there is no build record, builds with --build", async () => {
    const dir = path.join(tmp, "nb");
    await fs.mkdir(dir);
    const nb = path.join(dir, "diamond.ipynb");
    await fs.copyFile(path.join(REPO, "test/fixtures/equivalence/diamond.ipynb"), nb);
    await expect(runPipeline(nb, { handleSignals: false })).rejects.toThrow(/no build record[\s\S]*run nbbuild image .*diamond\.ipynb first \(or pass --build\)/);
    const r = await runPipeline(nb, { build: true, inputs: { base: BASE }, handleSignals: false, params: ["N=20"] });
    expect(r.status).toBe("succeeded");
    expect(r.workdir.startsWith(path.join(dir, ".nbbuild", "runs") + path.sep)).toBe(true);
    expect(Object.keys(r.metrics).sort()).toEqual(["score", "spread"]);
  });

  it("runs a four-node Elyra pipeline whose nodes pass files", async () => {
    const dir = path.join(tmp, "elyra");
    await fs.cp(path.join(REPO, "test/fixtures/elyra/four-node"), dir, { recursive: true, filter: (p) => !p.includes(`${path.sep}.nbbuild`) });
    const lines: string[] = [];
    const r = await runPipeline(path.join(dir, "four.pipeline"), {
      build: true, inputs: { base: BASE }, handleSignals: false, onEvent: (e) => e.type === "line" && lines.push(`${e.step}|${e.line}`),
    });
    expect(r.status).toBe("succeeded");
    // One naming: the step names `plan` shows (load_data), not KFP task keys (load-data), in the
    // result, the streamed lines and the run folders.
    expect(r.order).toEqual(["load_data", "build_features", "summary_stats", "report"]);
    expect(r.steps.load_data.outputs).toContain("nbbuild_files");
    expect(lines.some((l) => l.startsWith("report|report: rows 39"))).toBe(true);
    expect(lines.some((l) => l.startsWith("load-data|"))).toBe(false);
    expect((await fs.readdir(r.workdir)).filter((n) => !n.startsWith(".")).sort()).toEqual(
      ["build_features", "load_data", "report", "report.html", "run.json", "summary_stats"],
    );
    expect(r.metrics.rows).toBe(39);
    // --from takes the step name, and still the KFP task key.
    for (const from of ["summary_stats", "summary-stats"]) {
      const again = await runPipeline(path.join(dir, "four.pipeline"), { from, workdir: r.workdir, handleSignals: false });
      expect(again.status).toBe("succeeded");
      expect(again.steps.load_data.status).toBe("reused");
      expect(again.steps.summary_stats.status).toBe("succeeded");
    }
    await expect(runPipeline(path.join(dir, "four.pipeline"), { from: "nope", handleSignals: false })).rejects.toThrow(
      /--from nope: no such step[\s\S]*steps: load_data, build_features, summary_stats, report/,
    );
  });
});
