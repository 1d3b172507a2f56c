/**
 * `nbbuild openshift builder-image`: builds the S2I builder image from builder-image/Containerfile
 * on a Python base, with this nbbuild (dist, templates, production node_modules), the Node.js
 * binary running it, and the S2I scripts from s2i/bin.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import type { Builder, ContextFile, ImageInfo } from "../engines/engine.js";
import { NbbuildError } from "../errors.js";
import { resolveBase } from "../images/build-images.js";
import { defaultBuilderTag } from "../openshift/defaults.js";
import { PACKAGE_ROOT, VERSION } from "../version.js";
import type { BuilderBase } from "./builder-base.js";

/** Default tag of the builder image. */

/** Every regular file under `dir` (relative POSIX paths), in sorted order. */
function filesUnder(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const e of readdirSync(path.join(dir, prefix), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...filesUnder(dir, rel));
    else if (e.isFile()) out.push(rel);
  }
  return out;
}

/** A host file as a context file; executables keep x (0775), others 0664. */
function hostFile(abs: string, contextPath: string): ContextFile {
  const exec = (statSync(abs).mode & 0o100) !== 0;
  return { path: contextPath, data: readFileSync(abs), mode: exec ? 0o775 : 0o664 };
}

/** Folders (relative to the package) of the production dependencies, from npm's own resolution. */
function productionModules(): string[] {
  let out: string;
  try {
    out = execFileSync("npm", ["ls", "--omit=dev", "--parseable", "--all"], { cwd: PACKAGE_ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    out = String((err as { stdout?: string }).stdout ?? "");
  }
  const dirs = out.split("\n").map((l) => l.trim()).filter(Boolean).map((d) => path.relative(PACKAGE_ROOT, d)).filter((d) => d !== "");
  if (!dirs.length || dirs.some((d) => d.startsWith(".."))) {
    throw NbbuildError.at({ file: path.join(PACKAGE_ROOT, "node_modules") }, "cannot list nbbuild's production node_modules inside the package", "run `npm ci` in the nbbuild checkout that builds the builder image");
  }
  return dirs;
}

/**
 * In a checkout (src/ beside dist/), the source file newer than the compiled CLI, if any. The
 * builder image carries dist/, so a dist older than the source would render steps with other code
 * than this nbbuild: assemble's content hashes would not be the host's.
 */
export function staleDist(root = PACKAGE_ROOT): string | undefined {
  const src = path.join(root, "src");
  const main = path.join(root, "dist", "cli", "main.js");
  if (!existsSync(src) || !existsSync(main)) return undefined;
  const built = statSync(main).mtimeMs;
  return filesUnder(src).find((f) => f.endsWith(".ts") && statSync(path.join(src, f)).mtimeMs > built);
}

/** The builder image's build context: Containerfile, node binary, nbbuild, S2I scripts. */
export function builderContext(nodeBinary = process.execPath): { files: ContextFile[]; containerfile: string } {
  const dist = path.join(PACKAGE_ROOT, "dist");
  if (!existsSync(path.join(dist, "cli", "main.js"))) {
    throw NbbuildError.at({ file: dist }, "nbbuild is not compiled (no dist/cli/main.js): the builder image carries the compiled CLI", "run `npm run build` first");
  }
  const stale = staleDist();
  if (stale) {
    throw NbbuildError.at({ file: path.join(PACKAGE_ROOT, "src", stale) }, "this source file is newer than the compiled nbbuild in dist/, which the builder image carries: its steps would render with older code than this nbbuild's", "run `npm run build` first");
  }
  const files: ContextFile[] = [
    hostFile(path.join(PACKAGE_ROOT, "builder-image", "Containerfile"), "Containerfile"),
    { ...hostFile(nodeBinary, "node/bin/node"), mode: 0o775 },
    hostFile(path.join(PACKAGE_ROOT, "package.json"), "nbbuild/package.json"),
  ];
  for (const folder of ["bin", "dist", "templates"]) {
    for (const f of filesUnder(path.join(PACKAGE_ROOT, folder))) files.push(hostFile(path.join(PACKAGE_ROOT, folder, f), `nbbuild/${folder}/${f}`));
  }
  for (const mod of productionModules()) {
    const abs = path.join(PACKAGE_ROOT, mod);
    for (const f of filesUnder(abs)) {
      // Nested node_modules are listed by npm on their own.
      if (f.split("/").includes("node_modules")) continue;
      files.push(hostFile(path.join(abs, f), `nbbuild/${mod.split(path.sep).join("/")}/${f}`));
    }
  }
  for (const f of filesUnder(path.join(PACKAGE_ROOT, "s2i", "bin"))) files.push({ ...hostFile(path.join(PACKAGE_ROOT, "s2i", "bin", f), `s2i/bin/${f}`), mode: 0o775 });
  return { files, containerfile: "Containerfile" };
}

export interface BuilderImageResult {
  tag: string;
  info: ImageInfo;
  base: BuilderBase;
  cached: boolean;
}

/**
 * Builds the builder image `tag` on `baseRef` with `engine` (the base is pulled and pinned first,
 * so the recorded base names exact bytes). An existing image with the same tag, version and
 * base is reused.
 */
export async function buildBuilderImage(engine: Builder, baseRef: string, tag = defaultBuilderTag(), onLog?: (line: string) => void): Promise<BuilderImageResult> {
  const resolved = await resolveBase(engine, baseRef);
  const base: BuilderBase = { ref: resolved.ref, user: resolved.user ?? "" };
  const context = builderContext();
  const existing = await engine.inspect(tag);
  const buildArgs = { BASE: base.ref, BASE_USER: base.user, NBBUILD_VERSION: VERSION };
  const info = await engine.build(context, tag, { buildArgs, network: "none", onLog });
  return { tag, info, base, cached: existing?.id === info.id };
}
