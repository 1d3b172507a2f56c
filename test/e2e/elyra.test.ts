/**
 * Elyra `.pipeline` files end to end: `nbbuild image` + `nbbuild run` of the four-node fixture
 * produce the same files and printed results as running the nodes by hand, in order, with
 * python3 in the same base image (one shared working dir, --network none); metrics written to
 * mlpipeline-metrics.json show up in the run's metrics; each image holds only its node's files.
 */
import { execFile } from "node:child_process";
import { randomInt } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImages } from "../../src/images/build-images.js";
import { APP_SRC, FILES_ARTIFACT, UI_CONFUSION_ARTIFACT, UI_MARKDOWN_ARTIFACT } from "../../src/contract.js";
import type { BuildRecord } from "../../src/images/record-types.js";
import { makeBuilder } from "../../src/engines/factory.js";
import { loadPlan } from "../../src/readers.js";
import type { Plan } from "../../src/plan/types.js";
import { formatSummary } from "../../src/run/report.js";
import { runPipeline } from "../../src/run/run.js";
import type { RunResult } from "../../src/run/scheduler.js";

const run = promisify(execFile);
const BASE = process.env.NBBUILD_TEST_BASE!;
const FIXTURES = path.resolve(import.meta.dirname, "../fixtures/elyra");
let tmp: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "nbbuild-elyra-"));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/** A fresh copy of a fixture folder; returns the folder. */
async function stage(name: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(tmp, `${name}-`));
  await fs.cp(path.join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

/** `nbbuild image` then `nbbuild run` on a .pipeline file, collecting each task's printed lines. */
async function pipelineRun(file: string, params: string[] = []): Promise<{ plan: Plan; record: BuildRecord; result: RunResult; printed: Map<string, string[]> }> {
  const plan = await loadPlan(file);
  const record = await buildImages(plan, { engine: await makeBuilder("docker"), base: BASE });
  const printed = new Map<string, string[]>();
  const result = await runPipeline(file, {
    params,
    handleSignals: false,
    parallel: 2,
    onEvent: (e) => {
      if (e.type === "line" && !e.line.startsWith("nbbuild:")) printed.set(e.step, [...(printed.get(e.step) ?? []), e.line]);
    },
  });
  return { plan, record, result, printed };
}

/** Runs a shell script in the base image as a random non-root user, in `dir` mounted at /w. */
async function inBase(dir: string, script: string): Promise<string> {
  await run("chmod", ["-R", "a+rwX", dir]);
  const { stdout } = await run(
    "docker",
    ["run", "--rm", "--network", "none", "--user", `${randomInt(100_000, 2_000_000)}:0`, "-e", "HOME=/tmp",
      "-v", `${dir}:/w`, "-w", "/w", "--entrypoint", "sh", BASE, "-c", script],
    { timeout: 600_000, maxBuffer: 16 << 20 },
  );
  return stdout;
}

/** Lines printed after each `@@node NAME` marker. */
function byMarker(stdout: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] = [];
  for (const line of stdout.split("\n")) {
    const m = /^@@node (\S+)$/.exec(line);
    if (m) out.set(m[1], (current = []));
    else if (line !== "") current.push(line);
  }
  return out;
}

/** Runs a notebook's code cells top to bottom as one python3 program (what "by hand" means here). */
const NB = `import json, sys
nb = json.load(open(sys.argv[1]))
code = "\\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
exec(compile(code, sys.argv[1], "exec"), {"__name__": "__main__"})
`;

