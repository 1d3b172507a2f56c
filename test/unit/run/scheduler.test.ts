import fs from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ContainerResult, ContainerRunner, ContainerSpec, RunControl } from "../../../src/engines/runner.js";
import { parseIr } from "../../../src/run/ir.js";
import { runGraph } from "../../../src/run/scheduler.js";
import { cleanTemps, tempDir } from "../../support/temp.js";

afterAll(cleanTemps);

/** A fake engine: "runs" a task by writing its output files, failing the tasks named in `fail`. */
class FakeRunner implements ContainerRunner {
  readonly engine = "docker" as const;
  active = 0;
  maxActive = 0;
  started: string[] = [];
  specs: ContainerSpec[] = [];
  constructor(private readonly fail: string[] = []) {}
  async run(spec: ContainerSpec, control: RunControl): Promise<ContainerResult> {
    const step = spec.labels["nbbuild.step"];
    this.started.push(step);
    this.specs.push(spec);
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    await new Promise((r) => setTimeout(r, 30));
    this.active--;
    control.onLine(`hello from ${step}`);
    if (this.fail.includes(step)) return { exitCode: 1, oomKilled: false, cancelled: false, timedOut: false };
    const own = spec.binds.find((b) => !b.readOnly && b.container.startsWith("/nbbuild/artifacts/"))!;
    await fs.writeFile(path.join(own.host, "out"), step);
    return { exitCode: 0, oomKilled: false, cancelled: false, timedOut: false };
  }
}

/** n independent roots r0..r{n-1}, each with a child c_i, and a sink over all children. */
function fan(n: number): string {
  const comps: string[] = [];
  const execs: string[] = [];
  const tasks: string[] = [];
  const add = (name: string, deps: string[]) => {
    const ins = deps.length
      ? `\n    inputDefinitions:\n      artifacts:\n${deps.map((d) => `        in_${d}: {artifactType: {schemaTitle: system.Artifact, schemaVersion: 0.0.1}}`).join("\n")}`
      : "";
    comps.push(`  comp-${name}:\n    executorLabel: exec-${name}${ins}\n    outputDefinitions:\n      artifacts:\n        out: {artifactType: {schemaTitle: system.Artifact, schemaVersion: 0.0.1}}`);
    execs.push(`    exec-${name}:\n      container: {image: img, command: [x], args: ["{{$.outputs.artifacts['out'].path}}"]}`);
    const arts = deps.map((d) => `            in_${d}: {taskOutputArtifact: {producerTask: ${d}, outputArtifactKey: out}}`).join("\n");
    tasks.push(`      ${name}:\n        componentRef: {name: comp-${name}}\n        taskInfo: {name: ${name}}${deps.length ? `\n        inputs:\n          artifacts:\n${arts}` : ""}`);
  };
  for (let i = 0; i < n; i++) add(`r${i}`, []);
  for (let i = 0; i < n; i++) add(`c${i}`, [`r${i}`]);
  add("sink", Array.from({ length: n }, (_, i) => `c${i}`));
  return `components:\n${comps.join("\n")}\ndeploymentSpec:\n  executors:\n${execs.join("\n")}\npipelineInfo: {name: fan}\nroot:\n  dag:\n    tasks:\n${tasks.join("\n")}\nschemaVersion: 2.1.0\n`;
}

async function run(fail: string[], parallel: number) {
  const workdir = tempDir("nbbuild-sched-");
  const runner = new FakeRunner(fail);
  const r = await runGraph(parseIr(fan(3), "fan.yaml"), {}, { runner, workdir, runId: "t", parallel, timeoutSeconds: 60, file: "fan.yaml" });
  return { r, runner, workdir };
}

describe("scheduler", () => {
  it("runs in dependency order, never more than --parallel at once", async () => {
    const { r, runner, workdir } = await run([], 2);
    expect(r.status).toBe("succeeded");
    expect(runner.maxActive).toBe(2);
    expect(runner.started.indexOf("sink")).toBe(6);
    for (let i = 0; i < 3; i++) expect(runner.started.indexOf(`c${i}`)).toBeGreaterThan(runner.started.indexOf(`r${i}`));
    const sink = runner.specs.find((s) => s.labels["nbbuild.step"] === "sink")!;
    expect(sink.binds.filter((b) => b.readOnly).map((b) => [b.host, b.container])).toEqual([0, 1, 2].map((i) => [path.join(workdir, `c${i}`, "artifacts", "out"), `/nbbuild/artifacts/c${i}/out`]));
    expect(sink.user).toMatch(/^\d{6,7}:0$/);
    expect(await fs.readFile(path.join(workdir, "r1", "log.txt"), "utf8")).toBe("hello from r1\n");
  });

  it("skips dependants of a failure but still runs independent branches", async () => {
    const { r, runner } = await run(["r1"], 1);
    expect(r.status).toBe("failed");
    expect(r.steps.r1.status).toBe("failed");
    expect(r.steps.c1.status).toBe("skipped");
    expect(r.steps.sink.status).toBe("skipped");
    expect(r.steps.c0.status).toBe("succeeded");
    expect(r.steps.c2.status).toBe("succeeded");
    expect(runner.started).not.toContain("c1");
    expect(runner.maxActive).toBe(1);
  });
});
