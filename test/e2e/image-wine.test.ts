/**
 * `buildImages` on examples/wine with real engines: push to the 127.0.0.1 registry, check every
 * image with skopeo, run each under OpenShift-like restrictions (random uid, group 0, read-only
 * root, no network), run the whole step chain with the runner, then no-op and one-cell rebuilds.
 */
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImages, readBuildRecord } from "../../src/images/build-images.js";
import type { BuildRecord } from "../../src/images/record-types.js";
import { makeBuilder } from "../../src/engines/factory.js";
import type { Builder } from "../../src/engines/engine.js";
import type { Plan } from "../../src/plan/types.js";
import { BASE, REGISTRY, copyExample, dropLocalImages, runRestricted, sh, shAsync, skopeoInspect, winePlan } from "./image-helpers.js";
import { cleanTemps, tempDir } from "../support/temp.js";

afterAll(cleanTemps);

const STEPS = ["load_data", "split", "train_lr", "train_rf", "compare"];

describe.each(["docker", "buildah"] as const)("nbbuild image on wine with %s", (engineName) => {
  const prefix = `${REGISTRY}/nbbuild-e2e-${engineName}`;
  let dir: string;
  let plan: Plan;
  let engine: Builder;
  let first: BuildRecord;

  beforeAll(async () => {
    expect(BASE, "NBBUILD_TEST_BASE comes from .ci/stack.sh").toMatch(/@sha256:/);
    dir = copyExample("wine");
    plan = await winePlan(dir);
    engine = await makeBuilder(engineName);
  });
  afterAll(async () => {
    dropLocalImages(engineName, Object.values(first?.steps ?? {}).map((s) => s.tag));
    await engine?.close();
  });

  it("builds and pushes one image per step, recorded by digest", async () => {
    first = await buildImages(plan, { engine, base: BASE, push: prefix });
    expect(Object.keys(first.steps).sort()).toEqual([...STEPS].sort());
    expect(first.engine).toBe(engineName);
    expect(readBuildRecord(plan)).toEqual(first);
    const deps = new Set(Object.values(first.steps).map((s) => s.dependencyHash));
    expect(deps.size, "all wine steps share one dependency image").toBe(1);
    for (const step of STEPS) {
      const s = first.steps[step]!;
      expect(s.image).toMatch(new RegExp(`^${prefix}/wine-classification-${step}@sha256:[0-9a-f]{64}$`));
      expect(s.baseDigest).toBe(BASE.slice(BASE.indexOf("@") + 1));
      const remote = skopeoInspect(s.image) as { Digest: string; Labels: Record<string, string> };
      expect(remote.Digest).toBe(s.digest);
      expect(remote.Labels["io.nbbuild.step"]).toBe(step);
      expect(remote.Labels["io.nbbuild.notebook"]).toBe("wine.ipynb");
      expect(remote.Labels["io.nbbuild.notebook-digest"]).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(remote.Labels["org.opencontainers.image.created"]).toMatch(/^\d{4}-\d\d-\d\dT/);
      const config = JSON.parse(sh("skopeo", ["inspect", "--tls-verify=false", "--config", `docker://${s.image}`])) as {
        config: { User?: string; Env?: string[]; WorkingDir?: string };
      };
      expect(config.config.User).toMatch(/^[1-9]\d*$/);
      expect(config.config.Env).toContain("HOME=/opt/app-root/src");
      expect(config.config.WorkingDir).toBe("/opt/app-root/src");
    }
  });

  it("runs every image as uid 123457:0 with a read-only root and no network", async () => {
    const check = [
      "import os, sys, importlib",
      "assert os.getuid() == 123457 and os.getgid() == 0",
      "home = os.environ['HOME']; assert home == '/opt/app-root/src' and os.getcwd() == home",
      "import stat; st = os.stat(home); assert st.st_gid == 0 and st.st_mode & stat.S_IWGRP, 'HOME is group-0 writable'",
      "added = [os.path.join(r, n) for r, ds, fs in os.walk('/opt/app-root') for n in ds + fs]",
      "assert added and not [p for p in added if not os.path.islink(p) and os.stat(p).st_mode & (stat.S_ISUID | stat.S_ISGID)], 'no setuid/setgid files'",
      "assert all(os.stat(p).st_gid == 0 for p in added if not os.path.islink(p)), 'group 0 owns /opt/app-root'",
      "assert os.path.isfile('data/class_names.csv') and not os.path.exists('wine.ipynb')",
      "assert os.path.isfile('/opt/app-root/nbbuild/runner.py') and os.path.isfile('/opt/app-root/nbbuild/step.py')",
      "open('/tmp/probe', 'w').write('ok')",
      "[importlib.import_module(m) for m in ('sklearn', 'pandas', 'numpy', 'matplotlib')]",
      "print('ok', sys.version_info[:2])",
    ].join("\n");
    for (const step of STEPS) {
      const image = first.steps[step]!.image;
      if (engineName !== "docker") await shAsync("docker", ["pull", "-q", image]);
      expect(runRestricted(image, check)).toContain("ok");
    }
    // Without --read-only (OpenShift's default), the random uid can write HOME and the baked folder.
    const write = "import os; open(os.path.join(os.environ['HOME'], 'x'), 'w').write('1'); open('data/y', 'w').write('1'); print('wrote')";
    const image = first.steps.load_data!.image;
    expect(sh("docker", ["run", "--rm", "--user", "123457:0", "--network", "none", image, "python3", "-c", write])).toContain("wrote");
  });

  it("runs the step chain with the baked runner and reports the metric", async () => {
    const out = tempDir("nbbuild-wine-out-");
    chmodSync(out, 0o777);
    const produced = new Set<string>();
    for (const step of plan.steps) {
      const args = ["--executor-input", JSON.stringify({ outputs: { outputFile: `/out/${step.name}-executor-output.json` } })];
      for (const p of step.parameters) args.push("--param", `${p}=${plan.parameters.find((x) => x.name === p)!.default}`);
      for (const i of step.inputs) args.push("--input", `${i.name}=/out/${i.name}`);
      for (const o of step.outputs) args.push("--output", `${o}=/out/${o}`);
      if (step.metrics.length) args.push("--metrics", `/out/${step.name}-metrics.json`);
      args.push("--report", `/out/${step.name}-report.html`);
      await shAsync("docker", [
        "run", "--rm", "--user", "123457:0", "--read-only", "--tmpfs", "/tmp", "--network", "none",
        "-v", `${out}:/out`, first.steps[step.name]!.image, "python3", "-u", "/opt/app-root/nbbuild/runner.py", ...args,
      ]);
      for (const o of step.outputs) produced.add(o);
    }
    expect([...produced].sort()).toEqual(["X_test_s", "X_train_s", "df", "lr_acc", "rf_acc", "wine", "y_test", "y_train"]);
    const metrics = readFileSync(path.join(out, "compare-metrics.json"), "utf8");
    const accuracy = Number(/"accuracy"[^0-9]*([0-9.]+)/.exec(metrics)?.[1]);
    expect(accuracy).toBeGreaterThan(0.8);
    expect(accuracy).toBeLessThanOrEqual(1);
  });

  // Speed targets live in bench/build.mjs, not in timed assertions.
  it("rebuilds nothing when nothing changed", async () => {
    const again = await buildImages(plan, { engine, base: BASE, push: prefix });
    for (const step of STEPS) {
      expect(again.steps[step]!.cached).toBe(true);
      expect(again.steps[step]!.image).toBe(first.steps[step]!.image);
    }
  });

  it("rebuilds only the step whose cell changed", async () => {
    const nbFile = path.join(dir, "wine.ipynb");
    const nb = JSON.parse(readFileSync(nbFile, "utf8")) as { cells: { id?: string; source: string | string[] }[] };
    const cell = nb.cells.find((c) => c.id === "c05a8b88")!; // step:train_lr
    cell.source = [...(Array.isArray(cell.source) ? cell.source : [cell.source]), `\nprint('edited at ${Date.now()}')`];
    writeFileSync(nbFile, JSON.stringify(nb, null, 1));
    const edited = await winePlan(dir);
    const rec = await buildImages(edited, { engine, base: BASE, push: prefix });
    const rebuilt = STEPS.filter((s) => !rec.steps[s]!.cached);
    expect(rebuilt).toEqual(["train_lr"]);
    expect(rec.steps.train_lr!.image).not.toBe(first.steps.train_lr!.image);
    expect(rec.steps.train_lr!.dependencyHash).toBe(first.steps.train_lr!.dependencyHash);
    // The edited image is unique to this run: drop it so repeated runs do not pile up copies.
    if (engineName === "docker") sh("docker", ["rmi", "-f", rec.steps.train_lr!.tag]);
    else dropLocalImages(engineName, [rec.steps.train_lr!.tag]);
  });
});
