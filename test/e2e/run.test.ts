/**
 * `nbbuild run` on hand-written KFP IR with the real docker daemon and the test base image:
 * placeholders, mounts, isolation, metrics, failure handling, OOM, --from and cancellation.
 */
import Docker from "dockerode";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DockerRunner } from "../../src/engines/docker-runner.js";
import { parseIr } from "../../src/run/ir.js";
import { runGraph } from "../../src/run/scheduler.js";
import { runPipeline } from "../../src/run/run.js";
import { irYaml } from "./run-ir.helpers.js";

const BASE = process.env.NBBUILD_TEST_BASE!;
let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "nbbuild-run-"));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function writeIr(name: string, text: string): Promise<string> {
  const f = path.join(tmp, `${name}.yaml`);
  await fs.writeFile(f, text);
  return f;
}

// a: writes x (a file) from typed params; b, c read it; d reads both and reports metrics via {{$}}.
const A = `
import json, os, sys
ei = json.loads(sys.argv[1])
n, scale, flag, label, out = sys.argv[2:7]
st = os.stat('/tmp'); 
info = {"n": n, "scale": scale, "flag": flag, "label": label, "ei_n": ei["inputs"]["parameterValues"]["n"],
        "uid": os.getuid(), "gid": os.getgid(), "ifaces": sorted(os.listdir('/sys/class/net'))}
try:
    open('/opt/probe', 'w'); info["root_writable"] = True
except OSError:
    info["root_writable"] = False
open(out, 'w').write(json.dumps(info))
print("a done", n)
`;
const MID = (k: number) => `
import json, sys
src, out = sys.argv[1], sys.argv[2]
try:
    open(src, 'a').write('x'); ro = False
except OSError:
    ro = True
d = json.load(open(src))
open(out, 'w').write(json.dumps({"v": int(d["n"]) * ${k}, "input_read_only": ro}))
`;
const D = `
import json, os, sys
ei = json.loads(sys.argv[1])
b = json.load(open(sys.argv[2])); c = json.load(open(sys.argv[3]))
total = b["v"] + c["v"]
print("total", total)
of = ei["outputs"]["outputFile"]
os.makedirs(os.path.dirname(of), exist_ok=True)
json.dump({"artifacts": {"metrics": {"artifacts": [{"metadata": {"total": total, "ro": b["input_read_only"]}}]}}}, open(of, "w"))
open(ei["outputs"]["artifacts"]["metrics"]["artifacts"][0]["uri"][len("file://"):], "w").write("{}")
`;

function diamond(): string {
  return irYaml(
    "diamond",
    {
      n: { type: "NUMBER_INTEGER", default: 3.0 },
      scale: { type: "NUMBER_DOUBLE", default: 0.5 },
      flag: { type: "BOOLEAN", default: true },
      label: { type: "STRING", default: "hello world" },
    },
    {
      a: {
        image: BASE,
        script: A,
        args: ["{{$}}", "{{$.inputs.parameters['n']}}", "{{$.inputs.parameters['scale']}}", "{{$.inputs.parameters['flag']}}", "{{$.inputs.parameters['label']}}", "{{$.outputs.artifacts['x'].path}}"],
        params: { n: { type: "NUMBER_INTEGER", from: "n" }, scale: { type: "NUMBER_DOUBLE", from: "scale" }, flag: { type: "BOOLEAN", from: "flag" }, label: { type: "STRING", from: "label" } },
        outArtifacts: { x: "system.Dataset" },
      },
      b: { image: BASE, script: MID(2), args: ["{{$.inputs.artifacts['x'].path}}", "{{$.outputs.artifacts['y'].path}}"], deps: ["a"], inArtifacts: { x: { producer: "a", key: "x" } }, outArtifacts: { y: "system.Artifact" } },
      c: { image: BASE, script: MID(10), args: ["{{$.inputs.artifacts['x'].path}}", "{{$.outputs.artifacts['z'].path}}"], deps: ["a"], inArtifacts: { x: { producer: "a", key: "x" } }, outArtifacts: { z: "system.Artifact" } },
      d: {
        image: BASE,
        script: D,
        args: ["{{$}}", "{{$.inputs.artifacts['y'].path}}", "{{$.inputs.artifacts['z'].path}}"],
        deps: ["b", "c"],
        inArtifacts: { y: { producer: "b", key: "y" }, z: { producer: "c", key: "z" } },
        outArtifacts: { metrics: "system.Metrics" },
        resources: { cpuLimit: 1.0, memoryLimit: 0.268435456, resourceCpuLimit: "1", resourceMemoryLimit: "256Mi" },
      },
    },
  );
}

