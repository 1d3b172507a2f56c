/**
 * `nbbuild image` progress as a person sees it: on a terminal (run under `script`) a live table
 * redrawn in place with the images' states and pip's output under the dependency image; in a pipe,
 * plain lines and a heartbeat while a slow dependency install is silent.
 */
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BASE, REPO } from "./image-helpers.js";
import { writeNotebook } from "../support/elyra-files.js";
import { buildWheel, serveIndex } from "../support/pip-index.js";
import { cleanTemps, tempDir } from "../support/temp.js";

const CLI = path.join(REPO, "bin/nbbuild.js");
let index: Awaited<ReturnType<typeof serveIndex>>;

beforeAll(async () => {
  await execa("npm", ["run", "build"], { cwd: REPO, timeout: 300_000 });
  // A slow index: each download waits 8 s, longer than the 5 s heartbeat.
  // Two versions: each test installs its own, so neither finds the other's dependency image
  // (and the index's random port makes each run's dependency set new).
  const wheels = tempDir("nbbuild-progress-wheels-");
  index = await serveIndex([buildWheel(wheels, "v", "nbbuild-slow", "1.0"), buildWheel(wheels, "v", "nbbuild-slow", "1.1")], { delayMs: 8000 });
});
afterAll(async () => {
  await index?.close();
  cleanTemps();
});

/** A one-step notebook that installs `version` of the slow package. */
function slowNotebook(version: string): string {
  const dir = tempDir("nbbuild-progress-");
  return writeNotebook(dir, "slow.ipynb", [`%pip install nbbuild-slow==${version}\nimport nbbuild_slow\nprint(nbbuild_slow.VALUE)`]);
}

describe("nbbuild image progress", () => {
  it("in a pipe: lines, and a heartbeat naming the building image while pip waits", async () => {
    const nb = slowNotebook("1.0");
    const r = await execa("node", [CLI, "image", nb, "--engine", "docker", "--base", BASE, "--index-url", index.url], { reject: false, timeout: 600_000 });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).not.toContain("\x1b[");
    expect(r.stderr).toMatch(/^ {2}… deps nbbuild-deps:[0-9a-f]+ building \d+s/m);
    expect(r.stderr).toMatch(/^ {2}deps nbbuild-deps:[0-9a-f]+ +built +\d+\.\ds$/m);
    expect(r.stderr).toMatch(/^ {2}slow +built +\d+\.\ds$/m);
  });

  it("on a terminal: a table redrawn in place, with pip's output under the dependency image", async () => {
    const nb = slowNotebook("1.1");
    const cmd = ["node", CLI, "image", nb, "--engine", "docker", "--base", BASE, "--index-url", index.url].map((a) => `'${a}'`).join(" ");
    const r = await execa("script", ["-qfec", cmd, "/dev/null"], { reject: false, timeout: 600_000, env: { COLUMNS: "120" } });
    expect(r.exitCode, r.stdout).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/\x1b\[\d+A\r\x1b\[J/); // redrawn in place
    expect(out).toMatch(/ {2}slow +waiting/);
    expect(out).toMatch(/ {2}deps nbbuild-deps:[0-9a-f]+ +building \d+s/);
    // elapsed seconds count up while pip waits on the slow index
    const seconds = [...out.matchAll(/deps nbbuild-deps:[0-9a-f]+ +building (\d+)s/g)].map((m) => Number(m[1]));
    expect(Math.max(...seconds)).toBeGreaterThanOrEqual(5);
    expect(out).toMatch(/│ .*nbbuild[-_]slow/i); // pip's own output, under the row
    expect(out).toMatch(/ {2}slow +built +\d+\.\ds/);
  });
});
