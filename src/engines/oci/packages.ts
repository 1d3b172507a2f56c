/**
 * Dependencies without any engine: the wheels of what the base lacks are fetched on this machine
 * (`pip download --only-binary=:all:` for the base's Python and platform, through the wheelhouse's
 * pip, with the index settings and credentials in pip's environment only) and unpacked into
 * layer entries as pip would install them (wheel-install.ts). When some requirement has no such
 * wheel, a NeedsEngine error says which, so the build can fall back to an engine.
 */
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { NbbuildError } from "../../errors.js";
import { downloadWheels, failedRequirementNames, pipErrorLines } from "../host-pip.js";
import type { PipOptions } from "../../render/pip.js";
import { normalizeName, requirementName } from "../../render/requirements.js";
import type { ImageConfig } from "./image.js";
import type { LayerEntry } from "./layer.js";
import { NeedsEngine } from "./needs-engine.js";
import type { PythonFacts } from "./python-facts.js";
import { installWheel, type InstallScheme } from "./wheel-install.js";
import { imagePython } from "./wheel-target.js";

/** What to install and where. */
export interface PackageInstall {
  /** Requirement lines and distribution names the base lacks. */
  need: string[];
  /** The Python facts and config of the image below. */
  facts: PythonFacts;
  config: ImageConfig;
  /** Index settings (may carry credentials: they reach only this machine's pip). */
  pip: PipOptions;
  /** The install folder (`opt/app-root/deps`, no leading `/`): site, its `bin`, `include`. */
  deps: string;
  uid: number;
  gid: number;
  onLog?: (line: string) => void;
}

/** The installed files, the wheels they came from and a line saying so. */
export interface InstalledPackages {
  entries: LayerEntry[];
  wheels: string[];
  /** `name==version` of every installed distribution. */
  distributions: string[];
  describe: string;
}

/** A version pip accepts in a constraint (PEP 440 public versions; Debian's `+dfsg` ones are left out). */
const PUBLIC_VERSION = /^\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?$/;

/** `name version` of a wheel file name (`a_b-1.0-py3-none-any.whl` → a-b, 1.0). */
function wheelOf(file: string): { name: string; version: string } | undefined {
  const m = /^([^-]+)-([^-]+)-.*\.whl$/.exec(file);
  return m ? { name: normalizeName(m[1]!), version: m[2]! } : undefined;
}

/** Installs `need` into layer entries without an engine, or throws NeedsEngine saying why it cannot. */
export async function installPackages(req: PackageInstall): Promise<InstalledPackages> {
  const pathVar = (req.config.config?.Env ?? []).find((e) => e.startsWith("PATH="))?.slice(5) ?? "/usr/local/bin:/usr/bin:/bin";
  const py = imagePython(req.facts, req.config.architecture, pathVar);
  if ("why" in py) throw new NeedsEngine(`the oci engine cannot tell the base's Python: ${py.why}`, req.need);
  // The base's distributions pin what the requirements' dependencies may be (pip --user keeps
  // them too); those downloaded only to satisfy a pin are not installed again.
  const needNames = new Set(req.need.map(requirementName).filter((n): n is string => !!n).map(normalizeName));
  const base = new Map<string, string>();
  for (const d of req.facts.distributions) base.set(normalizeName(d.name), d.version);
  const constraints = [...base].filter(([name, v]) => !needNames.has(name) && PUBLIC_VERSION.test(v)).map(([name, v]) => `${name}==${v}`).sort();
  const dest = await mkdtemp(path.join(tmpdir(), "nbbuild-oci-wheels-"));
  try {
    const log: string[] = [];
    let files: string[];
    try {
      files = await downloadWheels({
        requirements: req.need,
        pip: req.pip,
        target: py.target,
        dest,
        constraints,
        onLog: (l) => {
          log.push(l);
          req.onLog?.(l);
        },
      });
    } catch (err) {
      const names = failedRequirementNames(pipErrorLines(log));
      if (names.length) throw new NeedsEngine(`no wheel of ${names.join(", ")} (or of a dependency) for ${py.describe} could be fetched`, names);
      // pip named no requirement: it did not run here (no python3 -m pip), or the index failed.
      const why = err instanceof NbbuildError ? err.problems[0]!.message : (err as Error).message;
      throw new NeedsEngine(`the wheels of ${req.need.join(", ")} for ${py.describe} could not be fetched on this machine (${why})`, req.need);
    }
    const scheme: InstallScheme = { site: req.deps, scripts: `${req.deps}/bin`, data: req.deps, headers: `${req.deps}/include`, python: py.python, uid: req.uid, gid: req.gid };
    const entries = new Map<string, LayerEntry>();
    const wheels: string[] = [];
    const distributions: string[] = [];
    for (const file of files) {
      const w = wheelOf(file);
      if (!w) throw new NeedsEngine(`pip fetched ${file}, which is not a wheel`, req.need);
      if (base.get(w.name) === w.version) continue;
      const installed = installWheel(file, await readFile(path.join(dest, file)), scheme, needNames.has(w.name));
      for (const e of installed.entries) entries.set(e.path, e);
      wheels.push(file);
      distributions.push(`${installed.name}==${installed.version}`);
    }
    return { entries: [...entries.values()], wheels, distributions, describe: `${wheels.length} wheel(s) for ${py.describe}` };
  } finally {
    await rm(dest, { recursive: true, force: true });
  }
}
