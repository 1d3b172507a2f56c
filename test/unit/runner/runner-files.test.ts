/** The runner's files as the build context carries them: runner.py + every module of the package. */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { RUNNER_PACKAGE, runnerFiles } from "../../../src/render/runner-files.js";
import { TEMPLATES_DIR } from "../../../src/render/templates.js";

describe("runnerFiles", () => {
  const files = runnerFiles();
  const onDisk = readdirSync(path.join(TEMPLATES_DIR, RUNNER_PACKAGE)).filter((n) => n.endsWith(".py"));

  it("carries runner.py and the whole package, in a fixed order, group-writable like the owner", () => {
    expect(files[0]!.path).toBe("nbbuild/runner.py");
    const pkg = files.slice(1).map((f) => f.path);
    expect(pkg).toEqual(onDisk.sort().map((n) => `nbbuild/${RUNNER_PACKAGE}/${n}`));
    expect(pkg).toContain(`nbbuild/${RUNNER_PACKAGE}/__init__.py`);
    for (const f of files) {
      expect(f.mode).toBe(0o664);
      expect(f.data.equals(readFileSync(path.join(TEMPLATES_DIR, f.path.slice("nbbuild/".length))))).toBe(true);
    }
  });

  it("keeps one job per module: each opens with a one-line docstring and imports only the stdlib or itself", () => {
    const names = spawnSync("python3", ["-c", "import sys, json; print(json.dumps(sorted(sys.stdlib_module_names)))"], { encoding: "utf8" });
    const stdlib = new Set<string>(JSON.parse(names.stdout) as string[]);
    expect(stdlib.has("json")).toBe(true);
    expect(stdlib.has("numpy")).toBe(false);
    for (const f of files.slice(1)) {
      const text = f.data.toString("utf8");
      expect(text, f.path).toMatch(/^"""[^\n]+/);
      const header = text.split(/^(?:def|class) /m)[0]!; // module-level imports come before any definition
      for (const m of header.matchAll(/^(?:import (\w+)|from (\S+) import)/gm)) {
        const mod = m[1] ?? m[2]!;
        expect(mod.startsWith(".") || stdlib.has(mod), `${f.path} imports ${mod}`).toBe(true);
      }
    }
  });
});
