/**
 * nbbuild as users meet it: `npm pack`, installed into an empty prefix (no development tree, no
 * ../shared beside it), then plan, image, pipeline (kfp and argo) and run from the installed bin.
 */
import { execa } from "execa";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanTemps, tempDir } from "../support/temp.js";

const BASE = process.env.NBBUILD_TEST_BASE!;
const REPO = path.resolve(import.meta.dirname, "../..");
const VERSION = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")).version as string;

const cell = (tags: string[], source: string) => ({ cell_type: "code", metadata: { tags }, source, outputs: [], execution_count: null });
/** Two steps with a parameter and a metric; stdlib only, so the image builds quickly. */
const NOTEBOOK = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { kernelspec: { name: "python3", language: "python", display_name: "Python 3" } },
  cells: [
    cell(["pipeline-parameters"], "N = 3"),
    cell(["step:make"], "values = list(range(N))\nprint('made', values)"),
    cell(["step:total", "prev:make"], "total = sum(values)\nprint('total', total)"),
    cell(["pipeline-metrics"], "print(total)"),
  ],
};

let prefix: string;
let work: string;
let bin: string;
let notebook: string;
const nbbuild = (args: string[], timeout = 600_000) => execa(bin, args, { cwd: work, reject: false, timeout });

beforeAll(async () => {
  prefix = tempDir("nbbuild-installed-");
  work = tempDir("nbbuild-installed-work-");
  // prepack builds dist/; dependencies come from the npm cache that `npm ci` filled.
  const packed = await execa("npm", ["pack", "--json", "--pack-destination", prefix], { cwd: REPO, timeout: 300_000 });
  const tarball = path.join(prefix, (JSON.parse(packed.stdout) as { filename: string }[])[0]!.filename);
  await execa("npm", ["install", "--prefix", prefix, "--prefer-offline", "--no-audit", "--no-fund", tarball], { cwd: prefix, timeout: 300_000 });
  bin = path.join(prefix, "node_modules", ".bin", "nbbuild");
  notebook = path.join(work, "sums.ipynb");
  fs.writeFileSync(notebook, JSON.stringify(NOTEBOOK, null, 1));
});
afterAll(cleanTemps);

describe("the installed package", () => {
  it("ships only what it needs: no test tree, no sources, the Argo schema", () => {
    const root = path.join(prefix, "node_modules", "nbbuild");
    expect(fs.readdirSync(root).sort()).toEqual(["README.md", "bin", "builder-image", "dist", "package.json", "s2i", "schema", "templates"]);
    expect(fs.existsSync(path.join(root, "schema", "argo", "workflow-schema.json"))).toBe(true);
    expect(fs.existsSync(path.join(root, "..", "..", "..", "shared"))).toBe(false);
  });

  it("--version prints the package version", async () => {
    const r = await nbbuild(["--version"]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(VERSION);
  });

  it("plans, builds the images, writes KFP and Argo pipelines and runs the notebook", async () => {
    const plan = await nbbuild(["plan", notebook]);
    expect(plan.exitCode, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/make[\s\S]*total/);

    const image = await nbbuild(["image", notebook, "--base", BASE, "--json"]);
    expect(image.exitCode, image.stderr).toBe(0);
    expect(Object.keys((JSON.parse(image.stdout) as { steps: Record<string, unknown> }).steps).sort()).toEqual(["make", "total"]);

    const kfp = await nbbuild(["pipeline", notebook, "--base", BASE, "-o", path.join(work, "sums.yaml")]);
    expect(kfp.exitCode, kfp.stderr).toBe(0);
    expect(kfp.stdout).toContain("KFP v2 IR");
    const argo = await nbbuild(["pipeline", notebook, "--base", BASE, "--format", "argo", "-o", path.join(work, "sums.argo.yaml")]);
    expect(argo.exitCode, argo.stderr).toBe(0);
    expect(argo.stdout).toContain("Argo Workflow, 2 steps");
    expect(fs.readFileSync(path.join(work, "sums.argo.yaml"), "utf8")).toContain("kind: Workflow");

    const run = await nbbuild(["run", path.join(work, "sums.yaml"), "--json", "-p", "N=5", "--workdir", path.join(work, "run")]);
    expect(run.exitCode, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { status: string; metrics: Record<string, unknown> };
    expect(result.status).toBe("succeeded");
    expect(result.metrics).toEqual({ total: 10 });
  });
});
