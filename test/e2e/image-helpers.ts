/**
 * Helpers of the image e2e tests: the wine plan (from the compiler when it works, else built by
 * hand from the notebook's cells), copies of examples in temporary folders, docker/skopeo calls.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadPlan } from "../../src/plan/load.js";
import type { CodeBlock, Plan, Step } from "../../src/plan/types.js";

export const REPO = path.resolve(import.meta.dirname, "../..");
export const BASE = process.env.NBBUILD_TEST_BASE ?? "";
export const REGISTRY = process.env.NBBUILD_TEST_REGISTRY ?? "127.0.0.1:5000";

/** Copies examples/<name> into a fresh temporary folder (not a git checkout) and returns it. */
export function copyExample(name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `nbbuild-${name}-`));
  cpSync(path.join(REPO, "examples", name), dir, { recursive: true });
  return dir;
}

interface NbCell {
  cell_type: string;
  id?: string;
  source: string | string[];
  metadata?: { tags?: string[] };
}

/** The wine plan made by hand from the notebook (used until the compiler works). */
export function handWinePlan(dir: string): Plan {
  const nb = JSON.parse(readFileSync(path.join(dir, "wine.ipynb"), "utf8")) as { cells: NbCell[] };
  const text = (c: NbCell) => (Array.isArray(c.source) ? c.source.join("") : c.source);
  const block = (tag: string, role: CodeBlock["role"]): CodeBlock[] =>
    nb.cells.flatMap((c, index) =>
      c.metadata?.tags?.includes(tag)
        ? [{ role, file: "wine.ipynb", cell: { index, id: c.id ?? "" }, source: text(c).replace(/^%matplotlib.*$/m, "") }]
        : [],
    );
  const common = [...block("imports", "imports"), ...block("pipeline-parameters", "parameters"), ...block("functions", "functions")];
  const mk = (name: string, after: string[], inputs: [string, string][], outputs: string[], parameters: string[], metrics: string[] = []): Step => {
    const own = block(`step:${name}`, "step");
    return {
      name, kind: "notebook", after, cells: own.map((b) => b.cell.id), code: [...common, ...own],
      inputs: inputs.map(([n, from]) => ({ name: n, from })), outputs, parameters, metrics,
      fileInputs: [], fileOutputs: [], fileHints: [], context: { dir: "." }, requirements: [],
      limits: {}, requests: {}, env: {}, secrets: [], volumes: [], tolerations: [],
      labels: { team: "data-science" }, annotations: {}, cache: true, report: true, uiOutputs: false,
      source: { file: "wine.ipynb", cells: own.map((b) => b.cell) },
    };
  };
  const split: [string, string][] = ["X_train_s", "X_test_s", "y_train", "y_test"].map((n) => [n, "split"]);
  return {
    schemaVersion: 1, name: "wine-classification", root: dir,
    source: { file: "wine.ipynb", kind: "notebook" },
    parameters: [
      { name: "TEST_SIZE", type: "NUMBER_DOUBLE", default: 0.25, source: { file: "wine.ipynb" } },
      { name: "SEED", type: "NUMBER_INTEGER", default: 42, source: { file: "wine.ipynb" } },
      { name: "N_TREES", type: "NUMBER_INTEGER", default: 100, source: { file: "wine.ipynb" } },
      { name: "C", type: "NUMBER_DOUBLE", default: 1.0, source: { file: "wine.ipynb" } },
    ],
    metrics: [{ name: "accuracy", step: "compare" }],
    steps: [
      mk("load_data", [], [], ["df", "wine"], []),
      mk("split", ["load_data"], [["df", "load_data"], ["wine", "load_data"]], split.map(([n]) => n), ["TEST_SIZE", "SEED"]),
      mk("train_lr", ["split"], split, ["lr_acc"], ["C"]),
      mk("train_rf", ["split"], split, ["rf_acc"], ["N_TREES", "SEED"]),
      mk("compare", ["train_lr", "train_rf"], [["lr_acc", "train_lr"], ["rf_acc", "train_rf"]], [], [], ["accuracy"]),
    ],
    volumes: [], unassigned: [], diagnostics: [],
  };
}

/** The wine plan: the compiler's when it works, else the hand-made one. */
export async function winePlan(dir: string): Promise<Plan> {
  try {
    return await loadPlan(path.join(dir, "wine.ipynb"));
  } catch {
    return handWinePlan(dir);
  }
}

/** Runs a command and returns its stdout (throws with stderr on failure). */
export function sh(cmd: string, args: string[], timeout = 300_000): string {
  return execFileSync(cmd, args, { encoding: "utf8", timeout, maxBuffer: 512 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] });
}

/** `skopeo inspect` of a registry reference (plain http on loopback). */
export function skopeoInspect(ref: string, raw = false): Record<string, unknown> {
  return JSON.parse(sh("skopeo", ["inspect", "--tls-verify=false", ...(raw ? ["--raw"] : []), `docker://${ref}`])) as Record<string, unknown>;
}

/** Runs a python3 snippet in an image the way OpenShift's restricted SCC would (random uid, group 0, ro root, no network). */
export function runRestricted(image: string, code: string, extra: string[] = []): string {
  return sh("docker", ["run", "--rm", "--user", "123457:0", "--read-only", "--tmpfs", "/tmp", "--network", "none", ...extra, image, "python3", "-c", code]);
}
