/**
 * Dependencies without an engine: the zip reader, the wheel unpacker (site files, `.data` dirs,
 * console scripts, RECORD, modes) on wheels python3's zipfile writes here, and the oci builder
 * installing them from a local wheel folder onto a small base read from a 127.0.0.1 registry: the
 * same layer digest from two fresh stores, and NeedsEngine for an sdist-only requirement.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { downloadWheels } from "../../../src/engines/host-pip.js";
import { OciBuilder } from "../../../src/engines/oci/builder.js";
import { NbbuildError } from "../../../src/errors.js";
import { NeedsEngine } from "../../../src/engines/oci/needs-engine.js";
import { installWheel, parseRecord, type InstallScheme } from "../../../src/engines/oci/wheel-install.js";
import { findPython, platformTags } from "../../../src/engines/oci/wheel-target.js";
import { readZip } from "../../../src/engines/oci/zip.js";
import type { ImageDescription } from "../../../src/render/image-description.js";
import { pushOneLayerImage } from "../../support/oci-image.js";
import { buildSdist, buildWheel } from "../../support/pip-index.js";
import { startTestRegistry, type TestRegistry } from "../../support/registry-server.js";
import { readTar } from "../../support/tar.js";
import { cleanTemps, tempDir } from "../../support/temp.js";

const SCHEME: InstallScheme = {
  site: "opt/app-root/deps",
  scripts: "opt/app-root/deps/bin",
  data: "opt/app-root/deps",
  headers: "opt/app-root/deps/include",
  python: "/usr/bin/python3",
  uid: 1001,
  gid: 0,
};

/** A pure package with a console script, a `.data/scripts` file, data and a header. */
function demoWheel(dir: string, extras: { zip64?: boolean; files?: Record<string, string> } = {}): string {
  const data = "demo_pkg-1.0.data";
  return buildWheel(dir, "demo-value", "demo-pkg", "1.0", {
    zip64: extras.zip64,
    files: {
      "demo_pkg/cli.py": "import sys\ndef main():\n    print('demo says', ' '.join(sys.argv[1:]))\n    return 0\n",
      [`${data}/scripts/demo-tool`]: "#!python\nimport demo_pkg\nprint('tool', demo_pkg.VALUE)\n",
      [`${data}/data/share/demo/readme.txt`]: "shared data\n",
      [`${data}/headers/demo.h`]: "#define DEMO 1\n",
      ...extras.files,
    },
    modes: { [`${data}/scripts/demo-tool`]: 0o755 },
    entryPoints: "[console_scripts]\ndemo = demo_pkg.cli:main\n",
  });
}

const b64 = (b: Buffer) => `sha256=${createHash("sha256").update(b).digest("base64url")}`;

afterAll(cleanTemps);

describe("zip reader", () => {
  it("reads deflated members and zip64 archives as python3's zipfile wrote them", () => {
    const dir = tempDir("nbbuild-zip-");
    for (const zip64 of [false, true]) {
      const file = demoWheel(dir, { zip64 });
      const entries = readZip(readFileSync(file));
      const listed = execFileSync("python3", ["-c", "import sys, zipfile; print('\\n'.join(zipfile.ZipFile(sys.argv[1]).namelist()))", file], { encoding: "utf8" });
      expect(entries.map((e) => e.name)).toEqual(listed.trim().split("\n"));
      expect(entries.find((e) => e.name === "demo_pkg/__init__.py")!.read().toString()).toBe("VALUE = 'demo-value'\n");
      expect(entries.find((e) => e.name.endsWith("scripts/demo-tool"))!.mode).toBe(0o755);
    }
  });

  it("refuses what is not a zip", () => {
    expect(() => readZip(Buffer.from("not a zip at all, just text that is long enough"))).toThrow(/not a readable zip archive/);
  });
});

