/**
 * The debootstrap Python base (.ci/stack.sh) must let a non-root user run programs: OpenShift 4
 * runs S2I `assemble` as USER 1001 under buildah, and a 0700 `/` (a mktemp folder tarred as the
 * root) made every such RUN fail with `fork/exec /bin/sh: permission denied`.
 */
import { afterAll, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { BASE } from "./image-helpers.js";
import { cleanTemps, tempDir } from "../support/temp.js";

afterAll(cleanTemps);

describe("debootstrap base", () => {
  it("runs a non-root RUN under buildah (USER 1001, and an arbitrary uid)", async () => {
    expect(BASE).not.toBe("");
    const dir = tempDir("nbbuild-base-nonroot-");
    writeFileSync(path.join(dir, "Containerfile"), [
      `FROM ${BASE}`,
      "USER 1001",
      "RUN id -u && python3 -c 'print(\"nonroot-ok\")'",
      "USER 123457:0",
      "RUN id -u",
      "",
    ].join("\n"));
    const tag = `localhost/nbbuild-e2e-base-nonroot:${process.pid}-${Date.now()}`;
    try {
      // Async: a long synchronous build would block the test worker's RPC with vitest.
      const r = await execa("buildah", ["bud", "--isolation", "chroot", "--layers=false", "--tls-verify=false",
        "--format", "oci", "-t", tag, dir], { all: true, reject: false, timeout: 600_000 });
      const out = String(r.all);
      expect(r.exitCode, out).toBe(0);
      expect(out).toMatch(/^1001$/m);
      expect(out).toContain("nonroot-ok");
      expect(out).toMatch(/^123457$/m);
    } finally {
      await execa("buildah", ["rmi", "-f", tag], { reject: false });
    }
    // The mode of `/` as the image has it (a RUN under buildah's overlay chroot shows the mount's).
    const root = await execa("docker", ["run", "--rm", "--network", "none", "--user", "1001:0", BASE, "stat", "-c", "%a", "/"], { reject: false, timeout: 120_000 });
    expect(root.stdout.trim(), root.stderr).toBe("755");
  });
});
