/**
 * Installing wheels without running Python, the way pip does it (PEP 427 and the installation
 * rules pip follows): the root of the archive goes to the site folder, each `.data/` folder to its
 * scheme folder (purelib/platlib → site, scripts → bin, data → the data root, headers →
 * include/<name>), `#!python` script shebangs and console-script wrappers point at the image's
 * Python, and the dist-info gets INSTALLER and a RECORD of the installed paths. The files are
 * returned as layer entries; the caller writes the layer.
 */
import { createHash } from "node:crypto";
import path from "node:path";
import { normalizeName } from "../../render/requirements.js";
import type { LayerEntry } from "./layer.js";
import { readZip } from "./zip.js";

/** Where an installation puts things (paths inside the image, without a leading `/`). */
export interface InstallScheme {
  /** purelib and platlib (on PYTHONPATH). */
  site: string;
  /** Console scripts and `.data/scripts` (on PATH). */
  scripts: string;
  /** Root of `.data/data`. */
  data: string;
  /** Root of `.data/headers` (a folder per distribution below it). */
  headers: string;
  /** The image's interpreter, for shebangs (`/usr/bin/python3`). */
  python: string;
  uid: number;
  gid: number;
}

/** One distribution installed from a wheel. */
export interface InstalledWheel {
  name: string;
  version: string;
  /** Its files, folders left to the caller (see `withParents`). */
  entries: LayerEntry[];
}

/** The urlsafe, unpadded sha256 RECORD uses. */
const recordHash = (data: Buffer) => `sha256=${createHash("sha256").update(data).digest("base64url")}`;

/** Rows of a RECORD file (a CSV of path, hash, size; paths may be quoted). */
export function parseRecord(text: string): string[][] {
  const rows: string[][] = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const cells: string[] = [];
    let cell = "";
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i]!;
      if (quoted) {
        if (ch === '"' && line[i + 1] === '"') (cell += '"'), i++;
        else if (ch === '"') quoted = false;
        else cell += ch;
      } else if (ch === '"') quoted = true;
      else if (ch === ",") cells.push(cell), (cell = "");
      else cell += ch;
    }
    cells.push(cell);
    rows.push(cells);
  }
  return rows;
}

/** One RECORD row as CSV (quoted when the path holds a comma or quote). */
const csvRow = (cells: string[]) => cells.map((c) => (/[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(",");

/** `[section] name = value` pairs of an entry_points.txt. */
function entryPoints(text: string): Map<string, [string, string][]> {
  const sections = new Map<string, [string, string][]>();
  let current: [string, string][] | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith(";")) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = [];
      sections.set(section[1]!.trim(), current);
      continue;
    }
    const eq = line.indexOf("=");
    if (current && eq > 0) current.push([line.slice(0, eq).trim(), line.slice(eq + 1).trim()]);
  }
  return sections;
}

/** The wrapper pip writes for a console script `module:attr` (distlib's template). */
export function consoleScript(python: string, spec: string, where: string): Buffer {
  const m = /^([\w.]+)\s*:\s*([\w.]+)\s*(\[.*\])?$/.exec(spec);
  if (!m) throw new Error(`${where}: the entry point "${spec}" is not of the form module:function`);
  const [, module, attr] = m;
  return Buffer.from(
    `#!${python}\n# -*- coding: utf-8 -*-\nimport re\nimport sys\nfrom ${module} import ${attr!.split(".")[0]}\n` +
      `if __name__ == '__main__':\n    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n    sys.exit(${attr}())\n`,
  );
}

/** A path inside the wheel that stays inside its folder (no `..`, not absolute). */
function safeRelative(name: string, wheel: string): string {
  const parts = name.split("/");
  if (name.startsWith("/") || name.includes("\\") || parts.some((p) => p === ".." || p === ".") || /^[A-Za-z]:/.test(name)) {
    throw new Error(`${wheel}: the member ${JSON.stringify(name)} would land outside the install folder`);
  }
  return parts.filter(Boolean).join("/");
}

/**
 * Installs one wheel (its file name and bytes) into `scheme`. Checks each member against the
 * wheel's RECORD; `requested` marks a distribution the user asked for (pip's REQUESTED file).
 */
