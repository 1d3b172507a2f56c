/**
 * Elyra metrics parity through the whole chain a user follows: an Elyra script node writes
 * mlpipeline-metrics.json and mlpipeline-ui-metadata.json (confusion_matrix, markdown, web-app);
 * `nbbuild image --push` builds it with the real compiler, `nbbuild pipeline` writes the KFP IR
 * file (validated on write, and again here), the IR declares the typed outputs, and `nbbuild run`
 * of THAT FILE reports the metrics and writes the ExecutorOutput the KFP UI reads
 * (scalar metrics, a ClassificationMetrics confusion matrix) plus the Markdown and HTML files.
 */
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImages } from "../../src/images/build-images.js";
import { METRICS_ARTIFACT, UI_CONFUSION_ARTIFACT, UI_HTML_ARTIFACT, UI_MARKDOWN_ARTIFACT } from "../../src/contract.js";
import { makeBuilder } from "../../src/engines/factory.js";
import { assertValidKfp } from "../../src/pipeline/validate-kfp.js";
import { writePipelineFile } from "../../src/pipeline/write.js";
import { parseYamlDocuments } from "../../src/pipeline/yaml.js";
import { loadPlan } from "../../src/readers.js";
import { formatSummary } from "../../src/run/report.js";
import { hostPaths } from "../../src/run/layout.js";
import { runPipeline } from "../../src/run/run.js";

const BASE = process.env.NBBUILD_TEST_BASE!;
const REGISTRY = process.env.NBBUILD_TEST_REGISTRY ?? "127.0.0.1:5000";
const ELYRA_METRICS = path.resolve(import.meta.dirname, "../fixtures/elyra/metrics");

