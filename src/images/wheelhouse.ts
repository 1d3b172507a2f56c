/**
 * Fetching packages on the host, so index credentials never enter an engine: `pip download`
 * (engines/host-pip.ts, which the oci engine's installer uses too) runs here with the credentials
 * (in its environment, never on a command line), for the target's Python and platform, into a
 * folder of wheels; the dependency image then installs from those files with
 * `pip install --no-index --find-links`.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Builder, ContextFile } from "../engines/engine.js";
import { makeRunner } from "../engines/factory.js";
import { downloadWheels, type WheelTarget } from "../engines/host-pip.js";
import type { DependencyContext } from "../render/types.js";
import type { ContainerRunner } from "../engines/runner.js";
import type { PipOptions } from "../render/pip.js";

export type { WheelTarget };

/** What a base image says about itself: its interpreter, and what it lacks of a requirement set. */
export interface BaseProbe {
  target: WheelTarget;
  /** Requirement lines and distributions the base does not satisfy (what the install stage installs). */
  need: string[];
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
