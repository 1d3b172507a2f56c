import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import type { ContextFile } from "../engines/engine.js";
import * as contract from "../contract.js";
import { NbbuildError } from "../errors.js";
import type { Diagnostic, Plan, Step } from "../plan/types.js";
import { VERSION } from "../version.js";
import { locate } from "../io/inside.js";
import { describeSkipped, FOLDER_WARN_BYTES, listFolder, type FolderFile } from "./folder.js";
import { hashJson, sha256 } from "./hash.js";
import { imageMapFromEnv, mapImage } from "./image-map.js";
import { isUrl, pipBuildArgs, pipHasCredentials, publicPipOptions } from "./pip.js";
import {
  importRequirements,
  localModules,
  mergeRequirements,
  normalizeName,
  parseRequirementsTxt,
  requirementName,
  scanImportPaths,
} from "./requirements.js";
import { runnerFiles } from "./runner-files.js";
import { renderStepModule } from "./step-module.js";
import { renderTemplate, templateBytes } from "./templates.js";
import type { DependencyContext, FolderContext, RenderOptions, RenderedStep, ResolvedBase } from "./types.js";
import { containerfileBody, layerContextFiles, renderContainerfile, type ImageDescription, type LayerDescription } from "./image-description.js";

/** Base used when neither the step, the flags, the notebook nor NBBUILD_BASE name one. */
export const DEFAULT_BASE = "python:3.11-slim";
const CONTAINERFILE = "Containerfile";
/** `created` when no provenance time is given (SOURCE_DATE_EPOCH unset, not in git). */
const EPOCH_TIME = "1970-01-01T00:00:00Z";

/** The environment of every dependency image (and so of every step image). */
function appEnv(): [string, string][] {
  return [
    ["APP_ROOT", contract.APP_ROOT],
    ["HOME", contract.APP_SRC],
    ["PYTHONPATH", contract.APP_DEPS],
    ["PATH", `${contract.APP_DEPS}/bin:\${PATH:-/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin}`],
    ["PYTHONDONTWRITEBYTECODE", "1"],
    ["PYTHONUNBUFFERED", "1"],
    ["PIP_NO_CACHE_DIR", "1"],
    ["MPLCONFIGDIR", "/tmp/matplotlib"],
  ];
}

/**
 * Memo shared by the steps of one render: folder listings, file reads, each step's base and each
 * dependency set's context (steps of a set share it; without the memo a plan's render grows with
 * the square of its steps).
 */
interface Cache {
  folders: Map<string, FolderFile[]>;
  texts: Map<string, string | undefined>;
  bases: Map<Step, string>;
  deps: Map<string, DependencyContext>;
}
const newCache = (): Cache => ({ folders: new Map(), texts: new Map(), bases: new Map(), deps: new Map() });

/** The base a step builds on, as written and after the image map, and who chose it. */
export interface BaseChoice {
  /** The reference to build on (mapped). */
  ref: string;
  /** The reference as the step, flag, metadata or environment wrote it. */
  written: string;
  /** Who asked for it, e.g. `the step's image` or `--base`. */
  origin: string;
}

/**
 * The base image a step builds on: its own image (Kale `image:` tag, Elyra runtime_image), else
 * --base, else the plan's (Kale docker_image/base_image, Elyra pipeline default), else
 * NBBUILD_BASE, else the default; then mapped by the image map (see image-map.ts).
 */
export function chooseBase(plan: Plan, step: Step, options: RenderOptions = {}): BaseChoice {
  const env = options.env ?? process.env;
  const [written, origin] = step.image
    ? [step.image, plan.source.kind === "elyra" ? "the node's runtime_image" : "the step's image: tag"]
    : options.base
      ? [options.base, "--base"]
      : plan.baseImage
        ? [plan.baseImage, plan.source.kind === "elyra" ? "the pipeline's default runtime_image" : "the notebook's docker_image metadata"]
        : env.NBBUILD_BASE
          ? [env.NBBUILD_BASE, "NBBUILD_BASE"]
          : [DEFAULT_BASE, "the default base"];
  return { ref: mapImage(options.imageMap ?? imageMapFromEnv(env), written), written, origin };
}

