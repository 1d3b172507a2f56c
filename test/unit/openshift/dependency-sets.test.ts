/**
 * "Don't reinstall packages on every notebook edit": a code edit keeps every dependency
 * BuildConfig (same hash, same name), a requirements change makes a new one and moves the steps'
 * `from` to it. NBBUILD_NOTEBOOK is the path inside the build's context dir.
 */
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { afterAll, expect, test } from "vitest";
import { clusterObjects } from "../../../src/openshift/objects.js";
import { renderPlan } from "../../../src/render/render-step.js";
import { loadPlan } from "../../../src/readers.js";
import { cleanTemps, tempDir } from "../../support/temp.js";

afterAll(cleanTemps);
type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A git checkout holding the wine example under notebooks/wine. */
function checkout(): { repo: string; notebook: string } {
  const repo = tempDir("nbb-ocp-repo-");
  cpSync(path.resolve("examples/wine"), path.join(repo, "notebooks/wine"), { recursive: true });
  execFileSync("git", ["init", "-q", repo]);
  return { repo, notebook: path.join(repo, "notebooks/wine/wine.ipynb") };
}

const BASE = `registry.example.com/ubi9/python-311@sha256:${"c".repeat(64)}`;
async function deps(notebook: string, contextDir?: string) {
  const { manifests } = await clusterObjects(notebook, { gitUri: "https://github.com/org/wine.git", contextDir, builderBase: BASE, builderBaseUser: "1001" }, "s");
  const bcs = manifests.objects.filter((o) => o.kind === "BuildConfig") as Any[];
  return {
    depsNames: bcs.filter((b) => b.metadata.name.includes("-deps-")).map((b) => b.metadata.name as string),
    froms: new Set(bcs.filter((b) => !b.metadata.name.includes("-deps-")).map((b) => b.spec.strategy.sourceStrategy.from.name as string)),
    env: bcs.map((b) => b.spec.strategy.sourceStrategy.env as { name: string; value: string }[]),
  };
}

test("a code edit keeps the dependency BuildConfig; a requirements change replaces it", async () => {
  const { notebook } = checkout();
  const before = await deps(notebook);
  expect(before.depsNames).toHaveLength(1);
  expect(before.froms).toEqual(new Set([`wine-classification-deps:${before.depsNames[0]!.split("-deps-")[1]}`]));

  const nb = JSON.parse(readFileSync(notebook, "utf8")) as Any;
  const compare = nb.cells.find((c: Any) => c.metadata?.tags?.includes("step:compare"));
  compare.source = [...[compare.source].flat(), "\nprint('edited: the step code changes, not its dependencies')\n"];
  writeFileSync(notebook, JSON.stringify(nb, null, 1));
  const edited = await deps(notebook);
  expect(JSON.stringify((await loadPlan(notebook)).steps.map((s) => s.code))).toContain("edited: the step code changes");
  expect(edited.depsNames).toEqual(before.depsNames);

  writeFileSync(path.join(path.dirname(notebook), "requirements.txt"), readFileSync(path.join(path.dirname(notebook), "requirements.txt"), "utf8") + "tabulate==0.9.0\n");
  const changed = await deps(notebook);
  expect(changed.depsNames).toHaveLength(1);
  expect(changed.depsNames).not.toEqual(before.depsNames);
  expect(changed.froms).toEqual(new Set([`wine-classification-deps:${changed.depsNames[0]!.split("-deps-")[1]}`]));
});

test("with --builder-base the hash is the renderer's for that base and user, and the dependency build checks it", async () => {
  const { notebook } = checkout();
  const d = await deps(notebook);
  const plan = await loadPlan(notebook);
  const expected = renderPlan(plan, { base: BASE, bases: { [BASE]: { ref: BASE, digest: `sha256:${"c".repeat(64)}`, user: "1001" } }, env: {} })[0]!.deps.hash;
  expect(d.depsNames).toEqual([`wine-classification-deps-${expected.slice(0, 12)}`]);
  expect(d.env[0]).toContainEqual({ name: "NBBUILD_EXPECT_DEPENDENCY_HASH", value: expected.slice(0, 12) });
});

test("NBBUILD_NOTEBOOK is relative to --context-dir; a notebook outside it is a clear error", async () => {
  const { notebook } = checkout();
  expect((await deps(notebook)).env[0]).toContainEqual({ name: "NBBUILD_NOTEBOOK", value: "notebooks/wine/wine.ipynb" });
  expect((await deps(notebook, "notebooks")).env[0]).toContainEqual({ name: "NBBUILD_NOTEBOOK", value: "wine/wine.ipynb" });
  await expect(deps(notebook, "elsewhere")).rejects.toThrow(/outside the build's context dir elsewhere[\s\S]*--context-dir/);
});
