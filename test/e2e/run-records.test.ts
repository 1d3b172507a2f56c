/**
 * Build records are keyed by notebook file and pipeline name: two notebooks of one folder with
 * the same `pipeline_name` keep their own images, and `run a.ipynb` never runs b's (real docker).
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runPipeline } from "../../src/run/run.js";
import { cleanTemps, tempDir } from "../support/temp.js";
import { writeTaggedNotebook } from "../support/tagged-notebook.js";

const BASE = process.env.NBBUILD_TEST_BASE!;
afterAll(cleanTemps);

describe("build records of notebooks that share a pipeline_name", () => {
  it("run a.ipynb runs a's images even after b.ipynb was built", async () => {
    const dir = tempDir("nbbuild-records-");
    const nb = (who: string) =>
      writeTaggedNotebook(dir, `${who}.ipynb`, [{ tags: ["step:hello"], source: `print("I am ${who}")` }], { pipeline_name: "shared" });
    const [a, b] = [nb("a"), nb("b")];
    const run = async (file: string, build: boolean) => {
      const r = await runPipeline(file, { build, inputs: { base: BASE }, handleSignals: false });
      expect(r.status).toBe("succeeded");
      return readFileSync(r.steps.hello.log, "utf8");
    };
    expect(await run(a, true)).toBe("I am a\n");
    expect(await run(b, true)).toBe("I am b\n");
    expect(await run(a, false)).toBe("I am a\n");
    expect(await run(b, false)).toBe("I am b\n");
    for (const who of ["a", "b"]) {
      const record = JSON.parse(readFileSync(path.join(dir, ".nbbuild", `${who}.ipynb.shared.build.json`), "utf8"));
      expect(record).toMatchObject({ plan: "shared", source: `${who}.ipynb` });
    }
    expect(existsSync(path.join(dir, ".nbbuild", "shared.build.json"))).toBe(false);
  });
});
