#!/usr/bin/env node
// Image build bench (docker): a generated 10-step notebook whose %pip line needs a wheel served
// from a PEP 503 index on 127.0.0.1. Prints cold build, no-op rebuild, one-cell-edit rebuild and
// the naive way (10 Dockerfiles, each FROM base + COPY + its own pip install, no cache) in the
// same run, with the ratio. Targets: no-op <= 1 s, one-cell edit <= 3 s, cold <= naive / 3.
// Needs the compiled sources and the stack: npm run build && NBBUILD_BASE=<ref> node bench/build.mjs
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { Readable } from "node:stream";
import Dockerode from "dockerode";
import { buildImages } from "../dist/images/build-images.js";
import { DockerEngine } from "../dist/engines/docker.js";
import { tarContext } from "../dist/engines/tar.js";
import { loadPlan } from "../dist/readers.js";

const STEPS = Number(process.env.STEPS ?? 10);
const RUN = randomBytes(4).toString("hex");
const PKG = "nbbuild-bench-pkg";

function baseRef() {
  if (process.env.NBBUILD_BASE) return process.env.NBBUILD_BASE;
  const out = execFileSync("bash", [resolve(import.meta.dirname, "../.ci/stack.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], timeout: 900_000 });
  const m = /NBBUILD_BASE=(\S+)/.exec(out);
  if (!m) throw new Error("set NBBUILD_BASE (the stack did not print it)");
  return m[1];
}

/** Dependency wheels of the bench requirement (a realistic requirement pulls in several). */
const DEPS = Number(process.env.DEP_WHEELS ?? 8);
/** Bytes of data per wheel (random, so zip cannot shrink it). */
const PAYLOAD = Number(process.env.WHEEL_BYTES ?? 2_500_000);

/** Writes the bench wheels with python3's zipfile: the package plus DEPS dependencies. */
function makeWheels(dir) {
  execFileSync("python3", ["-c", `
import base64, hashlib, os, sys, zipfile
out, deps, payload = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def wheel(name, requires):
    mod = name.replace("-", "_")
    meta = "Metadata-Version: 2.1\\nName: %s\\nVersion: 1.0.0\\n" % name + "".join("Requires-Dist: %s\\n" % r for r in requires)
    files = {mod + "/__init__.py": "def answer():\\n    return 42\\n",
             mod + "/data.bin": base64.b64encode(os.urandom(payload * 3 // 4)).decode(),
             mod + "-1.0.0.dist-info/METADATA": meta,
             mod + "-1.0.0.dist-info/WHEEL": "Wheel-Version: 1.0\\nGenerator: bench\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"}
    d = lambda b: "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b"=").decode()
    rec = "".join("%s,%s,%d\\n" % (n, d(c.encode()), len(c.encode())) for n, c in files.items()) + mod + "-1.0.0.dist-info/RECORD,,\\n"
    with zipfile.ZipFile(os.path.join(out, mod + "-1.0.0-py3-none-any.whl"), "w", zipfile.ZIP_DEFLATED) as z:
        for n, c in files.items():
            z.writestr(n, c)
        z.writestr(mod + "-1.0.0.dist-info/RECORD", rec)
names = ["nbbuild-bench-dep%d" % i for i in range(deps)]
for n in names:
    wheel(n, [])
wheel("${PKG}", [n + "==1.0.0" for n in names])
`, dir, String(DEPS), String(PAYLOAD)]);
  const wheels = new Map();
  for (let i = -1; i < DEPS; i++) {
    const project = i < 0 ? PKG : `nbbuild-bench-dep${i}`;
    const file = `${project.replace(/-/g, "_")}-1.0.0-py3-none-any.whl`;
    wheels.set(project, { file, data: readFileSync(join(dir, file)) });
  }
  return wheels;
}

/** PEP 503 index for the bench wheels on 127.0.0.1 (random port). */
function serve(wheels) {
  const server = createServer((req, res) => {
    const html = (b) => res.writeHead(200, { "Content-Type": "text/html" }).end(`<html><body>${b}</body></html>`);
    const project = /^\/simple\/([^/]+)\/?$/.exec(req.url)?.[1];
    const w = project && wheels.get(project);
    if (w) return html(`<a href="/f/${w.file}#sha256=${createHash("sha256").update(w.data).digest("hex")}">${w.file}</a>`);
    if (req.url.startsWith("/simple")) return html([...wheels.keys()].map((p) => `<a href="/simple/${p}/">${p}</a>`).join(""));
    const file = [...wheels.values()].find((x) => req.url === `/f/${x.file}`);
    if (file) return res.writeHead(200).end(file.data);
    res.writeHead(404).end();
  });
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(server)));
}

const cell = (id, tags, source) => ({ cell_type: "code", id, metadata: { tags }, execution_count: null, outputs: [], source });

/** A STEPS-step chain notebook; `edit` changes one step's cell. */
function writeNotebook(dir, edit = "") {
  const cells = [cell("imports", ["imports"], `%pip install ${PKG}==1.0.0\nimport nbbuild_bench_pkg\nimport numpy as np\n`)];
  for (let s = 0; s < STEPS; s++) {
    const tags = [`step:s${s}`, ...(s ? [`prev:s${s - 1}`] : [])];
    const body = s ? `v${s} = v${s - 1} + nbbuild_bench_pkg.answer()` : `v0 = np.arange(3).sum()  # run ${RUN}`;
    cells.push(cell(`c${s}`, tags, body + (s === Math.floor(STEPS / 2) ? edit : "") + `\nprint(v${s})\n`));
  }
  const nb = { nbformat: 4, nbformat_minor: 5, metadata: { kubeflow_notebook: { pipeline_name: `bench-${RUN}` } }, cells };
  writeFileSync(join(dir, "bench.ipynb"), JSON.stringify(nb, null, 1));
}

/** Seconds of an async call. */
async function timed(fn) {
  const t0 = performance.now();
  const value = await fn();
  return [(performance.now() - t0) / 1000, value];
}

/** The naive way: one Dockerfile per step, each installing the requirement itself, no cache. */
async function naive(docker, base, indexUrl, dir) {
  for (let s = 0; s < STEPS; s++) {
    const files = [
      { path: "Dockerfile", mode: 0o644, data: Buffer.from(
        `FROM ${base}\nCOPY step.py /app/step.py\nRUN PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --no-cache-dir --index-url ${indexUrl} ${PKG}==1.0.0\nUSER 1001\nWORKDIR /app\n`) },
      { path: "step.py", mode: 0o644, data: readFileSync(join(dir, "bench.ipynb")) },
    ];
    const stream = await docker.buildImage(Readable.from(tarContext(files)), { t: `nbbuild-bench-naive/s${s}:${RUN}`, nocache: true, networkmode: "host", rm: true, forcerm: true });
    await new Promise((ok, fail) => docker.modem.followProgress(stream, (e, out) => {
      const err = e ?? out.find((m) => m.error)?.error;
      err ? fail(new Error(String(err))) : ok();
    }));
  }
}

async function main() {
  const base = baseRef();
  const dir = mkdtempSync(join(tmpdir(), "nbbuild-bench-"));
  const server = await serve(makeWheels(dir));
  const indexUrl = `http://127.0.0.1:${server.address().port}/simple`;
  const docker = new Dockerode();
  const engine = new DockerEngine(docker);
  const opts = { engine, base, pip: { indexUrl }, concurrency: Number(process.env.CONCURRENCY ?? 4), onEvent: process.env.VERBOSE ? (e) => console.error(JSON.stringify(e)) : undefined };
  const build = async () => buildImages(await loadPlan(join(dir, "bench.ipynb")), opts);
  const cachedCount = (rec) => Object.values(rec.steps).filter((s) => s.cached).length;
  try {
    writeNotebook(dir);
    const [cold, rec1] = await timed(build);
    if (cachedCount(rec1) !== 0) throw new Error("cold build found cached images: the bench notebook is not unique");
    const [noop, rec2] = await timed(build);
    writeNotebook(dir, `\nv${Math.floor(STEPS / 2)} += 0  # edited`);
    const [edit, rec3] = await timed(build);
    const [naiveSeconds] = await timed(() => naive(docker, base, indexUrl, dir));
    const ratio = naiveSeconds / cold;
    const rows = [
      ["cold build", cold, `${STEPS} steps, 1 dependency install`, true],
      ["no-op rebuild", noop, `${cachedCount(rec2)}/${STEPS} cached`, noop <= 1],
      ["one-cell edit", edit, `${STEPS - cachedCount(rec3)} rebuilt`, edit <= 3],
      ["naive (10 x pip)", naiveSeconds, `${STEPS} Dockerfiles, --no-cache`, true],
    ];
    console.log(`image build bench (docker, ${STEPS}-step notebook; requirement ${PKG} = ${DEPS + 1} wheels of ${(PAYLOAD / 1e6).toFixed(1)} MB from a 127.0.0.1 index)`);
    for (const [name, s, note] of rows) console.log(`  ${name.padEnd(18)} ${s.toFixed(2).padStart(7)} s   ${note}`);
    console.log(`  naive / cold = ${ratio.toFixed(1)}x (target >= 3)`);
    const ok = noop <= 1 && edit <= 3 && ratio >= 3 && STEPS - cachedCount(rec3) === 1;
    console.log(`  targets: no-op <= 1 s ${noop <= 1 ? "ok" : "MISSED"}, one-cell edit <= 3 s ${edit <= 3 ? "ok" : "MISSED"}, cold <= naive/3 ${ratio >= 3 ? "ok" : "MISSED"}`);
    if (!ok) process.exitCode = 1;
  } finally {
    server.close();
    const tags = [];
    for (let s = 0; s < STEPS; s++) tags.push(`nbbuild-bench-naive/s${s}:${RUN}`);
    for (const t of tags) await docker.getImage(t).remove().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