describe("nbbuild run on hand-written KFP IR (docker)", () => {
  it("runs a diamond with typed parameters, isolated containers and metrics", async () => {
    const file = await writeIr("diamond", diamond());
    const workdir = path.join(tmp, "diamond-run");
    const lines: string[] = [];
    const r = await runPipeline(file, {
      workdir,
      params: ["n=7", "label=two words"],
      parallel: 2,
      handleSignals: false,
      onEvent: (e) => e.type === "line" && lines.push(`${e.step}|${e.line}`),
    });
    expect(r.status).toBe("succeeded");
    expect(r.order).toEqual(["a", "b", "c", "d"]);
    expect(r.metrics).toEqual({ total: 7 * 2 + 7 * 10, ro: true });
    const a = JSON.parse(await fs.readFile(path.join(workdir, "a", "artifacts", "x"), "utf8"));
    expect(a).toMatchObject({ n: "7", scale: "0.5", flag: "true", label: "two words", ei_n: 7, gid: 0, root_writable: false });
    expect(a.uid).toBeGreaterThanOrEqual(100000);
    expect(a.ifaces).toEqual(["lo"]);
    expect(lines).toContain("a|a done 7");
    expect(lines).toContain("d|total 84");
    expect(await fs.readFile(path.join(workdir, "d", "log.txt"), "utf8")).toContain("total 84");
    expect(r.steps.d.outputs).toEqual(["metrics"]);
    // Private to the user: no folder of the run is open to others (so nothing in it can be read or
    // swapped by them) and nothing is writable by others; the folders the random uid writes belong
    // to group 0 (2770), the rest is 0750.
    const modes: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const e of await fs.readdir(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        const st = await fs.lstat(p);
        if (st.mode & (e.isDirectory() ? 0o007 : 0o002)) modes.push(`${path.relative(workdir, p)} ${(st.mode & 0o7777).toString(8)}`);
        if (e.isDirectory()) await walk(p);
      }
    };
    await walk(workdir);
    expect(modes).toEqual([]);
    expect((await fs.stat(workdir)).mode & 0o7777).toBe(0o750);
    for (const sub of ["artifacts", "outputs"]) {
      const st = await fs.stat(path.join(workdir, "a", sub));
      expect({ mode: (st.mode & 0o7777).toString(8), gid: st.gid }).toEqual({ mode: "2770", gid: 0 });
    }
    expect(await fs.readFile(path.join(workdir, ".nbbuild-run"), "utf8")).toContain("nbbuild");
  });

  it("refuses a --workdir that is neither empty nor an nbbuild run folder, and writes nothing there", async () => {
    const file = await writeIr("refuse", irYaml("refuse", {}, { s: { image: BASE, script: "print(1)" } }));
    const foreign = path.join(tmp, "foreign");
    await fs.mkdir(foreign);
    await fs.writeFile(path.join(foreign, "passwd"), "root:x:0:0\n");
    await expect(runPipeline(file, { workdir: foreign, handleSignals: false })).rejects.toThrow(
      /--workdir .*foreign: the folder is not empty and is not an nbbuild run folder[\s\S]*fix: pass --workdir a new or empty folder/,
    );
    expect(await fs.readdir(foreign)).toEqual(["passwd"]);
    await fs.writeFile(path.join(tmp, "a-file"), "x");
    await expect(runPipeline(file, { workdir: path.join(tmp, "a-file"), handleSignals: false })).rejects.toThrow(/is not a folder/);
    const empty = path.join(tmp, "empty-ok");
    await fs.mkdir(empty);
    expect((await runPipeline(file, { workdir: empty, handleSignals: false })).status).toBe("succeeded");
    // …and once marked, the same folder can be run in again.
    expect((await runPipeline(file, { workdir: empty, handleSignals: false })).status).toBe("succeeded");
  });

  it("rejects unknown and badly typed -p values before running anything", async () => {
    const file = await writeIr("diamond2", diamond());
    await expect(runPipeline(file, { params: ["nope=1", "n=1.5"], handleSignals: false })).rejects.toThrow(/unknown parameter "nope"[\s\S]*-p n: expected an integer/);
  });

  it("stops dependants of a failed step, finishes independent ones and surfaces the cell line", async () => {
    const fail = `import sys\nprint('working'); print('nbbuild: step b failed in nb.ipynb cell 4 (id c4)', file=sys.stderr); raise SystemExit(3)`;
    const ok = `import sys, time\ntime.sleep(1); open(sys.argv[1], 'w').write('ok')`;
    const text = irYaml("failing", {}, {
      a: { image: BASE, script: ok, args: ["{{$.outputs.artifacts['o'].path}}"], outArtifacts: { o: "system.Artifact" } },
      b: { image: BASE, script: fail, deps: ["a"] },
      c: { image: BASE, script: ok, args: ["{{$.outputs.artifacts['o'].path}}"], deps: ["a"], outArtifacts: { o: "system.Artifact" } },
      d: { image: BASE, script: ok, args: ["{{$.outputs.artifacts['o'].path}}"], deps: ["b"], outArtifacts: { o: "system.Artifact" } },
    });
    const workdir = path.join(tmp, "failing-run");
    const r = await runPipeline(await writeIr("failing", text), { workdir, parallel: 2, handleSignals: false });
    expect(r.status).toBe("failed");
    expect(r.steps.b).toMatchObject({ status: "failed", exitCode: 3, cellLine: "nbbuild: step b failed in nb.ipynb cell 4 (id c4)" });
    expect(r.steps.b.tail).toContain("working");
    expect(r.steps.c.status).toBe("succeeded");
    expect(r.steps.d.status).toBe("skipped");
    expect(await fs.readFile(path.join(workdir, "a", "artifacts", "o"), "utf8")).toBe("ok");
  });

  it("reports a step killed by its memory limit as out of memory", async () => {
    const text = irYaml("oom", {}, {
      hog: { image: BASE, script: "x = bytearray(400 * 1024 * 1024)\nprint('survived')", resources: { resourceMemoryLimit: "64Mi" } },
    });
    const r = await runPipeline(await writeIr("oom", text), { workdir: path.join(tmp, "oom-run"), handleSignals: false });
    expect(r.status).toBe("failed");
    expect(r.steps.hog.oomKilled).toBe(true);
    expect(r.steps.hog.reason).toMatch(/out of memory \(limit 64Mi\)/);
  });

  it("--from reuses upstream artifacts and reruns the rest", async () => {
    const text = irYaml("resume", { who: { type: "STRING", default: "default" } }, {
      a: { image: BASE, script: "import sys, time\nopen(sys.argv[1], 'w').write(str(time.time()))", args: ["{{$.outputs.artifacts['t'].path}}"], outArtifacts: { t: "system.Artifact" } },
      b: {
        image: BASE, script: "import sys\nprint('saw', open(sys.argv[1]).read(), sys.argv[2])", args: ["{{$.inputs.artifacts['t'].path}}", "{{$.inputs.parameters['who']}}"],
        deps: ["a"], inArtifacts: { t: { producer: "a", key: "t" } }, params: { who: { type: "STRING", from: "who" } },
      },
    });
    const file = await writeIr("resume", text);
    const workdir = path.join(tmp, "resume-run");
    const first = await runPipeline(file, { workdir, params: ["who=first"], handleSignals: false });
    expect(first.status).toBe("succeeded");
    const stamp = await fs.readFile(path.join(workdir, "a", "artifacts", "t"), "utf8");
    const second = await runPipeline(file, { workdir, from: "b", handleSignals: false });
    expect(second.status).toBe("succeeded");
    expect(second.steps.a.status).toBe("reused");
    expect(second.steps.b.status).toBe("succeeded");
    expect(await fs.readFile(path.join(workdir, "b", "log.txt"), "utf8")).toBe(`saw ${stamp} first\n`);
    await runPipeline(file, { workdir, from: "b", params: ["who=second"], handleSignals: false });
    expect(await fs.readFile(path.join(workdir, "b", "log.txt"), "utf8")).toBe(`saw ${stamp} second\n`);
    await expect(runPipeline(file, { workdir: path.join(tmp, "empty-run"), from: "b", handleSignals: false })).rejects.toThrow(/a has no finished outputs/);
  });

  it("passes output parameters (output_file) to consumers, typed", async () => {
    const text = `
components:
  comp-count:
    executorLabel: exec-count
    outputDefinitions:
      parameters:
        n: {parameterType: NUMBER_INTEGER}
  comp-show:
    executorLabel: exec-show
    inputDefinitions:
      parameters:
        n: {parameterType: NUMBER_INTEGER}
deploymentSpec:
  executors:
    exec-count:
      container:
        image: ${BASE}
        command: [python3, -c, "import sys; open(sys.argv[1], 'w').write('41')"]
        args: ["{{$.outputs.parameters['n'].output_file}}"]
    exec-show:
      container:
        image: ${BASE}
        command: [python3, -c, "import sys, json; print('got', sys.argv[1], json.loads(sys.argv[2])['inputs']['parameterValues'])"]
        args: ["{{$.inputs.parameters['n']}}", "{{$}}"]
pipelineInfo: {name: outparams}
root:
  dag:
    tasks:
      count: {componentRef: {name: comp-count}, taskInfo: {name: count}}
      show:
        componentRef: {name: comp-show}
        inputs: {parameters: {n: {taskOutputParameter: {producerTask: count, outputParameterKey: n}}}}
        taskInfo: {name: show}
schemaVersion: 2.1.0
`;
    const r = await runPipeline(await writeIr("outparams", text), { workdir: path.join(tmp, "outparams-run"), handleSignals: false });
    expect(r.status).toBe("succeeded");
    expect(r.order).toEqual(["count", "show"]);
    expect(await fs.readFile(path.join(tmp, "outparams-run", "show", "log.txt"), "utf8")).toBe("got 41 {'n': 41}\n");
  });

  it("explains an image that is neither local nor pullable", async () => {
    const text = irYaml("noimage", {}, { s: { image: "127.0.0.1:5000/nbbuild/does-not-exist:nope", script: "print(1)" } });
    const r = await runPipeline(await writeIr("noimage", text), { workdir: path.join(tmp, "noimage-run"), handleSignals: false });
    expect(r.steps.s.status).toBe("failed");
    expect(r.steps.s.reason).toMatch(/could not be pulled.*nbbuild image/);
  });

  it("--engine podman runs the same IR, or says why podman could not start it", async () => {
    const text = irYaml("podman", {}, { s: { image: BASE, script: "import os\nprint('uid', os.getuid() >= 100000)" } });
    const r = await runPipeline(await writeIr("podman", text), { engine: "podman", workdir: path.join(tmp, "podman-run"), handleSignals: false });
    if (r.status === "succeeded") expect(await fs.readFile(r.steps.s.log, "utf8")).toBe("uid True\n");
    // In the nbbuild sandbox `podman run` cannot set rlimits: the report must say so plainly.
    else expect(r.steps.s.reason).toMatch(/^podman run failed: Error: .*(rlimit|OCI)/);
  });

  it("cancelling stops and removes only this run's containers", async () => {
    const docker = new Docker();
    const bystander = await docker.createContainer({ Image: BASE, Cmd: ["sleep", "60"], HostConfig: { NetworkMode: "none" }, Labels: { "nbbuild.test": "bystander" } });
    await bystander.start();
    try {
      const graph = parseIr(irYaml("cancel", {}, { s: { image: BASE, script: "import time\nprint('sleeping', flush=True)\ntime.sleep(120)" } }), "cancel.yaml");
      const abort = new AbortController();
      const started = Date.now();
      const p = runGraph(graph, {}, {
        runner: new DockerRunner(), workdir: path.join(tmp, "cancel-run"), runId: "cancel1", parallel: 1, timeoutSeconds: 300, file: "cancel.yaml", signal: abort.signal,
        onEvent: (e) => e.type === "line" && e.line === "sleeping" && abort.abort(),
      });
      const r = await p;
      expect(r.status).toBe("cancelled");
      expect(Date.now() - started).toBeLessThan(60_000);
      const left = await docker.listContainers({ all: true, filters: { label: ["nbbuild.run=cancel1"] } });
      expect(left).toEqual([]);
      expect((await bystander.inspect()).State.Running).toBe(true);
    } finally {
      await bystander.remove({ force: true });
    }
  });
});
