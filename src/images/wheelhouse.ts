/**
 * Fetching packages on the host, so index credentials never enter an engine: `pip download`
 * runs here with the credentials (in its environment, never on a command line), for the
 * target's Python and platform, into a folder of wheels; the dependency image then installs
 * from those files with `pip install --no-index --find-links`. Also the engine-less installer's
 * way to get packages.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { NbbuildError } from "../errors.js";
import type { Builder, ContextFile } from "../engines/engine.js";
import { makeRunner } from "../engines/factory.js";
import type { DependencyContext } from "../render/types.js";
import type { ContainerRunner } from "../engines/runner.js";
import { isUrl, publicPipOptions, stripCredentials, type PipOptions } from "../render/pip.js";

/** The interpreter the wheels are for (what `pip download --python-version …` takes). */
export interface WheelTarget {
  /** "3.11". */
  pythonVersion: string;
  /** "cp". */
  implementation: string;
  /** "cp311", "abi3", "none". */
  abis: string[];
  /** "manylinux_2_36_x86_64", …, "linux_x86_64", "any". */
  platforms: string[];
}

/** What a base image says about itself: its interpreter, and what it lacks of a requirement set. */
export interface BaseProbe {
  target: WheelTarget;
  /** Requirement lines and distributions the base does not satisfy (what the install stage installs). */
  need: string[];
}

/** Options of `downloadWheels`. */
export interface WheelhouseRequest {
  /** Requirement lines (`pkg==1.0`, `pkg>=2`). */
  requirements: string[];
  /** Index settings; credentials allowed (they only reach the host's pip, through its environment). */
  pip: PipOptions;
  /** Interpreter to fetch for; the host's own when absent. */
  target?: WheelTarget;
  /** Folder the wheels go to (created by the caller). */
  dest: string;
  /** Constraint lines (`numpy==1.24.2`: what the base already has), handed to pip with `-c`. */
  constraints?: string[];
  /** Host python (default python3). */
  python?: string;
  /** Receives pip's output lines, credentials removed. */
  onLog?: (line: string) => void;
  timeoutMs?: number;
}

/** The environment that hands pip its index settings (credentials included) without a command line. */
function pipEnvironment(o: PipOptions): Record<string, string> {
  const env: Record<string, string> = { PIP_DISABLE_PIP_VERSION_CHECK: "1", PIP_NO_INPUT: "1", PIP_PROGRESS_BAR: "off" };
  if (o.indexUrl) env.PIP_INDEX_URL = o.indexUrl;
  if (o.extraIndexUrls?.length) env.PIP_EXTRA_INDEX_URL = o.extraIndexUrls.join(" ");
  if (o.findLinks?.length) env.PIP_FIND_LINKS = o.findLinks.map((l) => (isUrl(l) ? l : path.resolve(l))).join(" ");
  const trusted = publicPipOptions(o).trustedHosts;
  if (trusted.length) env.PIP_TRUSTED_HOST = trusted.join(" ");
  if (o.noIndex) env.PIP_NO_INDEX = "1";
  return env;
}

/** Removes every credential-bearing value from a line of pip output. */
function redactLine(line: string, o: PipOptions): string {
  let out = line;
  for (const v of [o.indexUrl, ...(o.extraIndexUrls ?? []), ...(o.findLinks ?? [])]) if (v && v.length >= 4) out = out.split(v).join(stripCredentials(v));
  return stripCredentials(out);
}

/**
 * Downloads the wheels of `requirements` (and their dependencies) into `dest` with the host's
 * pip, for `target` when given (binary wheels only, as pip requires for another interpreter).
 * Returns the file names. Throws an NbbuildError (credentials removed) when pip fails.
 */
export async function downloadWheels(req: WheelhouseRequest): Promise<string[]> {
  if (!req.requirements.length) return [];
  const args = ["-m", "pip", "download", "--dest", req.dest];
  if (req.target) {
    args.push("--only-binary=:all:", "--python-version", req.target.pythonVersion, "--implementation", req.target.implementation);
    for (const abi of req.target.abis) args.push("--abi", abi);
    for (const p of req.target.platforms) args.push("--platform", p);
  }
  const constraintsDir = req.constraints?.length ? await mkdtemp(path.join(tmpdir(), "nbbuild-constraints-")) : undefined;
  if (constraintsDir) {
    await writeFile(path.join(constraintsDir, "constraints.txt"), req.constraints!.join("\n") + "\n");
    args.push("-c", path.join(constraintsDir, "constraints.txt"));
  }
  args.push("--", ...req.requirements);
  // Only the variables pip needs: the host's own PIP_* settings must not mix in.
  const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? tmpdir(), ...pipEnvironment(req.pip) };
  const child = execa(req.python ?? "python3", args, { env, extendEnv: false, reject: false, all: true, timeout: req.timeoutMs ?? 30 * 60_000 });
  const lines: string[] = [];
  child.all?.on("data", (chunk: Buffer) => {
    for (const l of chunk.toString("utf8").split("\n")) {
      if (!l.trim()) continue;
      const clean = redactLine(l, req.pip);
      lines.push(clean);
      req.onLog?.(clean);
    }
  });
  const r = await child.finally(() => (constraintsDir ? rm(constraintsDir, { recursive: true, force: true }) : undefined));
  if (r.exitCode !== 0) {
    throw NbbuildError.at(
      { file: "requirements" },
      `fetching ${req.requirements.join(" ")} on this machine failed (pip download exited ${r.exitCode}): ${lines.slice(-6).join(" | ")}`,
      "check the requirements and the index options (with credentials, nbbuild fetches wheels on this machine: the packages must exist as wheels for the base image's Python, and python3 -m pip must work here)",
    );
  }
  return (await readdir(req.dest)).sort();
}

