import { cpSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { APP_DEPS, APP_SRC, IMAGE_UID } from "../../../src/contract.js";
import { renderPlan, renderStep, stepBase } from "../../../src/render/render-step.js";
import { handWinePlan } from "./wine-plan.js";
import { loadPlan } from "../../../src/readers.js";
import { writeElyraPipeline, writeNotebook } from "../../support/elyra-files.js";
import { cleanTemps, tempDir } from "../../support/temp.js";

afterAll(cleanTemps);

const EXAMPLE = path.resolve(import.meta.dirname, "../../../examples/wine");
const BASE = "127.0.0.1:5000/nbbuild/python@sha256:" + "a".repeat(64);
const opts = { base: BASE, env: {} };

function wineDir(): string {
  const dir = tempDir("nbbuild-render-");
  cpSync(EXAMPLE, dir, { recursive: true });
  return dir;
}
const text = (files: { path: string; data: Buffer }[], p: string) => files.find((f) => f.path === p)!.data.toString("utf8");

describe("renderStep", () => {
  it("renders the folder, runner, step module and a non-root Containerfile", () => {
    const dir = wineDir();
    mkdirSync(path.join(dir, ".ipynb_checkpoints"), { recursive: true });
    writeFileSync(path.join(dir, ".ipynb_checkpoints", "wine-checkpoint.ipynb"), "{}");
    mkdirSync(path.join(dir, ".nbbuild"), { recursive: true });
    writeFileSync(path.join(dir, ".nbbuild", "old.build.json"), "{}");
    const plan = handWinePlan(dir);
    const r = renderStep(plan, plan.steps[0]!, opts);
    const paths = r.files.map((f) => f.path);
    expect(paths.filter((p) => !p.startsWith("nbbuild/nbbuild_runner/")).sort()).toEqual(["Containerfile", "nbbuild/runner.py", "nbbuild/step.py"]);
    // the whole runner package, in name order, right after runner.py
    const pkg = paths.filter((p) => p.startsWith("nbbuild/nbbuild_runner/"));
    expect(pkg).toContain("nbbuild/nbbuild_runner/__init__.py");
    expect(pkg).toContain("nbbuild/nbbuild_runner/run.py");
    expect(pkg).toEqual([...pkg].sort());
    expect(paths.indexOf("nbbuild/runner.py")).toBe(paths.indexOf(pkg[0]!) - 1);
    expect(r.folder!.files.map((f) => f.path).sort()).toEqual(["Containerfile", "src/data/class_names.csv", "src/requirements.txt"]);
    expect(r.tag).toMatch(/^nbbuild\/wine-classification-load_data:[0-9a-f]{24}$/);
    const cf = text(r.files, "Containerfile");
    // Folder image first (shared by the steps), then one layer of runner + step code.
    expect(cf).toContain(`FROM ${r.folder!.tag}`);
    expect(text(r.folder!.files, "Containerfile")).toContain(`FROM ${r.deps.tag}\nCOPY --chown=1001:0 src/ ${APP_SRC}/`);
    expect(cf).toContain("COPY --chown=1001:0 nbbuild/ /opt/app-root/nbbuild/");
    expect(cf).toMatch(/"io\.nbbuild\.step"="load_data"/);
    for (const f of [...r.files, ...r.folder!.files]) expect(f.mode & 0o070, f.path).toBe((f.mode & 0o700) >> 3);
    const deps = text(r.deps.files, "Containerfile");
    expect(deps).toContain(`FROM ${BASE} AS install`);
    expect(deps).toContain(`PYTHONPATH=${APP_DEPS}`);
    expect(deps).toContain("HOME=/opt/app-root/src");
    expect(deps).toMatch(new RegExp(`^USER ${IMAGE_UID}$`, "m"));
    expect(deps).toMatch(new RegExp(`^WORKDIR ${APP_SRC}$`, "m"));
    expect(deps).toMatch(/COPY --from=install --chown=1001:0 \/tmp\/nbbuild-export\/ \/opt\//);
  });

  it("collects requirements.txt, %pip lines and mapped imports into one dependency set per notebook", () => {
    const plan = handWinePlan(wineDir());
    plan.steps[2]!.requirements = ["xgboost==2.0.0"];
    const all = renderPlan(plan, opts);
    expect(new Set(all.map((r) => r.deps.tag)).size).toBe(1);
    const d = all[0]!.deps;
    expect(d.requirements).toEqual(["matplotlib", "pandas", "scikit-learn", "xgboost==2.0.0"]);
    // sklearn is named by requirements.txt already; numpy only arrives through an import.
    expect(d.imports).toEqual([{ module: "numpy", distribution: "numpy" }]);
  });

  it("gives each Elyra node its own dependency set (two nodes may pin different versions)", async () => {
    const dir = tempDir("nbbuild-render-elyra-");
    writeNotebook(dir, "old.ipynb", ["%pip install pinned-pkg==1.0\nimport pinned_pkg"]);
    writeNotebook(dir, "new.ipynb", ["%pip install pinned-pkg==2.0\nimport pinned_pkg"]);
    writeNotebook(dir, "again.ipynb", ["%pip install pinned-pkg==2.0\nimport pinned_pkg"]);
    const plan = await loadPlan(writeElyraPipeline(dir, "pins", [
      { label: "old", file: "old.ipynb" },
      { label: "new", file: "new.ipynb", after: ["old"] },
      { label: "also_new", file: "new.ipynb", after: ["old"] },
      { label: "again", file: "again.ipynb", after: ["new"] },
    ]));
    const r = Object.fromEntries(renderPlan(plan, opts).map((x) => [x.step, x.deps]));
    expect(r.old!.requirements).toEqual(["pinned-pkg==1.0"]);
    expect(r.new!.requirements).toEqual(["pinned-pkg==2.0"]);
    expect(r.old!.tag).not.toBe(r.new!.tag);
    // Two nodes running one notebook share its dependency image; the same set elsewhere hashes alike.
    expect(r.also_new!.tag).toBe(r.new!.tag);
    expect(r.again!.tag).toBe(r.new!.tag);
  });

  it("keeps the folder's own modules, %%writefile'd modules and relative imports out of the dependency set", () => {
    const dir = wineDir();
    writeFileSync(path.join(dir, "utils.py"), "def f():\n    return 1\n");
    mkdirSync(path.join(dir, "helpers"));
    writeFileSync(path.join(dir, "helpers", "__init__.py"), "");
    const plan = handWinePlan(dir);
    const step = plan.steps[1]!;
    step.code.at(-1)!.source += "\nimport utils\nfrom helpers import plots\nimport helper\nfrom .sibling import x\nimport seaborn";
    const before = renderStep(plan, step, opts).deps.imports.map((i) => i.distribution);
    expect(before).toContain("helper"); // not in the folder, not written: a distribution
    plan.steps[0]!.fileHints = ["helper.py"]; // `%%writefile helper.py` in a step of the notebook
    const imports = renderStep(plan, step, opts).deps.imports.map((i) => i.distribution);
    expect(imports).toEqual(["numpy", "seaborn"]);
  });

  it("is deterministic and content-addressed: one cell edit changes only its step", () => {
    const dir = wineDir();
    const plan = handWinePlan(dir);
    const a = renderPlan(plan, opts);
    const b = renderPlan(handWinePlan(dir), opts);
    expect(b.map((r) => r.tag)).toEqual(a.map((r) => r.tag));
    const edited = handWinePlan(dir);
    const block = edited.steps.find((s) => s.name === "train_lr")!.code.at(-1)!;
    block.source += "\nprint('changed')";
    const c = renderPlan(edited, opts);
    const changed = c.filter((r, i) => r.tag !== a[i]!.tag).map((r) => r.step);
    expect(changed).toEqual(["train_lr"]);
    expect(c.every((r, i) => r.deps.tag === a[i]!.deps.tag && r.folder!.tag === a[i]!.folder!.tag)).toBe(true);
    expect(new Set(a.map((r) => r.folder!.tag)).size, "one folder image for the notebook").toBe(1);
  });

  it("keeps provenance labels out of the content hash", () => {
    const plan = handWinePlan(wineDir());
    const p1 = { source: "https://git.example/x.git", revision: "a".repeat(40), created: "2024-01-01T00:00:00Z", notebookDigest: "sha256:1" };
    const p2 = { ...p1, revision: "b".repeat(40), notebookDigest: "sha256:2" };
    const r1 = renderStep(plan, plan.steps[0]!, { ...opts, provenance: p1 });
    const r2 = renderStep(plan, plan.steps[0]!, { ...opts, provenance: p2 });
    expect(r1.contentHash).toBe(r2.contentHash);
    expect(r1.labels["org.opencontainers.image.revision"]).toBe(p1.revision);
    expect(text(r2.files, "Containerfile")).toContain(p2.revision);
  });

  it("never puts pip credentials in a rendered file, and hashes only the public options", () => {
    const plan = handWinePlan(wineDir());
    const secret = { indexUrl: "http://alice:hunter2@127.0.0.1:9999/simple" };
    const other = { indexUrl: "http://bob:swordfish@127.0.0.1:9999/simple" };
    const r = renderStep(plan, plan.steps[0]!, { ...opts, pip: secret });
    for (const f of [...r.files, ...r.deps.files, ...r.folder!.files]) expect(f.data.toString("latin1")).not.toContain("hunter2");
    expect(renderStep(plan, plan.steps[0]!, { ...opts, pip: other }).deps.hash).toBe(r.deps.hash);
    expect(renderStep(plan, plan.steps[0]!, { ...opts, pip: { indexUrl: "http://127.0.0.1:1/simple" } }).deps.hash).not.toBe(r.deps.hash);
  });

  it("copies a local --find-links folder into the install stage only", () => {
    const plan = handWinePlan(wineDir());
    const wheels = tempDir("nbbuild-wheels-");
    writeFileSync(path.join(wheels, "probe-1.0-py3-none-any.whl"), "wheel-bytes");
    const r = renderStep(plan, plan.steps[0]!, { ...opts, pip: { findLinks: [wheels], noIndex: true } });
    expect(r.deps.files.map((f) => f.path)).toContain("nbbuild-deps/find-links/0/probe-1.0-py3-none-any.whl");
    expect(JSON.parse(text(r.deps.files, "nbbuild-deps/requirements.json"))).toMatchObject({ findLinks: ["/tmp/nbbuild-deps/find-links/0"], noIndex: true });
    writeFileSync(path.join(wheels, "probe-1.0-py3-none-any.whl"), "other-bytes");
    expect(renderStep(plan, plan.steps[0]!, { ...opts, pip: { findLinks: [wheels], noIndex: true } }).deps.hash).not.toBe(r.deps.hash);
    expect(() => renderStep(plan, plan.steps[0]!, { ...opts, pip: { findLinks: [path.join(wheels, "nope")] } })).toThrow(/not a readable folder/);
  });

  it("chooses the base: step image, --base, plan metadata, NBBUILD_BASE, default", () => {
    const plan = handWinePlan(wineDir());
    const s = plan.steps[0]!;
    expect(stepBase(plan, s, { env: {} })).toBe("python:3.11-slim");
    expect(stepBase(plan, s, { env: { NBBUILD_BASE: "env/base:1" } })).toBe("env/base:1");
    expect(stepBase({ ...plan, baseImage: "meta/base:1" }, s, { env: { NBBUILD_BASE: "env/base:1" } })).toBe("meta/base:1");
    expect(stepBase({ ...plan, baseImage: "meta/base:1" }, s, { base: "flag/base:1", env: {} })).toBe("flag/base:1");
    expect(stepBase(plan, { ...s, image: "step/base:1" }, { base: "flag/base:1", env: {} })).toBe("step/base:1");
  });

  it("warns about a folder over 50 MB", () => {
    const dir = wineDir();
    writeFileSync(path.join(dir, "big.bin"), Buffer.alloc(51 * 1024 * 1024));
    const plan = handWinePlan(dir);
    const r = renderStep(plan, plan.steps[0]!, opts);
    expect(r.diagnostics.map((d) => d.message).join("\n")).toMatch(/holds 51 MB/);
  });

  it("refuses a requirements.txt beside the notebook that links out of the folder, never reading it", () => {
    const dir = wineDir();
    const outside = tempDir("nbbuild-outside-");
    writeFileSync(path.join(outside, "shadow"), "SECRET-LINE\n");
    rmSync(path.join(dir, "requirements.txt"));
    symlinkSync(path.join(outside, "shadow"), path.join(dir, "requirements.txt"));
    const plan = handWinePlan(dir);
    let message = "";
    try {
      renderStep(plan, plan.steps[0]!, opts);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/requirements.txt.*symbolic link to a file outside the notebook's folder/);
    expect(message).not.toContain("SECRET-LINE");
  });
});