/** The (mapped) base image reference a step builds on; see `chooseBase`. */
export function stepBase(plan: Plan, step: Step, options: RenderOptions = {}): string {
  return chooseBase(plan, step, options).ref;
}

/** A repository-safe form of a name: lowercase, [a-z0-9._-], no leading/trailing separators. */
export function repoComponent(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^[._-]+|[._-]+$/g, "") || "step";
}

/** Local repository of a step image (without tag): `nbbuild/<plan>-<step>`. */
export function stepRepository(plan: Plan, step: Step): string {
  return `nbbuild/${repoComponent(plan.name)}-${repoComponent(step.name)}`;
}

function readText(cache: Cache, file: string): string | undefined {
  if (!cache.texts.has(file)) cache.texts.set(file, existsSync(file) ? readFileSync(file, "utf8") : undefined);
  return cache.texts.get(file);
}

/** What a context file contributes to a hash: path, mode and content (or link target). */
const fileKey = (f: ContextFile) => (f.linkTarget !== undefined ? [f.path, "symlink", f.linkTarget] : [f.path, f.mode, sha256(f.data)]);

/** Paths relative to the step folder that must never be copied (the notebook, the .pipeline). */
function notebookPaths(plan: Plan, step: Step): string[] {
  const rel = (f: string) => path.posix.relative(step.context.dir || ".", f);
  return [...new Set([plan.source.file, step.source.file, ...step.code.map((b) => b.file)])].map(rel);
}

/** The step folder's files; what was left out is reported once per folder, on first listing. */
function folderFiles(plan: Plan, step: Step, cache: Cache, diagnostics: Diagnostic[]): FolderFile[] {
  const key = JSON.stringify([step.context, notebookPaths(plan, step)]);
  let files = cache.folders.get(key);
  if (!files) {
    const listing = listFolder(path.join(plan.root, step.context.dir), {
      include: step.context.include,
      exclude: notebookPaths(plan, step),
      root: plan.root,
    });
    files = listing.files;
    cache.folders.set(key, files);
    for (const s of listing.skipped) {
      const where = step.context.dir && step.context.dir !== "." ? `${step.context.dir}/${s.path}` : s.path;
      diagnostics.push({ level: "warning", message: describeSkipped({ ...s, path: where }), location: { file: step.source.file } });
    }
  }
  return files;
}

/**
 * The file whose packages a step installs: its notebook (Kale steps of one notebook share one
 * environment, as in Kale), or for an Elyra node its own notebook or script, since Elyra installs
 * each node's packages separately (two nodes may pin different versions of one package).
 */
function dependencySource(step: Step): string {
  if (step.source.node === undefined) return step.source.file;
  return step.script ?? step.code.find((b) => b.role === "step")?.file ?? step.code[0]?.file ?? `${step.source.file}#${step.source.node}`;
}

/** `stepBase`, once per step of a render. */
function cachedBase(plan: Plan, step: Step, options: RenderOptions, cache: Cache): string {
  let base = cache.bases.get(step);
  if (base === undefined) cache.bases.set(step, (base = stepBase(plan, step, options)));
  return base;
}

/** Steps sharing a dependency image with `step`: same base and same dependency source. */
function dependencyGroup(plan: Plan, step: Step, options: RenderOptions, cache: Cache): Step[] {
  const base = cachedBase(plan, step, options, cache);
  const source = dependencySource(step);
  return plan.steps.filter((s) => cachedBase(plan, s, options, cache) === base && dependencySource(s) === source);
}

/** Python source a step runs (its code blocks, or its script file). */
function stepSource(plan: Plan, step: Step, cache: Cache): string {
  if (step.kind === "script" && step.script) return readText(cache, path.join(plan.root, step.script)) ?? "";
  return step.code.map((b) => b.source).join("\n");
}

