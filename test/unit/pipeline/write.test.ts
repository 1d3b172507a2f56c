import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Command } from "commander";
import { afterAll, describe, expect, test, vi } from "vitest";
import { buildRecordPath } from "../../../src/images/record.js";
import { register } from "../../../src/cli/pipeline.js";
import { NbbuildError } from "../../../src/errors.js";
import { argoIssues } from "../../../src/pipeline/validate-argo.js";
import { kfpIssues } from "../../../src/pipeline/validate-kfp.js";
import { renderPipeline, writePipelineFile } from "../../../src/pipeline/write.js";
import { parseYamlDocuments } from "../../../src/pipeline/yaml.js";
import { loadPlan } from "../../../src/readers.js";
import { hashJson } from "../../../src/render/hash.js";
import { fakeRecord } from "./plans.js";

const REPO = path.resolve(import.meta.dirname, "../../..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "nbbuild-pipeline-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A fresh copy of examples/wine, optionally with a (fake, pushed) build record for its plan. */
async function wineCopy(name: string, withRecord: boolean | "stale") {
  const dir = path.join(tmp, name);
  // Leave out any .nbbuild/ a local demo run left in the working tree: this copy starts clean.
  fs.cpSync(path.join(REPO, "examples/wine"), dir, { recursive: true, filter: (src) => path.basename(src) !== ".nbbuild" });
  const nb = path.join(dir, "wine.ipynb");
  const plan = await loadPlan(nb);
  if (withRecord) {
    const record = { ...fakeRecord(plan), planHash: withRecord === "stale" ? "sha256:old" : `sha256:${hashJson(plan)}` };
    fs.mkdirSync(path.dirname(buildRecordPath(plan)), { recursive: true });
    fs.writeFileSync(buildRecordPath(plan), JSON.stringify(record));
  }
  return { dir, nb, plan };
}

describe("writePipelineFile (nbbuild pipeline)", () => {
  test("writes the validated KFP file atomically to the default path", async () => {
    const { dir, nb, plan } = await wineCopy("kfp", true);
    const warnings: string[] = [];
    const res = await writePipelineFile(nb, { format: "kfp", onWarning: (w) => warnings.push(w) });
    expect(res.path).toBe(path.join(dir, "wine-classification.yaml"));
    const text = fs.readFileSync(res.path, "utf8");
    expect(kfpIssues(parseYamlDocuments(text), { kfpVersion: "2.0.5" })).toEqual([]);
    const record = JSON.parse(fs.readFileSync(buildRecordPath(plan), "utf8"));
    expect(text).toBe(renderPipeline(plan, record, { format: "kfp" }).text);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(warnings).toEqual([expect.stringMatching(/^pod labels\/annotations .* need KFP >= 2.1.0/)]);
  });
  test("argo format, -o path, flags for name and pull secret", async () => {
    const { dir, nb } = await wineCopy("argo", true);
    const out = path.join(dir, "out", "wf.yaml");
    await writePipelineFile(nb, { format: "argo", output: out, name: "Renamed", imagePullSecrets: ["regcred"] });
    const wf = parseYamlDocuments(fs.readFileSync(out, "utf8"))[0] as any;
    expect(argoIssues(wf)).toEqual([]);
    expect(wf.metadata.generateName).toBe("renamed-");
    expect(wf.spec.imagePullSecrets).toEqual([{ name: "regcred" }]);
  });
  test("no images yet: says so and how, writes nothing", async () => {
    const { dir, nb } = await wineCopy("missing", false);
    const err = await writePipelineFile(nb, { format: "kfp" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NbbuildError);
    expect((err as NbbuildError).problems[0]!.fix).toMatch(/nbbuild image .*wine\.ipynb.*--build/);
    expect(fs.existsSync(path.join(dir, "wine-classification.yaml"))).toBe(false);
  });
  test("stale build record: warns, still writes", async () => {
    const { nb } = await wineCopy("stale", "stale");
    const warnings: string[] = [];
    await writePipelineFile(nb, { format: "kfp", onWarning: (w) => warnings.push(w) });
    expect(warnings.join("\n")).toMatch(/changed since its images were built/);
  });
  test("a bad --kfp-version is refused", async () => {
    const { nb } = await wineCopy("badversion", true);
    await expect(writePipelineFile(nb, { format: "kfp", kfpVersion: "latest" })).rejects.toThrow(/not a version/);
  });
  test("the CLI command parses its flags and writes the file", async () => {
    const { dir, nb } = await wineCopy("cli", true);
    const out = path.join(dir, "p.yaml");
    const program = new Command().exitOverride();
    register(program);
    const write = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    let printed = "";
    try {
      await program.parseAsync(["node", "nbbuild", "pipeline", nb, "-o", out, "--kfp-version", "2.4.0", "--image-pull-secret", "a", "--image-pull-secret", "b"]);
      printed = write.mock.calls.flat().join("");
    } finally {
      write.mockRestore();
    }
    const docs = parseYamlDocuments(fs.readFileSync(out, "utf8")) as any[];
    expect(docs[1].platforms.kubernetes.deploymentSpec.executors["exec-split"].imagePullSecret).toEqual([{ secretName: "a" }, { secretName: "b" }]);
    expect(printed).toMatch(/wrote .*p\.yaml/);
  });
});
