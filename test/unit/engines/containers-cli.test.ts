import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BuildahEngine } from "../../../src/engines/buildah.js";
import { writeContextDir } from "../../../src/engines/containers-cli.js";
import { PodmanEngine } from "../../../src/engines/podman.js";
import { cleanTemps, tempDir } from "../../support/temp.js";

afterAll(cleanTemps);

const context = {
  containerfile: "Containerfile",
  files: [
    { path: "Containerfile", data: Buffer.from("FROM scratch\n"), mode: 0o664 },
    { path: "nbbuild/step.py", data: Buffer.from("x = 1\n"), mode: 0o664 },
  ],
};

/** An engine whose tool calls are scripted: `bud`/`build` exits `buildExit`, inspect answers once built. */
function scripted<T extends typeof BuildahEngine | typeof PodmanEngine>(Base: T, root: string, buildExit: number) {
  const seen: string[] = [];
  class Scripted extends (Base as typeof BuildahEngine) {
    protected override contextRoot = root;
    built = false;
    protected override run(args: string[]) {
      const verb = args[0]!;
      if (verb === "bud" || verb === "build") {
        const dir = args[args.length - 1]!;
        seen.push(dir);
        expect(readdirSync(dir).sort()).toEqual(["Containerfile", "nbbuild"]);
        this.built = buildExit === 0;
        return Promise.resolve({ exitCode: buildExit, stdout: "", all: "STEP 1/1: FROM scratch\nError: boom" }) as never;
      }
      if (!this.built) return Promise.resolve({ exitCode: 1, stdout: "", all: "" }) as never;
      const out = Base === PodmanEngine
        ? JSON.stringify([{ Id: "abc", Config: { User: "1001" } }])
        : JSON.stringify({ FromImageID: "abc", OCIv1: { config: { User: "1001" } } });
      return Promise.resolve({ exitCode: 0, stdout: out, all: out }) as never;
    }
  }
  return { engine: new Scripted(), seen };
}

describe("build contexts of buildah and podman", () => {
  it.each([
    ["buildah", BuildahEngine],
    ["podman", PodmanEngine],
  ] as const)("%s removes its nbbuild-ctx-* folder after a failed and after a successful build", async (_name, Engine) => {
    for (const exit of [1, 0]) {
      const root = tempDir("nbbuild-ctxroot-");
      const { engine, seen } = scripted(Engine, root, exit);
      const build = engine.build(context, "nbbuild/t:1");
      if (exit) await expect(build).rejects.toThrow(/boom/);
      else expect((await build).user).toBe("1001");
      expect(seen).toHaveLength(1);
      expect(path.basename(seen[0]!)).toMatch(/^nbbuild-ctx-/);
      expect(existsSync(seen[0]!)).toBe(false);
      expect(readdirSync(root)).toEqual([]);
    }
  });

  it("removes a half-written context when writing fails", async () => {
    const root = tempDir("nbbuild-ctxroot-");
    // "a" is both a file and a folder: the second write fails.
    const bad = { containerfile: "a", files: [{ path: "a", data: Buffer.from("1"), mode: 0o664 }, { path: "a/b", data: Buffer.from("2"), mode: 0o664 }] };
    await expect(writeContextDir(bad, root)).rejects.toThrow();
    expect(readdirSync(root)).toEqual([]);
  });

  it("writes files with group bits equal to user bits", async () => {
    const root = tempDir("nbbuild-ctxroot-");
    const dir = await writeContextDir(context, root);
    expect(readdirSync(path.join(dir, "nbbuild"))).toEqual(["step.py"]);
    for (const p of ["nbbuild", "nbbuild/step.py"]) {
      const mode = statSync(path.join(dir, p)).mode;
      expect((mode >> 3) & 0o7, p).toBe((mode >> 6) & 0o7);
    }
  });
});