/** The dependency context of `step`'s set, rendered once per render (its warnings said once). */
function dependenciesOf(plan: Plan, step: Step, options: RenderOptions, cache: Cache, diagnostics: Diagnostic[]): DependencyContext {
  // What renderDependencies reads of the step: its base, its dependency source, its notebook's folder.
  const key = JSON.stringify([cachedBase(plan, step, options, cache), dependencySource(step), path.posix.dirname(step.source.file)]);
  let deps = cache.deps.get(key);
  if (!deps) cache.deps.set(key, (deps = renderDependencies(plan, step, options, cache, diagnostics)));
  return deps;
}

function renderDependencies(plan: Plan, step: Step, options: RenderOptions, cache: Cache, diagnostics: Diagnostic[]): DependencyContext {
  const base = cachedBase(plan, step, options, cache);
  const resolvedBase: ResolvedBase = options.bases?.[base] ?? { ref: base };
  const group = dependencyGroup(plan, step, options, cache);
  const reqFile = options.requirementsFile
    ? path.resolve(options.requirementsFile)
    : path.join(plan.root, path.posix.dirname(step.source.file), "requirements.txt");
  if (!options.requirementsFile && locate(path.join(plan.root, path.posix.dirname(step.source.file)), reqFile) === "outside") {
    // A link beside the notebook that leads out of its folder (to /etc/shadow, say): never read.
    throw NbbuildError.at(
      { file: path.relative(plan.root, reqFile) },
      "requirements.txt is a symbolic link to a file outside the notebook's folder",
      "replace the link by a copy of the file (nbbuild never reads files outside the folder), or pass --requirements FILE",
    );
  }
  const reqText = readText(cache, reqFile);
  if (options.requirementsFile && reqText === undefined) {
    throw NbbuildError.at({ file: options.requirementsFile }, "the requirements file does not exist", "pass an existing file to --requirements");
  }
  const fromFile = reqText ? parseRequirementsTxt(reqText) : { requirements: [], options: [] };
  if (fromFile.options.length) {
    diagnostics.push({
      level: "warning",
      message: `pip options in ${path.relative(plan.root, reqFile)} are ignored (${fromFile.options.join(" ")}); use --index-url/--extra-index-url/--find-links`,
      location: { file: path.relative(plan.root, reqFile) },
    });
  }
  const pipLines = group.flatMap((s) => s.requirements).filter((r) => !r.trim().startsWith("-"));
  const requirements = mergeRequirements(fromFile.requirements, pipLines);
  const named = new Set(requirements.map(requirementName).filter((n): n is string => !!n));
  // The folder's own modules (and .py files the code writes, `%%writefile helper.py`) are local.
  const local = localModules(group.flatMap((s) => [...folderFiles(plan, s, cache, diagnostics).map((f) => f.path), ...s.fileHints]));
  const modules = new Set(group.flatMap((s) => scanImportPaths(stepSource(plan, s, cache))));
  const imports = importRequirements(modules, local).filter((i) => !named.has(normalizeName(i.distribution)));

  // Local --find-links folders travel in the install stage's context (never in the final image).
  const linkFiles: ContextFile[] = [];
  const linkDirs: string[] = [];
  for (const [i, link] of (options.pip?.findLinks ?? []).filter((l) => !isUrl(l)).entries()) {
    const dir = path.resolve(link);
    let names: string[];
    try {
      names = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name).sort();
    } catch {
      throw NbbuildError.at({ file: link }, `--find-links ${link} is not a readable folder`, "pass a folder of wheels/sdists or a URL");
    }
    linkDirs.push(`/tmp/nbbuild-deps/find-links/${i}`);
    for (const n of names) linkFiles.push({ path: `nbbuild-deps/find-links/${i}/${n}`, data: readFileSync(path.join(dir, n)), mode: 0o664 });
  }
  const pub = publicPipOptions(options.pip ?? {});
  // Credentials never enter an engine: the builder fetches wheels on the host into this folder.
  const wheelhouse = pipHasCredentials(options.pip ?? {}) ? "nbbuild-deps/wheelhouse" : undefined;
  const spec = JSON.stringify({ requirements, imports, findLinks: linkDirs, noIndex: pub.noIndex, ...(wheelhouse ? { wheelhouse: `/tmp/${wheelhouse}` } : {}) }, null, 1) + "\n";
  const installer = templateBytes("install-deps.py");
  const key = {
    base,
    from: resolvedBase.ref,
    digest: resolvedBase.digest ?? "",
    id: resolvedBase.digest ? "" : (resolvedBase.id ?? ""),
    // null: the base's user is unknown (rendered without an engine), so the install stage switches to root.
    user: resolvedBase.user ?? null,
    requirements,
    imports,
    pip: pub,
    findLinkFiles: linkFiles.map((f) => [f.path, sha256(f.data)]),
    wheelhouse: !!wheelhouse,
    template: sha256(templateBytes("Containerfile.deps.hbs")),
    installer: sha256(installer),
    env: appEnv(),
  };
  const hash = hashJson(key);
  // Declare only the build args this build passes (each ARG is one more step for the builder).
  const buildArgs = wheelhouse ? [] : Object.keys(pipBuildArgs(key.pip)).sort();
  const image: ImageDescription = {
    from: resolvedBase.ref,
    dirs: { paths: [contract.APP_ROOT, contract.APP_SRC, contract.APP_NBBUILD, contract.APP_DEPS], uid: contract.IMAGE_UID, gid: 0 },
    layers: [],
    packages: { requirements, imports },
    config: { env: appEnv(), user: String(contract.IMAGE_UID), workdir: contract.APP_SRC },
    created: options.provenance?.created ?? EPOCH_TIME,
  };
  const containerfile = renderTemplate("Containerfile.deps.hbs", {
    hash,
    base: resolvedBase.ref,
    buildArgs,
    uid: contract.IMAGE_UID,
    appRoot: contract.APP_ROOT,
    appParent: path.posix.dirname(contract.APP_ROOT),
    config: containerfileBody(image),
    switchToRoot: resolvedBase.user === undefined || !/^(|root|0|0:0|root:root)$/.test(resolvedBase.user),
  });
  const files: ContextFile[] = [
    { path: CONTAINERFILE, data: Buffer.from(containerfile), mode: 0o664 },
    { path: "nbbuild-deps/install.py", data: installer, mode: 0o664 },
    { path: "nbbuild-deps/requirements.json", data: Buffer.from(spec), mode: 0o664 },
    ...linkFiles,
  ];
  return {
    tag: `nbbuild-deps:${hash.slice(0, 24)}`, hash, base, resolvedBase, requirements, imports, files, containerfile: CONTAINERFILE, image,
    ...(wheelhouse ? { wheelhouse } : {}),
    ...(reqText !== undefined ? { requirementsFile: options.requirementsFile ?? path.relative(plan.root, reqFile) } : {}),
  };
}

