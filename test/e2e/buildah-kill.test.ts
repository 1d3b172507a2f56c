/**
 * A killed `nbbuild image --engine buildah` leaves no buildah working container behind. The
 * dependency build is held mid-`RUN pip install` (the 127.0.0.1 index stalls the wheel) while
 * the working container exists; then (1) nbbuild's whole process group gets SIGKILL — the way a
 * pod or `kill -9 -PGID` ends it — and (2) nbbuild alone gets SIGTERM. Either way buildah must
 * remove its container: in (1) because it runs in its own group and outlives nbbuild, in (2)
 * because nbbuild forwards the signal, so buildah stops at once although the index still stalls.
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BASE, REPO } from "./image-helpers.js";
import { buildWheel, serveIndex, wheelName } from "../support/pip-index.js";
import { cleanTemps, tempDir } from "../support/temp.js";

afterAll(cleanTemps);

const CLI = path.join(REPO, "bin/nbbuild.js");
const WHEEL = wheelName("nbbuild-probe", "0.1.0");
/** A requirement no earlier run used, so the dependency image is always built (never cached). */
const freshRequirement = () => `nbbuild-probe>=0.1,<1.${randomBytes(3).readUIntBE(0, 3)}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function probeNotebook(dir: string, requirement: string): string {
  const cell = (id: string, tags: string[], source: string) => ({ cell_type: "code", id, metadata: { tags }, execution_count: null, outputs: [], source });
  const file = path.join(dir, "probe.ipynb");
  writeFileSync(file, JSON.stringify({
    nbformat: 4, nbformat_minor: 5,
    metadata: { kernelspec: { name: "python3", display_name: "Python 3", language: "python" } },
    cells: [cell("c0", ["imports"], `%pip install "${requirement}"\nimport nbbuild_probe`), cell("c1", ["step:probe"], "print(nbbuild_probe.VALUE)")],
  }));
  return file;
}

/** IDs of buildah's working containers in the tests' store. */
async function workingContainers(): Promise<string[]> {
  const r = await execa("buildah", ["containers", "--json"], { reject: false, timeout: 60_000 });
  const list = JSON.parse(String(r.stdout || "[]")) as { id: string }[] | null;
  return (list ?? []).map((c) => c.id);
}

/** Waits (bounded) until `check` holds. */
async function until(check: () => Promise<boolean> | boolean, ms: number): Promise<boolean> {
  for (let waited = 0; waited < ms; waited += 250) {
    if (await check()) return true;
    await sleep(250);
  }
  return false;
}

/** Pids of buildah processes building `tag` (from /proc, so nothing else is matched). */
async function buildahPids(tag: string): Promise<string[]> {
  const r = await execa("pgrep", ["-f", `buildah.*${tag}`], { reject: false });
  return String(r.stdout).split("\n").filter(Boolean);
}

describe("a killed buildah build leaves no working container", () => {
  const seen: string[] = [];
  let stall = 0;
  let indexUrl = "";
  let closeIndex: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const wheelDir = tempDir("nbbuild-budkill-wheel-");
    const index = await serveIndex([buildWheel(wheelDir, `probe-${randomBytes(4).toString("hex")}`)], { seen, delayMs: () => stall });
    closeIndex = index.close;
    indexUrl = index.url;
    await execa("npm", ["run", "build"], { cwd: REPO, timeout: 300_000 });
  }, 600_000);
  afterAll(() => {
    stall = 0;
    return closeIndex?.();
  });

  /** Starts the CLI in its own process group and returns once buildah's working container exists. */
  async function startHeld(requirement: string): Promise<{ cli: ResultPromise; before: string[]; container: string }> {
    const before = await workingContainers();
    stall = 120_000;
    const from = seen.length;
    const cli = execa("node", [CLI, "image", probeNotebook(tempDir("nbbuild-budkill-"), requirement), "--engine", "buildah", "--base", BASE], {
      env: { ...process.env, PIP_INDEX_URL: indexUrl },
      reject: false,
      timeout: 600_000,
      detached: true,
    });
    const held = await until(() => seen.slice(from).some((l) => l.includes(WHEEL)), 300_000);
    expect(held, "pip inside buildah asked the index for the wheel").toBe(true);
    const fresh = (await workingContainers()).filter((c) => !before.includes(c));
    expect(fresh, "buildah's working container exists while pip waits").toHaveLength(1);
    return { cli, before, container: fresh[0]! };
  }

  it("SIGKILL of nbbuild's whole process group: buildah outlives it and removes its container", async () => {
    const { cli, container } = await startHeld(freshRequirement());
    process.kill(-cli.pid!, "SIGKILL");
    expect((await cli).signal).toBe("SIGKILL");
    stall = 0; // pip gets its wheel; buildah writes on, finds the pipe closed and cleans up
    const gone = await until(async () => !(await workingContainers()).includes(container), 180_000);
    expect(gone, `working container ${container} still there`).toBe(true);
  }, 900_000);

  it("SIGTERM of nbbuild: buildah is told at once and removes its container while the index still stalls", async () => {
    const { cli, container } = await startHeld(freshRequirement());
    const t0 = Date.now();
    cli.kill("SIGTERM");
    await cli;
    const gone = await until(async () => !(await workingContainers()).includes(container), 60_000);
    expect(gone, `working container ${container} still there`).toBe(true);
    // The stall lasts 120 s: removal within a minute means the signal, not the wheel, ended buildah.
    expect(Date.now() - t0).toBeLessThan(60_000);
    expect(await buildahPids("nbbuild-deps")).toEqual([]);
    stall = 0;
  }, 900_000);
});
