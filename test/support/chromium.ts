/** Headless Debian `chromium` for tests that look at a page as a person would (installed by .ci/stack.sh). */
import { execa } from "execa";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

const FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync",
];

/** Runs chromium on a local file with a fresh profile; returns its stdout. */
async function chromium(file: string, extra: string[]): Promise<string> {
  const profile = mkdtempSync(path.join(tmpdir(), "nbbuild-chromium-"));
  try {
    const r = await execa("chromium", [...FLAGS, `--user-data-dir=${profile}`, ...extra, pathToFileURL(file).href], { timeout: 120_000 });
    return r.stdout;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** The page's DOM after it loaded (and its scripts ran), serialised. */
export const dumpDom = (file: string) => chromium(file, ["--dump-dom"]);

/** A PNG screenshot of the page at the given window size. */
export async function screenshot(file: string, out: string, size = "1200,2400"): Promise<void> {
  await chromium(file, [`--screenshot=${out}`, `--window-size=${size}`]);
}
