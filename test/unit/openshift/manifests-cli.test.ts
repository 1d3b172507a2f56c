/** `nbbuild openshift manifests`: the webhook secret reaches a 0600 file or --show-secret output, never plain stdout. */
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { Command } from "commander";
import { afterEach, expect, test, vi } from "vitest";
import { register } from "../../../src/cli/openshift.js";
import { parseYamlDocuments } from "../../../src/pipeline/yaml.js";
import { cleanTemps, tempDir } from "../../support/temp.js";

afterEach(() => {
  vi.restoreAllMocks();
  cleanTemps();
});

async function run(args: string[]): Promise<{ stdout: string; stderr: string }> {
  const program = new Command().exitOverride();
  register(program);
  let stdout = "";
  let stderr = "";
  vi.spyOn(process.stdout, "write").mockImplementation((s) => ((stdout += String(s)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((s) => ((stderr += String(s)), true));
  try {
    await program.parseAsync(["node", "nbbuild", "openshift", "manifests", "examples/wine/wine.ipynb", "--git-uri", "https://github.com/org/repo.git", ...args]);
  } finally {
    vi.restoreAllMocks();
  }
  return { stdout, stderr };
}
type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const secretOf = (docs: Any[]) => docs.find((d) => d.kind === "Secret")?.data?.WebHookSecretKey as string | undefined;

test("stdout without --show-secret: every object but the Secret, and a note on stderr", async () => {
  const { stdout, stderr } = await run(["--namespace", "ds"]);
  const docs = parseYamlDocuments(stdout) as Any[];
  expect(docs.map((d) => d.kind)).toContain("BuildConfig");
  expect(secretOf(docs)).toBeUndefined();
  expect(stdout).not.toMatch(/WebHookSecretKey:/);
  expect(stderr).toMatch(/Secret wine-classification-webhook is not printed/);
});

test("--show-secret prints it; -o writes a 0600 file with it and does not print it", async () => {
  const shown = secretOf(parseYamlDocuments((await run(["--show-secret"])).stdout) as Any[]);
  expect(Buffer.from(shown!, "base64").toString()).toMatch(/^[0-9a-f]{40}$/);
  const out = path.join(tempDir("nbb-os-"), "os.yaml");
  const { stdout, stderr } = await run(["-o", out, "--no-webhook-rolebinding"]);
  expect(stdout).toBe("");
  const docs = parseYamlDocuments(readFileSync(out, "utf8")) as Any[];
  const secret = Buffer.from(secretOf(docs)!, "base64").toString();
  expect(secret).toMatch(/^[0-9a-f]{40}$/);
  expect(stderr).not.toContain(secret);
  expect(statSync(out).mode & 0o777).toBe(0o600);
  expect(docs.some((d) => d.kind === "RoleBinding")).toBe(false);
});
