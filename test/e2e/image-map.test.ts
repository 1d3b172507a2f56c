/**
 * Air-gapped base images: an Elyra pipeline whose nodes name public runtime images (unreachable
 * here) builds and runs offline through `--image-map`, `--image-map-file` and
 * `$NBBUILD_IMAGE_MAP`, with no edit to the file; without a map the error names the node and
 * suggests --image-map.
 */
import { cpSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BASE, REGISTRY, REPO } from "./image-helpers.js";
import { writeElyraPipeline, writeNotebook } from "../support/elyra-files.js";
import { cleanTemps, tempDir } from "../support/temp.js";

const CLI = path.join(REPO, "bin/nbbuild.js");
const TF = "tensorflow/tensorflow:2.8.0";
const PANDAS = "docker.io/amancevice/pandas:1.1.1";

/** A mirror of the pandas image in the loopback registry, as a disconnected cluster would have. */
const MIRROR = `${REGISTRY}/nbbuild-e2e-mirror`;

beforeAll(async () => {
  await execa("npm", ["run", "build"], { cwd: REPO, timeout: 300_000 });
  await execa("skopeo", ["copy", "--quiet", "--src-tls-verify=false", "--dest-tls-verify=false", `docker://${BASE}`, `docker://${MIRROR}/amancevice/pandas:1.1.1`], { timeout: 300_000 });
});
afterAll(cleanTemps);

/** A two-node pipeline (a script on TF, a notebook on pandas) in a fresh folder. */
function publicImagesPipeline(): { dir: string; file: string; text: string } {
  const dir = tempDir("nbbuild-imagemap-");
  writeFileSync(path.join(dir, "train.py"), "open('model.txt', 'w').write('trained')\nprint('train ran')\n");
  writeNotebook(dir, "report.ipynb", ["import sys\nprint('report ran on', sys.version_info[0])"]);
  const file = writeElyraPipeline(dir, `public-${process.pid}`, [
    { label: "train", file: "train.py", runtimeImage: TF },
    { label: "report", file: "report.ipynb", runtimeImage: PANDAS, after: ["train"] },
  ]);
  return { dir, file, text: readFileSync(file, "utf8") };
}

const cli = (args: string[], env: Record<string, string> = {}) =>
  execa("node", [CLI, ...args], { reject: false, timeout: 600_000, env: { NBBUILD_IMAGE_MAP: "", ...env } });

describe("--image-map", () => {
  it("without a map: the error names the node and its runtime_image, and suggests --image-map", async () => {
    const { file } = publicImagesPipeline();
    const r = await cli(["image", file, "--engine", "docker", "--image-map", `${PANDAS}=${BASE}`]);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain(`#node n-train: base image ${TF}, asked for by the node's runtime_image of step(s) train, cannot be pulled`);
    expect(r.stderr).toContain(`fix: mirror it into a reachable registry and map it without editing the file: --image-map ${TF}=`);
    expect(r.stderr).not.toContain(PANDAS); // mapped, so pulled from the mirror
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it("builds, writes the pipeline and runs offline on the mapped images, with no edit to the file", async () => {
    const { dir, file, text } = publicImagesPipeline();
    // One rule as a flag, one from the environment (an exact tag, and a namespace of Docker Hub).
    const env = { NBBUILD_IMAGE_MAP: `docker.io/amancevice=${MIRROR}/amancevice` };
    const built = await cli(["image", file, "--engine", "docker", "--json", "--quiet", "--image-map", `${TF}=${BASE}`], env);
    expect(built.exitCode, built.stderr).toBe(0);
    const record = JSON.parse(built.stdout) as { steps: Record<string, { base: string; image: string }> };
    expect(record.steps.train!.base).toBe(BASE);
    // the namespace rule keeps the repository and the node's tag
    expect(record.steps.report!.base).toBe(`${MIRROR}/amancevice/pandas:1.1.1`);
    expect(readFileSync(file, "utf8")).toBe(text);

    const written = await cli(["pipeline", file, "-o", path.join(dir, "out.yaml")]);
    expect(written.exitCode, written.stderr).toBe(0);
    const ir = readFileSync(path.join(dir, "out.yaml"), "utf8");
    expect(ir).toContain(record.steps.train!.image);
    expect(ir).not.toContain("tensorflow");
    expect(ir).not.toContain("amancevice");

    // `run --build` in a fresh copy maps through a file of rules (cached images are reused).
    const copy = tempDir("nbbuild-imagemap-run-");
    cpSync(dir, copy, { recursive: true, filter: (src) => !src.includes(".nbbuild") });
    const mapFile = path.join(copy, "mirrors.txt");
    writeFileSync(mapFile, `# mirrors of the cluster\n${TF}=${BASE}\n${PANDAS} = ${BASE}  # pandas\n`);
    const ran = await cli(["run", path.join(copy, path.basename(file)), "--build", "--image-map-file", mapFile, "--json"]);
    expect(ran.exitCode, ran.stderr).toBe(0);
    const result = JSON.parse(ran.stdout) as { status: string; steps: Record<string, { status: string }> };
    expect(result.status).toBe("succeeded");
    expect(Object.values(result.steps).map((s) => s.status)).toEqual(["succeeded", "succeeded"]);
    expect(ran.stderr).toContain("train ran");
    expect(ran.stderr).toContain("report ran on 3");
    const records = readdirSync(path.join(copy, ".nbbuild")).filter((f) => f.endsWith(".build.json"));
    expect(records).toHaveLength(1);
    const runRecord = JSON.parse(readFileSync(path.join(copy, ".nbbuild", records[0]!), "utf8")) as typeof record;
    expect(runRecord.steps.report!.base).toBe(BASE);
  });
});
