import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CONTEXT_MANIFEST, writeStepContext, type StepContextManifest } from "../../../src/images/step-context.js";
import { renderStep } from "../../../src/render/render-step.js";
import { readProvenance } from "../../../src/images/provenance.js";
import { cleanTemps, tempDir } from "../../support/temp.js";
import { handWinePlan } from "./wine-plan.js";

afterAll(cleanTemps);

const EXAMPLE = path.resolve(import.meta.dirname, "../../../examples/wine");
const BASE = "127.0.0.1:5000/nbbuild/python@sha256:" + "b".repeat(64);
const env = { SOURCE_DATE_EPOCH: "1700000000" };

function wine() {
  const dir = tempDir("nbbuild-render-");
  cpSync(EXAMPLE, dir, { recursive: true });
  return { dir, plan: handWinePlan(dir) };
}

/** Every file under `dir`, relative, sorted. */
function tree(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((p) => statSync(path.join(dir, p)).isFile()).sort();
}

describe("writeStepContext", () => {
  it("writes the deps, src and step contexts byte for byte as rendered, with a manifest and build.sh", async () => {
    const { dir, plan } = wine();
    const out = path.join(tempDir("nbbuild-render-"), "ctx");
    const m = await writeStepContext(plan, "split", out, { base: BASE, env });
    const r = renderStep(plan, plan.steps.find((s) => s.name === "split")!, { base: BASE, env, provenance: readProvenance(plan, env) });
    expect(m.contentHash).toBe(r.contentHash);
    expect(m.builds.map((b) => [b.name, b.tag])).toEqual([["deps", r.deps.tag], ["src", r.folder!.tag], ["step", r.tag]]);
    const expected = [
      ...r.deps.files.map((f) => ["deps", f] as const),
      ...r.folder!.files.map((f) => ["src", f] as const),
      ...r.files.map((f) => ["step", f] as const),
    ];
    for (const [sub, f] of expected) {
      const abs = path.join(out, sub, f.path);
      expect(readFileSync(abs).equals(f.data), abs).toBe(true);
      expect(statSync(abs).mode & 0o777, abs).toBe(f.mode);
      expect(statSync(abs).mtimeMs, "mtimes are the epoch, as in the streamed tar").toBe(0);
    }
    expect(tree(out)).toEqual([...expected.map(([sub, f]) => `${sub}/${f.path}`), "build.sh", CONTEXT_MANIFEST].sort());
    expect(JSON.parse(readFileSync(path.join(out, CONTEXT_MANIFEST), "utf8"))).toEqual(m);
    // Each FROM names the tag the build before it produces.
    expect(readFileSync(path.join(out, "src/Containerfile"), "utf8")).toContain(`FROM ${m.builds[0]!.tag}`);
    expect(readFileSync(path.join(out, "step/Containerfile"), "utf8")).toContain(`FROM ${m.builds[1]!.tag}`);
    const script = readFileSync(path.join(out, "build.sh"), "utf8");
    expect(script.split("\n").filter((l) => l.startsWith("$ENGINE build")).map((l) => /-t '([^']+)'/.exec(l)?.[1])).toEqual(m.builds.map((b) => b.tag));
    expect(statSync(path.join(out, "build.sh")).mode & 0o111).not.toBe(0);
    expect(existsSync(path.join(dir, "wine.ipynb"))).toBe(true);
  });

  it("passes credential-free pip settings by name; with credentials fetches wheels on the host, leaking nothing", async () => {
    const { plan } = wine();
    const out = path.join(tempDir("nbbuild-render-"), "ctx");
    const m = await writeStepContext(plan, "load_data", out, { base: BASE, env, pip: { indexUrl: "http://127.0.0.1:9/simple" } });
    expect(m.builds[0]!.buildArgs).toEqual(["NBBUILD_PIP_INDEX_URL", "NBBUILD_PIP_TRUSTED_HOST"]);
    const script = readFileSync(path.join(out, "build.sh"), "utf8");
    expect(script).toContain("--build-arg NBBUILD_PIP_INDEX_URL ");
    expect(script).toContain(': "${NBBUILD_PIP_INDEX_URL:=http://127.0.0.1:9/simple}"');
    // With credentials (an @ inside the password too), nothing is passed to the build: the wheels
    // are fetched here first; an unreachable index fails with a message free of the secret.
    const pip = { indexUrl: "http://alice:hunter2@secret-tail@127.0.0.1:9/simple", extraIndexUrls: ["https://bob:pw-xyz9@example.invalid/simple"] };
    const failed = writeStepContext(plan, "load_data", path.join(tempDir("nbbuild-render-"), "c"), { base: BASE, env, pip });
    await expect(failed).rejects.toThrow(/fetching .* on this machine failed/);
    const message = await failed.catch((e: Error) => e.message);
    for (const secret of ["hunter2", "secret-tail", "pw-xyz9"]) expect(message).not.toContain(secret);
    // The dependency image does not depend on which credentials: same hash with others.
    const step = plan.steps.find((s) => s.name === "load_data")!;
    const a = renderStep(plan, step, { base: BASE, env, pip });
    const b = renderStep(plan, step, { base: BASE, env, pip: { ...pip, indexUrl: "http://carol:zz-other@127.0.0.1:9/simple" } });
    expect(a.deps.hash).toBe(b.deps.hash);
    expect(a.deps.wheelhouse).toBe("nbbuild-deps/wheelhouse");
    expect(a.deps.containerfile && a.deps.files.find((f) => f.path === "Containerfile")!.data.toString()).not.toMatch(/ARG /);
  });

  it("replaces an earlier context atomically, refuses a foreign folder, names unknown steps", async () => {
    const { plan } = wine();
    const parent = tempDir("nbbuild-render-");
    const out = path.join(parent, "ctx");
    await writeStepContext(plan, "split", out, { base: BASE, env });
    writeFileSync(path.join(out, "stale.txt"), "x");
    const m: StepContextManifest = await writeStepContext(plan, "compare", out, { base: BASE, env });
    expect(m.step).toBe("compare");
    expect(existsSync(path.join(out, "stale.txt"))).toBe(false);
    expect(readdirSync(parent)).toEqual(["ctx"]);
    const foreign = path.join(parent, "mine");
    mkdirSync(foreign);
    writeFileSync(path.join(foreign, "keep.txt"), "mine");
    await expect(writeStepContext(plan, "split", foreign, { base: BASE, env })).rejects.toThrow(/not an nbbuild context/);
    expect(readdirSync(foreign)).toEqual(["keep.txt"]);
    expect(readdirSync(parent).sort()).toEqual(["ctx", "mine"]);
    await expect(writeStepContext(plan, "nope", path.join(parent, "x"), { base: BASE, env })).rejects.toThrow(/no step named "nope".*\n.*load_data/);
  });

  it("never copies what a link outside the folder points at nor secret-looking files; in-folder links stay links", async () => {
    const { dir, plan } = wine();
    const outside = tempDir("nbbuild-outside-");
    writeFileSync(path.join(outside, "o.txt"), "OUTSIDE-CONTENT");
    symlinkSync("/etc/passwd", path.join(dir, "link"));
    symlinkSync(outside, path.join(dir, "outdir"));
    writeFileSync(path.join(dir, ".env"), "TOKEN=SECRET-ENV");
    writeFileSync(path.join(dir, "id_rsa"), "SECRET-KEY");
    chmodSync(path.join(dir, "id_rsa"), 0o600);
    symlinkSync("wine.ipynb", path.join(dir, "alias.ipynb"));
    const out = path.join(tempDir("nbbuild-render-"), "ctx");
    const warnings: string[] = [];
    await writeStepContext(plan, "split", out, { base: BASE, env, onDiagnostic: (d) => warnings.push(d.message) });
    const all = readdirSync(out, { recursive: true }) as string[];
    expect(all).toContain("src/src/data/class_names.csv");
    for (const gone of ["src/src/link", "src/src/outdir", "src/src/.env", "src/src/id_rsa"]) expect(all, gone).not.toContain(gone);
    for (const f of all) {
      const abs = path.join(out, f);
      if (lstatSync(abs).isFile()) expect(readFileSync(abs, "utf8"), f).not.toMatch(/OUTSIDE-CONTENT|SECRET-ENV|SECRET-KEY|root:x:0/);
    }
    expect(readlinkSync(path.join(out, "src/src/alias.ipynb"))).toBe("wine.ipynb");
    for (const name of ["link", "outdir", ".env", "id_rsa"]) expect(warnings.some((w) => w.includes(`left ${name} out`)), name).toBe(true);
  });
});