function renderWith(plan: Plan, step: Step, options: RenderOptions, cache: Cache): RenderedStep {
  const diagnostics: Diagnostic[] = [];
  const deps = dependenciesOf(plan, step, options, cache, diagnostics);
  const folder = folderFiles(plan, step, cache, diagnostics);
  const size = folder.reduce((n, f) => n + f.data.length, 0);
  if (size > FOLDER_WARN_BYTES) {
    diagnostics.push({
      level: "warning",
      message: `the folder ${step.context.dir || "."} copied into step ${step.name} holds ${(size / 1048576).toFixed(0)} MB; list files in .gitignore or the step's context to keep images small`,
      location: { file: step.source.file },
    });
  }
  // The folder goes into an image of its own (shared by the notebook's steps), so each step
  // image adds one small layer: runner + step module.
  const created = options.provenance?.created ?? EPOCH_TIME;
  let folderCtx: FolderContext | undefined;
  if (folder.length) {
    const image: ImageDescription = {
      from: deps.tag,
      layers: [{ contextDir: "src", dest: contract.APP_SRC, uid: contract.IMAGE_UID, gid: 0, files: folder }],
      config: {},
      created,
    };
    const cf = renderContainerfile(image, ["nbbuild folder image: the notebook's working folder on top of its dependency image."]);
    const srcFiles = layerContextFiles(image);
    const hash = hashJson({ deps: deps.hash, containerfile: cf, files: srcFiles.map(fileKey) });
    srcFiles.push({ path: CONTAINERFILE, data: Buffer.from(cf), mode: 0o664 });
    folderCtx = { tag: `nbbuild-src:${hash.slice(0, 24)}`, hash, files: srcFiles, containerfile: CONTAINERFILE, image };
  }
  // One small layer per step: runner + step module, so a one-cell edit rebuilds only it.
  const stepLayer: LayerDescription = {
    contextDir: "nbbuild",
    dest: contract.APP_NBBUILD,
    uid: contract.IMAGE_UID,
    gid: 0,
    files: [
      ...runnerFiles().map((f) => ({ ...f, path: f.path.slice("nbbuild/".length) })),
      { path: "step.py", data: Buffer.from(renderStepModule(plan, step)), mode: 0o664 },
    ],
  };
  const files: ContextFile[] = layerContextFiles({ layers: [stepLayer] });
  const fixedLabels: Record<string, string> = {
    "io.nbbuild.plan": plan.name,
    "io.nbbuild.step": step.name,
    "io.nbbuild.notebook": step.source.file,
    "io.nbbuild.version": VERSION,
  };
  const describe = (labels: Record<string, string>): ImageDescription => ({
    from: folderCtx?.tag ?? deps.tag,
    layers: [stepLayer],
    config: { labels },
    created,
  });
  const comment = [
    `nbbuild step image ${step.name} of ${plan.name}: runner + step code on top of the folder image.`,
    `USER ${contract.IMAGE_UID} and WORKDIR ${contract.APP_SRC} are inherited.`,
  ];
  const body = renderContainerfile(describe(fixedLabels), comment);
  const contentHash = hashJson({
    deps: deps.hash,
    folder: folderCtx?.hash ?? "",
    containerfile: body,
    files: files.map((f) => [f.path, f.mode, sha256(f.data)]),
  });
  const prov = options.provenance;
  const labels: Record<string, string> = {
    "org.opencontainers.image.source": prov?.source ?? step.source.file,
    "org.opencontainers.image.revision": prov?.revision ?? "",
    "org.opencontainers.image.created": created,
    "org.opencontainers.image.title": `${plan.name}-${step.name}`,
    ...fixedLabels,
    "io.nbbuild.notebook-digest": prov?.notebookDigest ?? "",
    "io.nbbuild.content-hash": contentHash,
    "io.nbbuild.dependency-hash": deps.hash,
  };
  const image = describe(labels);
  files.push({ path: CONTAINERFILE, data: Buffer.from(renderContainerfile(image, comment)), mode: 0o664 });
  return {
    step: step.name,
    tag: `${stepRepository(plan, step)}:${contentHash.slice(0, 24)}`,
    contentHash,
    deps,
    ...(folderCtx ? { folder: folderCtx } : {}),
    labels,
    diagnostics,
    files,
    containerfile: CONTAINERFILE,
    image,
  };
}

/**
 * Renders one step's build contexts (dependency image and step image) from the plan: a pure
 * function of the plan, the options, the templates and the step folder's files.
 */
export function renderStep(plan: Plan, step: Step, options: RenderOptions = {}): RenderedStep {
  return renderWith(plan, step, options, newCache());
}

/** Renders every step of a plan (in plan order), reading each folder once. */
export function renderPlan(plan: Plan, options: RenderOptions = {}): RenderedStep[] {
  const cache = newCache();
  return plan.steps.map((s) => renderWith(plan, s, options, cache));
}
