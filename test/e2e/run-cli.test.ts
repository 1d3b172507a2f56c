/**
 * The built CLI (`node bin/nbbuild.js run`): JSON output, exit codes, the failing cell in the
 * output of a notebook run, and Ctrl-C removing only the run's own containers.
 */
import Docker from "dockerode";
import { execa } from "execa";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dumpDom, screenshot } from "../support/chromium.js";
import { writeTaggedNotebook } from "../support/tagged-notebook.js";
import { irYaml } from "./run-ir.helpers.js";

const BASE = process.env.NBBUILD_TEST_BASE!;
const REPO = path.resolve(import.meta.dirname, "../..");
const CLI = path.join(REPO, "bin/nbbuild.js");
let tmp: string;

beforeAll(async () => {
  await execa("npm", ["run", "build"], { cwd: REPO, timeout: 300_000 });
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "nbbuild-run-cli-"));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe("nbbuild run (CLI)", () => {
  it("--json prints status, steps with logs, and metrics", async () => {
    const f = path.join(tmp, "m.yaml");
    await fs.writeFile(
      f,
      irYaml("m", { k: { type: "NUMBER_DOUBLE", default: 1.5 } }, {
        s: {
          image: BASE,
          script: "import json, sys\nei = json.loads(sys.argv[1]); print('k is', sys.argv[2])\njson.dump({'artifacts': {'m': {'artifacts': [{'metadata': {'k2': ei['inputs']['parameterValues']['k'] * 2}}]}}}, open(ei['outputs']['outputFile'], 'w'))",
          args: ["{{$}}", "{{$.inputs.parameters['k']}}"],
          params: { k: { type: "NUMBER_DOUBLE", from: "k" } },
          outArtifacts: { m: "system.Metrics" },
        },
      }),
    );
    const r = await execa("node", [CLI, "run", f, "--json", "-p", "k=4", "--workdir", path.join(tmp, "m-run")], { reject: false, timeout: 300_000 });
    expect(r.exitCode, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.status).toBe("succeeded");
    expect(j.metrics).toEqual({ k2: 8 });
    expect(j.steps.s).toMatchObject({ status: "succeeded", log: path.join(tmp, "m-run", "s", "log.txt") });
    expect(r.stderr).toContain("[s] k is 4");
    const bad = await execa("node", [CLI, "run", f, "-p", "k=abc"], { reject: false, timeout: 60_000 });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/-p k: expected a number, got "abc"/);
    const etc = await execa("node", [CLI, "run", f, "--workdir", "/etc"], { reject: false, timeout: 60_000 });
    expect(etc.exitCode).toBe(2);
    expect(etc.stderr).toMatch(/--workdir \/etc: the folder is not empty and is not an nbbuild run folder/);
    expect(etc.stderr).not.toMatch(/\n\s+at /);
    await expect(fs.stat("/etc/.nbbuild-run")).rejects.toThrow();
    await expect(fs.stat("/etc/s")).rejects.toThrow();
  });

  it("a failing notebook step: exit 1, the cell and its traceback in the output", async () => {
    const dir = path.join(tmp, "raises");
    await fs.mkdir(dir);
    const nb = path.join(dir, "raises.ipynb");
    await fs.copyFile(path.join(REPO, "test/fixtures/equivalence/raises.ipynb"), nb);
    const r = await execa("node", [CLI, "run", nb, "--build", "--base", BASE], { reject: false, timeout: 600_000 });
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/step second failed: exited with code 1\n  nbbuild: .*raises\.ipynb cell 2/);
    expect(r.stdout).toContain("ValueError: value too large: 4.0");
    expect(r.stdout).toMatch(/third\s+skipped/);
  });

  it("writes report.html: the DAG coloured by status, durations, logs, metrics and figures, as chromium shows it", async () => {
    const dir = path.join(tmp, "report");
    await fs.mkdir(dir);
    const nb = writeTaggedNotebook(dir, "report.ipynb", [
      { tags: ["imports"], source: "import matplotlib.pyplot as plt" },
      { tags: ["step:load_data"], source: "xs = list(range(10))\nprint('loaded', len(xs), 'rows')" },
      { tags: ["step:train_model", "prev:load_data"], source: "accuracy = 0.875\nplt.plot(xs, [x * x for x in xs])\nplt.title('squares')\nplt.show()\nprint('trained')" },
      { tags: ["step:evaluate", "prev:train_model"], source: "raise ValueError('evaluation exploded')" },
      { tags: ["step:publish", "prev:evaluate"], source: "print('published')" },
      { tags: ["pipeline-metrics"], source: "accuracy" },
    ], { pipeline_name: "report-demo" });
    const r = await execa("node", [CLI, "run", nb, "--build", "--base", BASE], { reject: false, timeout: 600_000 });
    expect(r.exitCode, r.stderr).toBe(1);
    const report = /^report: (.*report\.html)$/m.exec(r.stdout)?.[1];
    expect(report, r.stdout).toBeDefined();
    expect(path.dirname(report!).startsWith(path.join(dir, ".nbbuild", "runs"))).toBe(true);

    const dom = await dumpDom(report!);
    const text = dom.replace(/<style[\s\S]*?<\/style>/g, "").replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");
    for (const step of ["load_data", "train_model", "evaluate", "publish"]) expect(text).toContain(step);
    // The summary table: each step with its status and a duration.
    expect(text).toMatch(/load_data succeeded \d+\.\d s/);
    expect(text).toMatch(/train_model succeeded \d+\.\d s accuracy = 0\.875/);
    expect(text).toMatch(/evaluate failed \d+\.\d s/);
    expect(text).toMatch(/publish skipped/);
    expect(text).toContain("report-demo failed");
    // Logs, the failing step's error, and the figure inline as a PNG data: URI.
    expect(text).toContain("loaded 10 rows");
    expect(text).toContain("ValueError: evaluation exploded");
    const imgs = [...dom.matchAll(/<img[^>]*src="data:image\/png;base64,([^"]+)"/g)].map((m) => Buffer.from(m[1], "base64"));
    expect(imgs.length).toBeGreaterThan(0);
    expect(imgs[0].subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    // The DAG: one box per step, filled with its status colour (green, red, grey).
    const svg = /<svg[\s\S]*?<\/svg>/.exec(dom)?.[0] ?? "";
    expect(svg).toMatch(/<rect[^>]*fill="#dcfce7"/);
    expect(svg).toMatch(/<rect[^>]*fill="#fee2e2"/);
    expect(svg).toMatch(/<rect[^>]*fill="#f1f5f9"/);
    // Self-contained: nothing is fetched from anywhere.
    expect(dom).not.toMatch(/(src|href)="(https?:|file:|\/\/)/);
    const png = path.join(tmp, "report.png");
    await screenshot(report!, png);
    expect((await fs.stat(png)).size).toBeGreaterThan(10_000);
    if (process.env.NBBUILD_KEEP_SCREENSHOT) await fs.copyFile(png, process.env.NBBUILD_KEEP_SCREENSHOT);
  });

  it("runs the pipeline.yaml that `nbbuild pipeline` writes, with the same result as the notebook", async () => {
    const dir = path.join(tmp, "yaml");
    await fs.mkdir(dir);
    const nb = path.join(dir, "diamond.ipynb");
    await fs.copyFile(path.join(REPO, "test/fixtures/equivalence/diamond.ipynb"), nb);
    const viaNb = await execa("node", [CLI, "run", nb, "--build", "--base", BASE, "--json", "-p", "N=30"], { reject: false, timeout: 600_000 });
    expect(viaNb.exitCode, viaNb.stderr).toBe(0);
    const yamlFile = path.join(dir, "diamond.yaml");
    const w = await execa("node", [CLI, "pipeline", nb, "-o", yamlFile], { reject: false, timeout: 120_000 });
    expect(w.exitCode, w.stderr).toBe(0);
    const viaYaml = await execa("node", [CLI, "run", yamlFile, "--json", "-p", "N=30"], { reject: false, timeout: 600_000 });
    expect(viaYaml.exitCode, viaYaml.stderr).toBe(0);
    const [a, b] = [JSON.parse(viaNb.stdout), JSON.parse(viaYaml.stdout)];
    expect(Object.keys(b.metrics).sort()).toEqual(["score", "spread"]);
    expect(b.metrics).toEqual(a.metrics);
    expect(Object.keys(b.steps)).toEqual(Object.keys(a.steps));
    expect(b.workdir.startsWith(path.join(dir, ".nbbuild", "runs"))).toBe(true);
  });

  it("after kill -9 of nbbuild run, the next run removes the orphaned task container (only nbbuild's own, of dead processes)", async () => {
    const docker = new Docker();
    const f = path.join(tmp, "orphan.yaml");
    await fs.writeFile(f, irYaml("orphan-cli", {}, { s: { image: BASE, script: "import time\nprint('sleeping', flush=True)\ntime.sleep(300)" } }));
    const child = execa("node", [CLI, "run", f], { reject: false, timeout: 120_000 });
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("step never started")), 90_000);
      child.stdout!.on("data", (c: Buffer) => c.toString().includes("] sleeping") && (clearTimeout(t), resolve()));
    });
    child.kill("SIGKILL");
    await child;
    const orphans = await docker.listContainers({ all: true, filters: { label: ["nbbuild.pipeline=orphan-cli"] } });
    expect(orphans.length).toBe(1);
    expect(orphans[0].Labels["nbbuild.pid"]).toBe(String(child.pid));
    // Look-alikes that must survive: a live owner, another host, no owner labels at all.
    const keep: Record<string, string>[] = [
      { "nbbuild.run": "decoy", "nbbuild.pid": String(process.pid), "nbbuild.host": os.hostname() },
      { "nbbuild.run": "decoy", "nbbuild.pid": String(child.pid), "nbbuild.host": "another-host" },
      { "nbbuild.run": "decoy" },
    ];
    const decoys = await Promise.all(keep.map((Labels) => docker.createContainer({ Image: BASE, Cmd: ["true"], HostConfig: { NetworkMode: "none" }, Labels })));
    try {
      const m = path.join(tmp, "after-orphan.yaml");
      await fs.writeFile(m, irYaml("after-orphan", {}, { s: { image: BASE, script: "print('fine')" } }));
      const r = await execa("node", [CLI, "run", m], { reject: false, timeout: 300_000 });
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/removed 1 container\(s\) left by an nbbuild run that was killed: nbbuild-.*-s/);
      expect(await docker.listContainers({ all: true, filters: { label: ["nbbuild.pipeline=orphan-cli"] } })).toEqual([]);
      for (const d of decoys) expect((await d.inspect()).Id).toBe(d.id);
    } finally {
      for (const d of decoys) await d.remove({ force: true }).catch(() => undefined);
      for (const c of await docker.listContainers({ all: true, filters: { label: ["nbbuild.pipeline=orphan-cli"] } })) await docker.getContainer(c.Id).remove({ force: true });
    }
  });

  it("Ctrl-C stops and removes only the containers of this run", async () => {
    const docker = new Docker();
    const bystander = await docker.createContainer({ Image: BASE, Cmd: ["sleep", "120"], HostConfig: { NetworkMode: "none" } });
    await bystander.start();
    try {
      const f = path.join(tmp, "sleepy.yaml");
      await fs.writeFile(f, irYaml("sleepy-cli", {}, {
        s1: { image: BASE, script: "import time\nprint('sleeping', flush=True)\ntime.sleep(300)" },
        s2: { image: BASE, script: "import time\nprint('sleeping', flush=True)\ntime.sleep(300)" },
      }));
      const child = execa("node", [CLI, "run", f, "--parallel", "2"], { reject: false, timeout: 120_000 });
      let seen = 0;
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error("steps never started")), 60_000);
        child.stdout!.on("data", (c: Buffer) => {
          seen += (c.toString().match(/\] sleeping/g) ?? []).length;
          if (seen >= 2) {
            clearTimeout(t);
            resolve();
          }
        });
      });
      const running = await docker.listContainers({ filters: { label: ["nbbuild.pipeline=sleepy-cli"] } });
      expect(running.length).toBe(2);
      child.kill("SIGINT");
      const r = await child;
      expect(r.exitCode).toBe(130);
      expect(r.stdout).toMatch(/s1\s+cancelled/);
      expect(await docker.listContainers({ all: true, filters: { label: ["nbbuild.pipeline=sleepy-cli"] } })).toEqual([]);
      expect((await bystander.inspect()).State.Running).toBe(true);
    } finally {
      await bystander.remove({ force: true });
    }
  });
});