describe("Elyra .pipeline: nbbuild run == the nodes run by hand in order", () => {
  it("four-node fixture: same printed results, same files, metrics from mlpipeline-metrics.json", async () => {
    const dir = await stage("four-node");
    const { plan, record, result, printed } = await pipelineRun(path.join(dir, "four.pipeline"));
    expect(result.status, formatSummary(result)).toBe("succeeded");
    expect(plan.steps.map((s) => s.name)).toEqual(["load_data", "build_features", "summary_stats", "report"]);

    // By hand: the node env vars as the .pipeline file sets them (pipeline default RUN_LABEL, own values win).
    const ref = await stage("four-node");
    await fs.writeFile(path.join(ref, "nbrun.py"), NB);
    const stdout = await inBase(
      ref,
      [
        "set -e",
        "export RUN_LABEL=fixture",
        "echo '@@node load_data'; SCALE=2 python3 nbrun.py load.ipynb",
        "echo '@@node build_features'; FEATURE_POWER=2 RUN_LABEL=features-own python3 features.py",
        "echo '@@node summary_stats'; python3 nbrun.py stats.ipynb",
        "echo '@@node report'; python3 nbrun.py report.ipynb",
      ].join("\n"),
    );
    const expected = byMarker(stdout);
    for (const step of plan.steps) {
      const lines = printed.get(step.name) ?? [];
      expect(lines, `printed output of ${step.name}`).toEqual(expected.get(step.name));
      expect(lines.length).toBeGreaterThan(0);
    }
    expect(expected.get("report")!.join("\n")).toContain("accuracy");

    // Every declared output is the same file the hand run wrote.
    for (const step of plan.steps) {
      for (const out of step.fileOutputs) {
        const produced = path.join(result.workdir, step.name, "artifacts", FILES_ARTIFACT, out);
        expect(await fs.readFile(produced, "utf8"), `${step.name}: ${out}`).toBe(await fs.readFile(path.join(ref, out), "utf8"));
      }
    }

    // mlpipeline-metrics.json → the run's metrics, names as written.
    const metrics = JSON.parse(await fs.readFile(path.join(ref, "mlpipeline-metrics.json"), "utf8")) as { metrics: { name: string; numberValue: number }[] };
    for (const m of metrics.metrics) expect(result.metrics[m.name], m.name).toBeCloseTo(m.numberValue, 9);
    expect(Object.keys(result.metrics).sort()).toEqual(["accuracy", "rows"]);

    // mlpipeline-ui-metadata.json → markdown and confusion matrix artifacts of the report task.
    const ui = JSON.parse(await fs.readFile(path.join(ref, "mlpipeline-ui-metadata.json"), "utf8")) as { outputs: { type: string; source: string }[] };
    const artifacts = path.join(result.workdir, "report", "artifacts");
    const markdown = await fs.readFile(path.join(artifacts, UI_MARKDOWN_ARTIFACT), "utf8");
    expect(markdown).toContain(ui.outputs.find((o) => o.type === "markdown")!.source);
    const confusion = await fs.readFile(path.join(artifacts, UI_CONFUSION_ARTIFACT), "utf8");
    expect(confusion.length).toBeGreaterThan(0);

    // Only the node file and its dependencies travel into each image (as in Elyra).
    const files = async (step: string) => {
      const { stdout: out } = await run("docker", ["run", "--rm", "--network", "none", "--entrypoint", "find", record.steps[step].image, APP_SRC, "-type", "f"]);
      return out.split("\n").filter(Boolean).map((f) => path.posix.relative(APP_SRC, f));
    };
    const load = await files("load_data");
    expect(load).toContain("data/raw.csv");
    expect(load).not.toContain("data/README.md");
    expect(load).not.toContain("features.py");
    const features = await files("build_features");
    expect(features).toEqual(expect.arrayContaining(["features.py", "config/features.json"]));
    expect(features).not.toContain("data/raw.csv");
  });

  it("a version-7 script node writing both KFP v1 files: metrics and markdown reach the run", async () => {
    const dir = await stage("metrics");
    const { result, printed } = await pipelineRun(path.join(dir, "metrics.pipeline"));
    expect(result.status, formatSummary(result)).toBe("succeeded");
    expect(printed.get("metrics")).toEqual(["accuracy=0.75"]);
    expect(result.metrics).toEqual({ accuracy: 0.75, samples: 8 });
    const markdown = await fs.readFile(path.join(result.workdir, "metrics", "artifacts", UI_MARKDOWN_ARTIFACT), "utf8");
    expect(markdown).toContain("# pets"); // MODEL_NAME=pets from the node's env_vars
  });

  it("pipeline parameters reach the nodes that list them as environment variables, defaults and -p overrides", async () => {
    const dir = await stage("params");
    const first = await pipelineRun(path.join(dir, "params.pipeline"));
    expect(first.result.status, formatSummary(first.result)).toBe("succeeded");
    expect(first.printed.get("check")).toEqual(["check[base]: threshold=0.5 verdict=pass"]);
    // show lists only `label`: `retries` is not handed to it (as in Elyra)
    expect(first.printed.get("show")).toEqual(["show[base]: pass retries=unset"]);

    const second = await runPipeline(path.join(dir, "params.pipeline"), { params: ["threshold=0.9", "label=over ride"], handleSignals: false });
    expect(second.status, formatSummary(second)).toBe("succeeded");
    expect(await fs.readFile(second.steps.check.log, "utf8")).toContain("check[over ride]: threshold=0.9 verdict=fail");
    expect(await fs.readFile(second.steps.show.log, "utf8")).toContain("show[over ride]: fail retries=unset");
  });

  it("a Kale-tagged notebook node runs as its own sub-steps; the node still equals its notebook run by hand", async () => {
    const dir = await stage("kale-node");
    const { plan, result, printed } = await pipelineRun(path.join(dir, "kale.pipeline"));
    expect(result.status, formatSummary(result)).toBe("succeeded");
    const ref = await stage("kale-node");
    await fs.writeFile(path.join(ref, "nbrun.py"), NB);
    const expected = byMarker(
      await inBase(ref, ["set -e", "echo '@@node n-prepare'; python3 prepare.py", "echo '@@node n-train'; python3 nbrun.py train.ipynb",
        "echo '@@node n-after'; python3 prepare.py"].join("\n")),
    );
    for (const node of ["n-prepare", "n-train", "n-after"]) {
      const steps = plan.steps.filter((s) => s.source.node === node).map((s) => s.name);
      expect(steps.flatMap((s) => printed.get(s) ?? []), node).toEqual(expected.get(node));
    }
    expect(plan.steps.filter((s) => s.source.node === "n-train").map((s) => s.name)).toEqual(["train_load", "train_total_1", "train_save"]);
    const total = path.join(result.workdir, "train_save", "artifacts", FILES_ARTIFACT, "total.txt");
    expect(await fs.readFile(total, "utf8")).toBe(await fs.readFile(path.join(ref, "total.txt"), "utf8"));
  });
});
