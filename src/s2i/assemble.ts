/**
 * The S2I `assemble` stage (s2i/bin/assemble runs it inside the builder image): renders exactly
 * one step with `writeStepContext` — the seam behind `nbbuild context`, so the bytes are the ones
 * `nbbuild image` builds — installs its dependency set with the rendered installer, and lays the
 * files out under APP_ROOT as the step Containerfiles' COPY lines would.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { NbbuildError } from "../errors.js";
import { writeStepContext, type StepContextManifest } from "../images/step-context.js";
import { loadPlan } from "../readers.js";
import { pipBuildArgs, pipOptionsFromEnv, stripCredentials } from "../render/pip.js";
import { builderBaseFromEnv, builderRenderOptions, checkStepBase } from "./builder-base.js";
import { parseEnvironmentFile } from "./environment.js";

/** Where the S2I paths live; defaults are the builder image's (tests point them elsewhere). */
export interface AssemblePaths {
  /** The injected source (`$destination/src`). */
  source: string;
  /** Restored artifacts of an incremental build (`$destination/artifacts`). */
  artifacts: string;
  /** APP_ROOT of the output image. */
  appRoot: string;
  /** Marker of the dependency set installed in this image (outside APP_ROOT on purpose). */
  depsMarker: string;
  /** Scratch folder for the rendered context. */
  work: string;
}

export const DEFAULT_PATHS: AssemblePaths = {
  source: "/tmp/src",
  artifacts: "/tmp/artifacts",
  appRoot: "/opt/app-root",
  depsMarker: "/var/lib/nbbuild-s2i/deps.json",
  work: "/tmp/nbbuild-s2i",
};

/** Folder (relative to the source) a BuildConfig mounts its pip build secret into. */
export const DEFAULT_PIP_SECRET_DIR = ".nbbuild-pip";
/** Keys of the pip build secret (same names as pip's own variables). */
const PIP_SECRET_KEYS = ["PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_TRUSTED_HOST"];

/** The marker a dependency build leaves for the step builds that use its image as `from`. */
export interface DepsMarker {
  dependencyHash: string;
  requirements: string[];
}

export interface AssembleResult {
  manifest: StepContextManifest;
  /** How the dependency set got into the image. */
  dependencies: "from-image" | "artifacts" | "installed";
  depsOnly: boolean;
}

const truthy = (v: string | undefined) => /^(1|true|yes|on)$/i.test(v ?? "");
/** True when `hash` is `expected` or starts with it (BuildConfigs may carry a prefix). */
const hashMatches = (hash: string, expected: string) => expected.length >= 8 && hash.startsWith(expected.toLowerCase());

function readMarker(file: string): DepsMarker | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as DepsMarker;
  } catch {
    return undefined;
  }
}

/** The build environment: the BuildConfig's variables win over `.s2i/environment` in the source. */
function buildEnvironment(paths: AssemblePaths, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const file = path.join(paths.source, ".s2i", "environment");
  const fromFile = existsSync(file) ? parseEnvironmentFile(readFileSync(file, "utf8"), ".s2i/environment") : {};
  return { ...fromFile, ...env };
}

/** Reads the pip build secret into a separate environment and removes it from the source. */
function takePipSecret(paths: AssemblePaths, env: NodeJS.ProcessEnv): Record<string, string> {
  const dir = path.resolve(paths.source, env.NBBUILD_PIP_SECRET_DIR || DEFAULT_PIP_SECRET_DIR);
  if (!dir.startsWith(path.resolve(paths.source) + path.sep)) {
    throw NbbuildError.at({ file: "NBBUILD_PIP_SECRET_DIR" }, "the pip secret folder must be inside the source", "give a relative folder such as .nbbuild-pip");
  }
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  for (const key of PIP_SECRET_KEYS) {
    const file = path.join(dir, key);
    if (existsSync(file)) out[key] = readFileSync(file, "utf8").trim();
  }
  // Never let the secret reach the rendered folder (and so an image layer).
  rmSync(dir, { recursive: true, force: true });
  return out;
}

/** Copies a rendered folder into the image: directories 0775, files with their rendered modes, links as links. */
function copyTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const e of readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, e.name);
    const dst = path.join(to, e.name);
    if (e.isDirectory()) {
      copyTree(src, dst);
      chmodSync(dst, 0o775);
    } else if (e.isSymbolicLink()) {
      symlinkSync(readlinkSync(src), dst);
    } else {
      cpSync(src, dst);
      chmodSync(dst, statSync(src).mode & 0o777);
    }
  }
}

/**
 * Gives group 0 the owner's rights on every file and folder under `dir` (links untouched), as the
 * installer's fix_permissions does: artifacts unpacked by a non-root tar lost them to its umask.
 */