/**
 * Asks the base image (run with no network and no credentials) for its interpreter's wheel tags
 * and for the requirements it lacks, with the install script's own rules (`install.py --probe`).
 */
export async function probeBase(runner: ContainerRunner, image: string, depsFiles: ContextFile[]): Promise<BaseProbe> {
  const dir = await mkdtemp(path.join(tmpdir(), "nbbuild-probe-"));
  try {
    for (const name of ["install.py", "requirements.json"]) {
      const f = depsFiles.find((x) => x.path === `nbbuild-deps/${name}`);
      if (!f) throw new Error(`the dependency context has no nbbuild-deps/${name}`);
      await writeFile(path.join(dir, name), f.data, { mode: 0o644 });
    }
    const out: string[] = [];
    const r = await runner.run(
      {
        name: `nbbuild-probe-${process.pid}-${Date.now()}`,
        image,
        command: ["python3", "/nbbuild-probe/install.py", "--probe", "/nbbuild-probe/requirements.json"],
        args: [],
        env: {},
        binds: [{ host: dir, container: "/nbbuild-probe", readOnly: true }],
        user: "65534:0",
        tmpfsSize: "64m",
        labels: { "io.nbbuild.probe": "1" },
      },
      { onLine: (l) => out.push(l), signal: new AbortController().signal, timeoutMs: 120_000 },
    );
    const line = out.find((l) => l.startsWith("NBBUILD-PROBE "));
    if (r.exitCode !== 0 || !line) throw new Error(`the probe exited ${r.exitCode}: ${out.slice(-3).join(" | ")}`);
    return JSON.parse(line.slice("NBBUILD-PROBE ".length)) as BaseProbe;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A runner beside `builder` to probe bases with (undefined when none runs here). */
export function probeRunnerFor(builder: Pick<Builder, "name"> | undefined): Promise<ContainerRunner | undefined> {
  if (!builder) return Promise.resolve(undefined);
  return makeRunner(builder.name === "docker" ? "docker" : "podman").catch(() => undefined);
}

/**
 * A dependency context whose pip settings carry credentials, completed with the wheels it needs:
 * fetched on this machine into its `wheelhouse` folder (see `wheelhouseFiles`). Other contexts
 * come back unchanged.
 */
export async function withWheels<C extends DependencyContext>(deps: C, pip: PipOptions, runner: ContainerRunner | undefined, onLog?: (line: string) => void): Promise<C> {
  if (!deps.wheelhouse) return deps;
  const wheels = await wheelhouseFiles({
    image: deps.resolvedBase.ref,
    depsFiles: deps.files,
    requirements: [...deps.requirements, ...deps.imports.map((i) => i.distribution)],
    pip,
    folder: deps.wheelhouse,
    runner,
    onLog,
  });
  return { ...deps, files: [...deps.files, ...wheels] };
}

/**
 * The wheel files for a dependency context whose pip settings carry credentials: probes the base
 * (falling back to the host's interpreter and every requirement when no runner can), downloads on
 * the host, and returns them as context files under `folder`.
 */
export async function wheelhouseFiles(opts: {
  image: string;
  depsFiles: ContextFile[];
  requirements: string[];
  pip: PipOptions;
  folder: string;
  runner?: ContainerRunner;
  onLog?: (line: string) => void;
}): Promise<ContextFile[]> {
  let probe: BaseProbe | undefined;
  if (opts.runner) {
    try {
      probe = await probeBase(opts.runner, opts.image, opts.depsFiles);
    } catch (e) {
      opts.onLog?.(`could not ask ${opts.image} for its Python (${(e as Error).message}); fetching wheels for this machine's Python`);
    }
  }
  const dest = await mkdtemp(path.join(tmpdir(), "nbbuild-wheels-"));
  try {
    const names = await downloadWheels({ requirements: probe?.need ?? opts.requirements, pip: opts.pip, target: probe?.target, dest, onLog: opts.onLog });
    return Promise.all(names.map(async (n) => ({ path: `${opts.folder}/${n}`, data: await readFile(path.join(dest, n)), mode: 0o664 })));
  } finally {
    await rm(dest, { recursive: true, force: true });
  }
}