describe("wheel unpacker", () => {
  it("installs site files, .data dirs and console scripts with a RECORD of the install location", () => {
    const file = demoWheel(tempDir("nbbuild-whl-"));
    const w = installWheel(path.basename(file), readFileSync(file), SCHEME, true);
    expect([w.name, w.version]).toEqual(["demo-pkg", "1.0"]);
    const byPath = new Map(w.entries.map((e) => [e.path, e]));
    expect([...byPath.keys()].sort()).toEqual([
      "opt/app-root/deps/bin/demo",
      "opt/app-root/deps/bin/demo-tool",
      "opt/app-root/deps/demo_pkg-1.0.dist-info/INSTALLER",
      "opt/app-root/deps/demo_pkg-1.0.dist-info/METADATA",
      "opt/app-root/deps/demo_pkg-1.0.dist-info/RECORD",
      "opt/app-root/deps/demo_pkg-1.0.dist-info/REQUESTED",
      "opt/app-root/deps/demo_pkg-1.0.dist-info/WHEEL",
      "opt/app-root/deps/demo_pkg-1.0.dist-info/entry_points.txt",
      "opt/app-root/deps/demo_pkg/__init__.py",
      "opt/app-root/deps/demo_pkg/cli.py",
      "opt/app-root/deps/include/demo-pkg/demo.h",
      "opt/app-root/deps/share/demo/readme.txt",
    ]);
    for (const e of w.entries) {
      expect([e.uid, e.gid, e.type], e.path).toEqual([1001, 0, "file"]);
      expect(e.mode, e.path).toBe(e.path.includes("/bin/") ? 0o775 : 0o664);
    }
    const text = (p: string) => byPath.get(`opt/app-root/deps/${p}`)!.data!.toString();
    // `#!python` becomes the image's interpreter; the console script is pip's wrapper.
    expect(text("bin/demo-tool")).toBe("#!/usr/bin/python3\nimport demo_pkg\nprint('tool', demo_pkg.VALUE)\n");
    expect(text("bin/demo")).toMatch(/^#!\/usr\/bin\/python3\n/);
    expect(text("bin/demo")).toContain("from demo_pkg.cli import main\n");
    expect(text("demo_pkg-1.0.dist-info/INSTALLER")).toBe("nbbuild\n");
    // RECORD: every installed file, relative to the site folder, with its hash and size; sorted.
    const rows = parseRecord(text("demo_pkg-1.0.dist-info/RECORD"));
    expect(rows.map((r) => r[0])).toEqual([...byPath.keys()].map((p) => path.posix.relative(SCHEME.site, p)).sort());
    for (const [p, hash, size] of rows) {
      if (p === "demo_pkg-1.0.dist-info/RECORD") expect([hash, size]).toEqual(["", ""]);
      else expect([hash, size], p).toEqual([b64(byPath.get(`${SCHEME.site}/${p}`)!.data!), String(byPath.get(`${SCHEME.site}/${p}`)!.data!.length)]);
    }
  });

  it("gives a tree a real python3 imports and runs (package, console script, data script)", () => {
    const file = demoWheel(tempDir("nbbuild-whl-"));
    const root = tempDir("nbbuild-whl-root-");
    for (const e of installWheel(path.basename(file), readFileSync(file), SCHEME).entries) {
      const at = path.join(root, e.path);
      mkdirSync(path.dirname(at), { recursive: true });
      writeFileSync(at, e.data!);
      chmodSync(at, e.mode);
    }
    const site = path.join(root, SCHEME.site);
    const env = { ...process.env, PYTHONPATH: site };
    expect(execFileSync("python3", [path.join(site, "bin/demo"), "hello"], { env, encoding: "utf8" })).toBe("demo says hello\n");
    expect(execFileSync("python3", [path.join(site, "bin/demo-tool")], { env, encoding: "utf8" })).toBe("tool demo-value\n");
    // importlib.metadata reads the installed dist-info (RECORD, entry points) as pip left it.
    const meta = "import importlib.metadata as m; d = m.distribution('demo-pkg'); print(d.version, len(d.files), [e.name for e in d.entry_points])";
    expect(execFileSync("python3", ["-c", meta], { env, encoding: "utf8" }).trim()).toBe("1.0 11 ['demo']");
  });

  it("refuses a member that does not match the wheel's RECORD, and a path outside the install folder", () => {
    const dir = tempDir("nbbuild-whl-bad-");
    const file = demoWheel(dir);
    // Rewrite one member after the RECORD was written (same length, other bytes).
    execFileSync("python3", ["-c", `
import sys, zipfile
src = zipfile.ZipFile(sys.argv[1]); out = zipfile.ZipFile(sys.argv[2], "w")
for i in src.infolist():
    data = src.read(i)
    out.writestr(i, data.replace(b"demo-value", b"evil-value") if i.filename == "demo_pkg/__init__.py" else data)
out.close()`, file, path.join(dir, "tampered.whl")]);
    expect(() => installWheel("demo_pkg-1.0-py3-none-any.whl", readFileSync(path.join(dir, "tampered.whl")), SCHEME)).toThrow(/demo_pkg\/__init__.py does not match the wheel's RECORD/);
    const escape = demoWheel(tempDir("nbbuild-whl-esc-"), { files: { "../../etc/evil": "x" } });
    expect(() => installWheel(path.basename(escape), readFileSync(escape), SCHEME)).toThrow(/would land outside the install folder/);
  });
});

describe("pip on this machine", () => {
  it("says when pip did not run at all, without credentials", async () => {
    const err = await downloadWheels({ requirements: ["demo-pkg"], pip: { indexUrl: "http://user:secret-pw@127.0.0.1:9/simple" }, dest: tempDir("nbbuild-dl-"), python: "/nonexistent/python3" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NbbuildError);
    expect((err as Error).message).toMatch(/fetching demo-pkg on this machine failed \(pip download exited without running\): .*ENOENT/);
    expect((err as Error).message).not.toContain("secret-pw");
  });
});

describe("wheel target of an image", () => {
  it("follows PATH and links to the interpreter; manylinux tags from glibc's version", () => {
    const interpreters = [
      { path: "/usr/bin/python3", target: "python3.11" },
      { path: "/usr/bin/python3.11" },
      { path: "/opt/venv/bin/python3", target: "python" },
    ];
    expect(findPython({ interpreters, pythonVersions: ["3.11"] }, "/usr/local/bin:/usr/bin:/bin")).toEqual({ python: "/usr/bin/python3", version: "3.11" });
    expect(findPython({ interpreters, pythonVersions: [] }, "/bin")).toBeUndefined();
    const tags = platformTags({ family: "glibc", version: "2.36" }, "x86_64");
    expect(tags[0]).toBe("manylinux_2_36_x86_64");
    expect(tags).toEqual(expect.arrayContaining(["manylinux_2_17_x86_64", "manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64", "linux_x86_64"]));
    expect(platformTags({ family: "glibc", version: "2.28" }, "aarch64")).not.toContain("manylinux2010_aarch64");
    expect(platformTags(undefined, "x86_64")).toEqual(["linux_x86_64"]);
  });
});

describe("oci builder: dependencies from wheels, without an engine", () => {
  let reg: TestRegistry;
  let base: string;
  let wheels: string;

  beforeAll(async () => {
    reg = await startTestRegistry();
    base = await pushPythonBase(reg);
    wheels = tempDir("nbbuild-wheels-");
    demoWheel(wheels);
    buildSdist(wheels, "sdist-value", "sdist-only", "0.2.0");
  });
  afterAll(() => reg?.close());

  /** The description of a dependency image that needs `requirements` on the base. */
  const depsImage = (requirements: string[]): ImageDescription => ({
    from: base,
    dirs: { paths: ["/opt/app-root", "/opt/app-root/src", "/opt/app-root/nbbuild", "/opt/app-root/deps"], uid: 1001, gid: 0 },
    layers: [],
    packages: { requirements, imports: [] },
    config: { env: [["PYTHONPATH", "/opt/app-root/deps"]], user: "1001", workdir: "/opt/app-root/src" },
    created: "2023-11-14T22:13:20Z",
  });
  const pip = () => ({ findLinks: [wheels], noIndex: true });

  it("installs a wheel into its own layer: the same digest from two fresh stores, the engines' marker", async () => {
    const digests: string[] = [];
    for (let i = 0; i < 2; i++) {
      const builder = new OciBuilder({ storeDir: tempDir("nbbuild-store-") });
      const logs: string[] = [];
      await builder.build({ files: [], containerfile: "Containerfile", image: depsImage(["demo-pkg==1.0"]) }, "nbbuild-deps:demo", { pip: pip(), onLog: (l) => logs.push(l) });
      expect(logs.join("\n")).toContain("installing demo-pkg==1.0 from 1 wheel(s) for CPython 3.11 on manylinux_2_36_x86_64, without an engine");
      const img = builder.image("nbbuild-deps:demo")!;
      expect(img.manifest.layers).toHaveLength(3); // base, app-root layout, packages
      digests.push(img.manifest.layers[2]!.digest);
      const pkgs = await layerFiles(builder.store.readBlob(img.manifest.layers[2]!.digest));
      const names = pkgs.map((e) => e.name.replace(/\/$/, ""));
      expect(names).toEqual([...names].sort());
      expect(names).toContain("opt/app-root/deps/bin/demo");
      expect(names).toContain("opt/app-root/deps/demo_pkg-1.0.dist-info/RECORD");
      for (const e of pkgs) {
        expect([e.uid, e.gid, e.mtime], e.name).toEqual([1001, 0, 1700000000]);
        expect((e.mode >> 3) & 0o7, `${e.name}: group bits equal user bits`).toBe((e.mode >> 6) & 0o7);
        expect(e.mode & 0o020, `${e.name} group-writable`).toBe(0o020);
      }
      const layout = await layerFiles(builder.store.readBlob(img.manifest.layers[1]!.digest));
      expect(layout.find((e) => e.name === "opt/app-root/deps/.nbbuild-installed.json")!.data.toString()).toBe('{"installed": ["demo-pkg==1.0"]}');
      expect(img.config.history?.at(-2)?.created_by).toBe("nbbuild: installed demo_pkg-1.0-py3-none-any.whl into /opt/app-root/deps (wheels unpacked, no engine)");
    }
    expect(digests[1]).toBe(digests[0]);
  });

  it("reads specifiers and markers by pip's rules against the base's distributions", async () => {
    const builder = new OciBuilder({ storeDir: tempDir("nbbuild-store-") });
    // Satisfied by the base's basepkg 1.5.3, or not asked for on Python 3.11: nothing to install.
    const met = ["basepkg>=1.0,<2", 'nothere==1.0; python_version < "3.0"'];
    await builder.build({ files: [], containerfile: "Containerfile", image: depsImage(met) }, "nbbuild-deps:met", { pip: pip() });
    const img = builder.image("nbbuild-deps:met")!;
    expect(img.manifest.layers).toHaveLength(2); // base, app-root layout
    const layout = await layerFiles(builder.store.readBlob(img.manifest.layers[1]!.digest));
    expect(layout.find((e) => e.name === "opt/app-root/deps/.nbbuild-installed.json")!.data.toString()).toBe('{"installed": []}');
    // A newer basepkg is needed: it must be fetched (and this wheel folder has none).
    const err = await builder.build({ files: [], containerfile: "Containerfile", image: depsImage(["basepkg>=2", "demo-pkg"]) }, "nbbuild-deps:unmet", { pip: pip() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NeedsEngine);
    expect((err as NeedsEngine).requirements).toEqual(["basepkg"]);
  });

  it("signals NeedsEngine, naming the requirement, when it exists only as an sdist", async () => {
    const builder = new OciBuilder({ storeDir: tempDir("nbbuild-store-") });
    const err = await builder.build({ files: [], containerfile: "Containerfile", image: depsImage(["sdist-only==0.2.0"]) }, "nbbuild-deps:sdist", { pip: pip() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NeedsEngine);
    expect((err as NeedsEngine).requirements).toEqual(["sdist-only"]);
    expect((err as Error).message).toBe("no wheel of sdist-only (or of a dependency) for CPython 3.11 on manylinux_2_36_x86_64 could be fetched");
    expect(builder.image("nbbuild-deps:sdist")).toBeUndefined();
  });
});

/** name, mode, uid, gid, mtime and bytes of each entry of a gzipped layer. */
const layerFiles = (blob: Buffer) => readTar(blob, { gzipped: true });

/** Pushes a one-layer base laid out as Debian's python3.11 (interpreter link, glibc 2.36); returns it pinned. */
function pushPythonBase(r: TestRegistry): Promise<string> {
  const f = (p: string, text: string, mode = 0o644) => ({ path: p, type: "file" as const, mode, uid: 0, gid: 0, data: Buffer.from(text) });
  return pushOneLayerImage(r, "base/py", [
    f("usr/lib/python3.11/os.py", ""),
    f("usr/bin/python3.11", "ELF", 0o755),
    { path: "usr/bin/python3", type: "symlink", mode: 0o777, uid: 0, gid: 0, linkTarget: "python3.11" },
    f("usr/lib/python3/dist-packages/basepkg/__init__.py", ""),
    f("usr/lib/python3/dist-packages/basepkg-1.5.3.dist-info/METADATA", "Metadata-Version: 2.1\nName: basepkg\nVersion: 1.5.3\n"),
    f("usr/lib/x86_64-linux-gnu/libc.so.6", "\x7fELF … GNU C Library (Debian GLIBC 2.36-9) stable release version 2.36.\n", 0o755),
  ], { Env: ["PATH=/usr/local/bin:/usr/bin:/bin"] });
}