function groupLikeOwner(dir: string): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isSymbolicLink()) continue;
    const mode = statSync(p).mode & 0o7777;
    chmodSync(p, (mode & ~0o6070) | (((mode >> 6) & 0o7) << 3));
    if (e.isDirectory()) groupLikeOwner(p);
  }
}

/**
 * Runs the rendered installer as the dependency Containerfile's RUN line does, into a scratch
 * APP_ROOT (the installer moves it into its export folder, and /opt cannot be renamed by the
 * assemble user), then copies the installed `deps/` into `appRoot`.
 */
function install(ctxDeps: string, appRoot: string, env: NodeJS.ProcessEnv, pipArgs: Record<string, string>, say: (l: string) => void): void {
  const scratch = path.join(path.dirname(ctxDeps), "install");
  const home = path.join(scratch, "home");
  const stageRoot = path.join(scratch, path.basename(appRoot));
  const exportDir = path.join(scratch, "export");
  mkdirSync(home, { recursive: true });
  const childEnv: NodeJS.ProcessEnv = { ...env, ...pipArgs, HOME: home };
  for (const k of PIP_SECRET_KEYS) delete childEnv[k];
  const r = spawnSync("python3", [path.join(ctxDeps, "nbbuild-deps/install.py"), path.join(ctxDeps, "nbbuild-deps/requirements.json"), stageRoot, exportDir], {
    env: childEnv,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 30 * 60_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  const redactAll = (t: string) => {
    let out = stripCredentials(t);
    for (const v of Object.values(pipArgs)) if (v.length >= 4) out = out.split(v).join("***");
    return out;
  };
  for (const l of redactAll(`${r.stdout ?? ""}${r.stderr ?? ""}`).split("\n")) if (l.trim()) say(l);
  if (r.status !== 0) {
    throw NbbuildError.at({ file: "requirements" }, `installing the dependencies failed (exit ${r.status ?? r.signal})`, "check the requirements (requirements.txt, %pip lines, imports) and the pip settings (PIP_INDEX_URL, the .nbbuild-pip build secret)");
  }
  const deps = path.join(appRoot, "deps");
  copyTree(path.join(exportDir, path.basename(appRoot), "deps"), deps);
  chmodSync(deps, 0o775);
}

/**
 * Assembles one step (or, with NBBUILD_DEPS_ONLY=1, only its dependency set) from the source at
 * `paths.source` into `paths.appRoot`. `env` is the build's environment.
 */
export async function assemble(env: NodeJS.ProcessEnv, say: (line: string) => void, paths: AssemblePaths = DEFAULT_PATHS): Promise<AssembleResult> {
  const buildEnv = buildEnvironment(paths, env);
  const secret = takePipSecret(paths, buildEnv);
  const notebook = buildEnv.NBBUILD_NOTEBOOK;
  const stepName = buildEnv.NBBUILD_STEP;
  if (!notebook || !stepName) {
    throw NbbuildError.at(
      { file: notebook ? "NBBUILD_STEP" : "NBBUILD_NOTEBOOK" },
      `${notebook ? "NBBUILD_STEP" : "NBBUILD_NOTEBOOK"} is not set: the builder builds one step of one notebook`,
      "set NBBUILD_NOTEBOOK (path relative to the source) and NBBUILD_STEP (see `nbbuild plan`) in the BuildConfig's sourceStrategy.env, `s2i build -e`, or .s2i/environment",
    );
  }
  const depsOnly = truthy(buildEnv.NBBUILD_DEPS_ONLY);
  const base = builderBaseFromEnv(buildEnv);
  const notebookPath = path.resolve(paths.source, notebook);
  if (!existsSync(notebookPath)) {
    throw NbbuildError.at({ file: notebook }, `NBBUILD_NOTEBOOK names ${notebook}, which is not in the source`, "give the notebook's path relative to the repository root (or the BuildConfig's contextDir)");
  }
  const plan = await loadPlan(notebookPath);
  const step = plan.steps.find((s) => s.name === stepName);
  if (step) checkStepBase(plan, step);
  const pip = pipOptionsFromEnv({ ...buildEnv, ...secret });
  const render = builderRenderOptions(base);
  const ctx = path.join(paths.work, "context");
  mkdirSync(paths.work, { recursive: true });
  const manifest = await writeStepContext(plan, stepName, ctx, {
    ...render,
    requirementsFile: buildEnv.NBBUILD_REQUIREMENTS ? path.resolve(paths.source, buildEnv.NBBUILD_REQUIREMENTS) : undefined,
    pip,
    env: buildEnv,
    onDiagnostic: (d) => say(`warning: ${d.message}`),
  });
  say(`nbbuild: step ${manifest.step} of ${plan.name}: dependency hash ${manifest.dependencyHash.slice(0, 12)}, content hash ${manifest.contentHash.slice(0, 12)}`);
  // A dependency image carries its build's environment (S2I commits it), NBBUILD_DEPS_ONLY=1
  // included; a step build on it must say NBBUILD_DEPS_ONLY=0, and a real deps build starts from
  // the bare builder, which has no marker.
  const have = readMarker(paths.depsMarker);
  if (depsOnly && have) {
    throw NbbuildError.at(
      { file: "NBBUILD_DEPS_ONLY" },
      `NBBUILD_DEPS_ONLY=1 but the from image is already a dependency image (${have.dependencyHash.slice(0, 12)}): the variable is inherited from that image's environment`,
      "set NBBUILD_DEPS_ONLY=0 in the step build's environment; dependency builds start from the builder image",
    );
  }
  const expectDeps = depsOnly ? buildEnv.NBBUILD_EXPECT_DEPENDENCY_HASH : undefined;
  if (expectDeps && !hashMatches(manifest.dependencyHash, expectDeps)) {
    throw NbbuildError.at({ file: notebook }, `the dependency hash is ${manifest.dependencyHash.slice(0, 12)}, the BuildConfig expects ${expectDeps}`, "the requirements changed since the cluster objects were generated: re-run `nbbuild openshift apply`");
  }
  const expectContent = buildEnv.NBBUILD_EXPECT_CONTENT_HASH;
  if (!depsOnly && expectContent && !hashMatches(manifest.contentHash, expectContent)) {
    throw NbbuildError.at({ file: notebook }, `the content hash is ${manifest.contentHash.slice(0, 12)}, the BuildConfig expects ${expectContent}`, "the notebook or nbbuild version differs from what the cluster objects were generated from: re-run `nbbuild openshift apply`");
  }

  // Dependencies: from the `from` image (a dependency image), else the incremental artifacts, else pip.
  const want = manifest.dependencyHash;
  const saved = readMarker(path.join(paths.artifacts, "deps.json"));
  const depsDir = path.join(paths.appRoot, "deps");
  let dependencies: AssembleResult["dependencies"];
  const requirements = (JSON.parse(readFileSync(path.join(ctx, "deps/nbbuild-deps/requirements.json"), "utf8")) as { requirements: string[] }).requirements;
  if (have?.dependencyHash === want) {
    dependencies = "from-image";
    say(`nbbuild: dependencies ${want.slice(0, 12)} are in the builder image already (dependency image): no pip run`);
  } else {
    if (have) say(`warning: the dependency image holds ${have.dependencyHash.slice(0, 12)}, this step needs ${want.slice(0, 12)}: installing them now (re-run \`nbbuild openshift apply\` so the dependency image is rebuilt)`);
    rmSync(depsDir, { recursive: true, force: true });
    if (saved?.dependencyHash === want && existsSync(path.join(paths.artifacts, "deps"))) {
      dependencies = "artifacts";
      say(`nbbuild: dependencies ${want.slice(0, 12)} restored from the previous build's artifacts: no pip run`);
      copyTree(path.join(paths.artifacts, "deps"), depsDir);
      groupLikeOwner(depsDir);
      chmodSync(depsDir, 0o775);
    } else {
      dependencies = "installed";
      install(path.join(ctx, "deps"), paths.appRoot, buildEnv, pipBuildArgs(pip), say);
    }
    mkdirSync(path.dirname(paths.depsMarker), { recursive: true });
    writeFileSync(paths.depsMarker, JSON.stringify({ dependencyHash: want, requirements } satisfies DepsMarker, null, 1) + "\n");
  }

  if (!depsOnly) {
    // The folder and the step code, as `COPY --chown=1001:0 src/ …` and `COPY … nbbuild/ …` lay them out.
    if (existsSync(path.join(ctx, "src/src"))) copyTree(path.join(ctx, "src/src"), path.join(paths.appRoot, "src"));
    copyTree(path.join(ctx, "step/nbbuild"), path.join(paths.appRoot, "nbbuild"));
  }
  rmSync(paths.work, { recursive: true, force: true });
  // The build commits the container's whole file system: the injected source (with whatever the
  // folder rules kept out of the image, `.env` files say) must not stay behind in /tmp/src, nor a
  // second copy of the dependency set in /tmp/artifacts.
  rmSync(paths.source, { recursive: true, force: true });
  rmSync(paths.artifacts, { recursive: true, force: true });
  say(`nbbuild: assembled ${depsOnly ? "the dependency image of" : "step"} ${manifest.step}`);
  return { manifest, dependencies, depsOnly };
}
