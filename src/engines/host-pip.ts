/**
 * pip on this machine: `pip download` of wheels for another interpreter (the target's Python and
 * platform), with the index settings and credentials in pip's environment (never on a command
 * line) and credentials removed from every line of its output; and reading pip's error lines.
 * The wheelhouse (images/wheelhouse.ts) and the oci engine's installer both fetch through it.
 */
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { NbbuildError } from "../errors.js";
import { isUrl, publicPipOptions, stripCredentials, type PipOptions } from "../render/pip.js";
import { requirementName } from "../render/requirements.js";

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
      `fetching ${req.requirements.map(stripCredentials).join(" ")} on this machine failed (pip download exited ${r.exitCode ?? "without running"}): ${lines.length ? lines.slice(-6).join(" | ") : redactLine(r.shortMessage ?? "", req.pip)}`,
      "check the requirements and the index options (with credentials, nbbuild fetches wheels on this machine: the packages must exist as wheels for the base image's Python, and python3 -m pip must work here)",
    );
  }
  return (await readdir(req.dest)).sort();
}

const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07/g;

/** Text without terminal escape sequences. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, "");
}

/** pip's `ERROR:` lines of a log, without ANSI codes or build-tool prefixes, once each. */
export function pipErrorLines(log: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of log) {
    const line = stripAnsi(raw).trim();
    const at = line.indexOf("ERROR: ");
    if (at < 0 || /^(Step|STEP) \d/.test(line)) continue;
    const text = line.slice(at);
    if (!out.includes(text)) out.push(text);
  }
  return out;
}

/** Requirements pip names as impossible in its error lines (normalised names). */
export function failedRequirementNames(errors: readonly string[]): string[] {
  const names = new Set<string>();
  for (const e of errors) {
    const m = /(?:No matching distribution found for|satisfies the requirement)\s+(\S+)/.exec(e);
    const name = m ? requirementName(m[1]!) : undefined;
    if (name) names.add(name);
  }
  return [...names];
}


/** Reads requirement lines against a set of installed versions with pip's own packaging (stdin: JSON). */
const SATISFIED_SCRIPT = `
import json, sys
try:
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
except ImportError:
    from pip._vendor.packaging.requirements import Requirement
    from pip._vendor.packaging.utils import canonicalize_name
spec = json.load(sys.stdin)
env = dict(spec["markers"])
installed = {canonicalize_name(k): v for k, v in spec["installed"].items()}
out = []
for line in spec["lines"]:
    try:
        req = Requirement(line)
        if req.marker is not None and not req.marker.evaluate(env):
            continue
        version = installed.get(canonicalize_name(req.name))
        if req.url or version is None or not req.specifier.contains(version, prereleases=True):
            out.append(line)
    except Exception:
        out.append(line)
print(json.dumps(out))
`;

/**
 * The requirement lines that `installed` (distribution → version, of the target image) does not
 * satisfy, by pip's rules (the host's packaging, or pip's vendored copy: specifiers with
 * pre-releases allowed, as the engines' installer checks; markers for the target's Python on
 * Linux). Every line counts as unsatisfied when the host's Python cannot tell.
 */
export async function unsatisfiedRequirements(lines: string[], installed: Record<string, string>, target: { pythonVersion: string; machine: string }, python = "python3"): Promise<string[]> {
  if (!lines.length) return [];
  const markers = {
    python_version: target.pythonVersion,
    python_full_version: `${target.pythonVersion}.0`,
    sys_platform: "linux",
    platform_system: "Linux",
    os_name: "posix",
    platform_machine: target.machine,
    implementation_name: "cpython",
    platform_python_implementation: "CPython",
  };
  const r = await execa(python, ["-c", SATISFIED_SCRIPT], {
    input: JSON.stringify({ lines, installed, markers }),
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? tmpdir() },
    extendEnv: false,
    reject: false,
    timeout: 60_000,
  }).catch(() => undefined);
  try {
    if (r?.exitCode === 0) return JSON.parse(String(r.stdout)) as string[];
  } catch {
    /* not JSON: fall through */
  }
  return lines;
}