/** An Elyra node script writing all three KFP v1 UI outputs this project converts, plus metrics. */
const SCRIPT = `"""KFP v1 metrics + UI metadata (confusion_matrix, markdown, web-app), as Elyra nodes write them."""
import json
import os

y_true = ["cat", "cat", "dog", "dog", "dog", "cat", "dog", "cat", "bird"]
y_pred = ["cat", "dog", "dog", "dog", "cat", "cat", "dog", "cat", "bird"]
accuracy = sum(t == p for t, p in zip(y_true, y_pred)) / len(y_true)
counts = {}
for t, p in zip(y_true, y_pred):
    counts[(t, p)] = counts.get((t, p), 0) + 1
rows = "".join(f"{t},{p},{n}\\n" for (t, p), n in sorted(counts.items()))
with open("mlpipeline-metrics.json", "w") as f:
    json.dump({"metrics": [{"name": "accuracy", "numberValue": accuracy, "format": "PERCENTAGE"},
                           {"name": "samples", "numberValue": len(y_true), "format": "RAW"}]}, f)
with open("mlpipeline-ui-metadata.json", "w") as f:
    json.dump({"outputs": [
        {"type": "confusion_matrix", "format": "csv", "storage": "inline", "labels": ["cat", "dog", "bird"],
         "schema": [{"name": "target", "type": "CATEGORY"}, {"name": "predicted", "type": "CATEGORY"},
                    {"name": "count", "type": "NUMBER"}],
         "source": rows},
        {"type": "markdown", "storage": "inline", "source": f"# {os.environ['MODEL_NAME']}\\n\\naccuracy **{accuracy:.4f}**"},
        {"type": "web-app", "storage": "inline", "source": f"<h1>{os.environ['MODEL_NAME']}</h1><p>{len(y_true)} samples</p>"},
    ]}, f)
print(f"accuracy={accuracy:.6f}")
`;

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "nbbuild-parity-elyra-"));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe("Elyra node writing mlpipeline-metrics.json + mlpipeline-ui-metadata.json", () => {
  it("image --push, pipeline (validated IR with typed outputs), run of the IR file: metrics and UI outputs", async () => {
    // The metrics fixture's .pipeline (one script node, env MODEL_NAME=pets) around this script.
    const dir = path.join(tmp, "project");
    await fs.cp(ELYRA_METRICS, dir, { recursive: true });
    await fs.writeFile(path.join(dir, "metrics.py"), SCRIPT);
    const file = path.join(dir, "metrics.pipeline");

    const plan = await loadPlan(file);
    expect(plan.steps.map((s) => [s.name, s.uiOutputs])).toEqual([["metrics", true]]);
    const engine = await makeBuilder("docker");
    try {
      await buildImages(plan, { engine, base: BASE, push: `${REGISTRY}/nbbuild-parity` });
    } finally {
      await engine.close();
    }

    // nbbuild pipeline: the real writer from the real build record; the file is validated on write.
    const out = path.join(dir, "pipeline.yaml");
    await writePipelineFile(file, { format: "kfp", output: out });
    const docs = parseYamlDocuments(await fs.readFile(out, "utf8"));
    expect(() => assertValidKfp(docs, out)).not.toThrow();
    const spec = docs[0] as Obj;
    const comp = spec.components["comp-metrics"];
    const types = Object.fromEntries(Object.entries(comp.outputDefinitions.artifacts as Obj).map(([k, v]) => [k, v.artifactType.schemaTitle]));
    expect(types).toEqual({
      [METRICS_ARTIFACT]: "system.Metrics",
      [UI_MARKDOWN_ARTIFACT]: "system.Markdown",
      [UI_HTML_ARTIFACT]: "system.HTML",
      [UI_CONFUSION_ARTIFACT]: "system.ClassificationMetrics",
    });
    const exec = spec.deploymentSpec.executors["exec-metrics"].container;
    expect(exec.image).toMatch(new RegExp(`^${REGISTRY.replace(/\./g, "\\.")}/nbbuild-parity/.+@sha256:[0-9a-f]{64}$`));
    for (const a of [METRICS_ARTIFACT, UI_MARKDOWN_ARTIFACT, UI_HTML_ARTIFACT, UI_CONFUSION_ARTIFACT]) {
      expect(exec.args).toContain(`{{$.outputs.artifacts['${a}'].path}}`);
    }

    // nbbuild run pipeline.yaml: the IR file itself, not the .pipeline.
    const printed: string[] = [];
    const result = await runPipeline(out, {
      handleSignals: false,
      onEvent: (e) => {
        if (e.type === "line" && !e.line.startsWith("nbbuild:")) printed.push(e.line);
      },
    });
    expect(result.status, formatSummary(result)).toBe("succeeded");
    expect(printed).toEqual(["accuracy=0.777778"]);
    expect(result.metrics).toEqual({ accuracy: 7 / 9, samples: 9 }); // names as written

    // The ExecutorOutput the launcher records (what the KFP UI shows): scalar metrics and the confusion matrix.
    const paths = hostPaths(result.workdir);
    const eo = JSON.parse(await fs.readFile(paths.outputFile("metrics"), "utf8")) as Obj;
    expect(eo.artifacts[METRICS_ARTIFACT].artifacts[0].metadata).toEqual({ accuracy: 7 / 9, samples: 9 });
    expect(eo.artifacts[UI_CONFUSION_ARTIFACT].artifacts[0].metadata).toEqual({
      confusionMatrix: {
        annotationSpecs: [{ displayName: "cat" }, { displayName: "dog" }, { displayName: "bird" }],
        // rows: target cat/dog/bird, columns: predicted cat/dog/bird
        rows: [{ row: [3, 1, 0] }, { row: [1, 3, 0] }, { row: [0, 0, 1] }],
      },
    });
    // Markdown and HTML artifacts are rendered from the files themselves.
    expect(await fs.readFile(paths.artifact("metrics", UI_MARKDOWN_ARTIFACT), "utf8")).toBe("# pets\n\naccuracy **0.7778**");
    expect(await fs.readFile(paths.artifact("metrics", UI_HTML_ARTIFACT), "utf8")).toBe("<h1>pets</h1><p>9 samples</p>");
  });
});