export function installWheel(fileName: string, wheel: Buffer, scheme: InstallScheme, requested = false): InstalledWheel {
  const parsed = /^([^-]+)-([^-]+)(?:-\d[^-]*)?-[^-]+-[^-]+-[^-]+\.whl$/.exec(fileName);
  if (!parsed) throw new Error(`${fileName} is not a wheel file name`);
  const members = readZip(wheel).filter((e) => !e.directory);
  const byName = new Map(members.map((e) => [e.name, e]));
  const infoDir = [...byName.keys()].map((n) => n.split("/")).find((p) => p.length === 2 && p[1] === "WHEEL" && p[0]!.endsWith(".dist-info"))?.[0];
  if (!infoDir || normalizeName(infoDir.slice(0, infoDir.indexOf("-"))) !== normalizeName(parsed[1]!)) {
    throw new Error(`${fileName} has no ${parsed[1]}-${parsed[2]}.dist-info/WHEEL`);
  }
  const wheelMeta = byName.get(`${infoDir}/WHEEL`)!.read().toString("utf8");
  if (!/^Wheel-Version:\s*1\./m.test(wheelMeta)) throw new Error(`${fileName}: unsupported ${/^Wheel-Version:.*$/m.exec(wheelMeta)?.[0] ?? "Wheel-Version"}`);
  const metadata = byName.get(`${infoDir}/METADATA`)?.read().toString("utf8") ?? "";
  const name = /^Name:\s*(.+)$/m.exec(metadata)?.[1]?.trim() ?? parsed[1]!;
  const version = /^Version:\s*(.+)$/m.exec(metadata)?.[1]?.trim() ?? parsed[2]!;
  const dataDir = infoDir.replace(/\.dist-info$/, ".data");

  // The wheel's own RECORD: each member must match it (a corrupted or tampered download fails).
  const recorded = new Map(parseRecord(byName.get(`${infoDir}/RECORD`)?.read().toString("utf8") ?? "").map((r) => [r[0]!, r[1] ?? ""]));
  const { uid, gid } = scheme;
  const out = new Map<string, LayerEntry>();
  const put = (at: string, data: Buffer, executable: boolean) => out.set(at, { path: at, type: "file", mode: executable ? 0o775 : 0o664, uid, gid, data });
  for (const member of members) {
    const rel = safeRelative(member.name, fileName);
    if (rel === `${infoDir}/RECORD` || /^[^/]+\.dist-info\/RECORD\.(jws|p7s)$/.test(rel)) continue;
    let data = member.read();
    const hash = recorded.get(member.name);
    if (hash && hash !== recordHash(data)) throw new Error(`${fileName}: ${member.name} does not match the wheel's RECORD`);
    const executable = ((member.mode ?? 0) & 0o111) !== 0;
    if (!rel.startsWith(`${dataDir}/`)) {
      put(`${scheme.site}/${rel}`, data, executable);
      continue;
    }
    const [, key, ...rest] = rel.split("/");
    const inner = rest.join("/");
    if (!inner) continue;
    if (key === "purelib" || key === "platlib") put(`${scheme.site}/${inner}`, data, executable);
    else if (key === "data") put(`${scheme.data}/${inner}`, data, executable);
    else if (key === "headers") put(`${scheme.headers}/${name}/${inner}`, data, executable);
    else if (key === "scripts") {
      // pip's rule: a `#!python` (or `#!pythonw`) first line becomes the interpreter's path.
      if (data.subarray(0, 8).toString("latin1") === "#!python") {
        const eol = data.indexOf(0x0a);
        data = Buffer.concat([Buffer.from(`#!${scheme.python}`), eol < 0 ? Buffer.from("\n") : data.subarray(eol)]);
      }
      put(`${scheme.scripts}/${inner}`, data, true);
    } else throw new Error(`${fileName}: unknown scheme folder ${dataDir}/${key}`);
  }
  const points = entryPoints(byName.get(`${infoDir}/entry_points.txt`)?.read().toString("utf8") ?? "");
  for (const section of ["console_scripts", "gui_scripts"]) {
    for (const [script, spec] of points.get(section) ?? []) {
      if (!/^[\w.-]+$/.test(script)) throw new Error(`${fileName}: the script name ${JSON.stringify(script)} is not a plain file name`);
      put(`${scheme.scripts}/${script}`, consoleScript(scheme.python, spec, fileName), true);
    }
  }
  const info = `${scheme.site}/${infoDir}`;
  put(`${info}/INSTALLER`, Buffer.from("nbbuild\n"), false);
  if (requested) put(`${info}/REQUESTED`, Buffer.alloc(0), false);
  // RECORD lists every installed path relative to the site folder, sorted as pip writes it.
  const rows = [...out.values()].map((e) => [path.posix.relative(scheme.site, e.path), recordHash(e.data!), String(e.data!.length)]);
  rows.push([`${infoDir}/RECORD`, "", ""]);
  rows.sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0));
  put(`${info}/RECORD`, Buffer.from(rows.map(csvRow).join("\n") + "\n"), false);
  return { name, version, entries: [...out.values()] };
}
