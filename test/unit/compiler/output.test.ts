import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Command } from "commander";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { register as registerGraph } from "../../../src/cli/graph.js";
import { register as registerPlan } from "../../../src/cli/plan.js";
import { planNotebook } from "../../../src/notebook/compile.js";
import { formatPlan } from "../../../src/plan/format.js";
import { toHtml, toMermaid, toSvg } from "../../../src/plan/graph.js";
import { cleanTemps, tempDir } from "../../support/temp.js";

afterAll(cleanTemps);

const WINE = resolve(__dirname, "../../../examples/wine/wine.ipynb");
const FIX = resolve(__dirname, "../../fixtures/notebooks");

async function cli(...args: string[]): Promise<string> {
  const program = new Command().exitOverride();
  registerPlan(program);
  registerGraph(program);
  let out = "";
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    await program.parseAsync(["node", "nbbuild", ...args]);
  } finally {
    spy.mockRestore();
    err.mockRestore();
  }
  return out;
}

afterEach(() => vi.restoreAllMocks());

describe("formatPlan", () => {
  it("lists steps with deps, inputs with producers, outputs, parameters, metrics", async () => {
    const text = formatPlan(await planNotebook(WINE));
    expect(text).toContain("Pipeline wine-classification  (wine.ipynb)");
    expect(text).toContain("  2. split  (cell 7)\n       after:       load_data\n       inputs:      df <- load_data, wine <- load_data\n       outputs:     X_test_s, X_train_s, y_test, y_train\n       parameters:  TEST_SIZE, SEED");
    expect(text).toContain("  TEST_SIZE = 0.25  (NUMBER_DOUBLE)");
    expect(text).toContain("  accuracy  (reported by compare)");
  });

  it("says which cells belong to no step, and shows warnings, requirements and limits", async () => {
    expect(formatPlan(await planNotebook(resolve(FIX, "unassigned.ipynb")))).toContain("Unassigned cells (2): these come before the first tag, belong to no step and do not run\n  cell 0 (id c00)\n  cell 1 (id c01)");
    expect(formatPlan(await planNotebook(resolve(FIX, "scopes.ipynb")))).toMatch(/Warnings \(2\)\n  scopes.ipynb#cell 2 \(id c02\), line 7: /);
    const sd = formatPlan(await planNotebook(resolve(FIX, "secrets_defaults.ipynb")));
    expect(sd).toContain("limits:      cpu=4, nvidia.com/gpu=1");
    expect(sd).toContain("secrets:     DB_PASSWORD <- secret db-creds/password, API_TOKEN <- secret api-creds/token");
    expect(formatPlan(await planNotebook(resolve(FIX, "magics.ipynb")))).toContain("requirements:requests>=2.28, rich, tqdm==4.66.1");
  });
});

describe("graph", () => {
  it("Mermaid: one node per step, edges labelled with the variables", async () => {
    const m = toMermaid(await planNotebook(WINE));
    expect(m.startsWith("flowchart TD\n")).toBe(true);
    expect(m).toContain('  load_data -->|"df, wine"| split');
    expect(m).toContain('  train_lr -->|"lr_acc"| compare');
    expect(m).toContain("  compare -.-> metric_accuracy");
    expect(m.match(/-->/g)).toHaveLength(5);
  });

  it("SVG: a box per step laid out in layers, parents above children", async () => {
    const svg = toSvg(await planNotebook(resolve(FIX, "diamond.ipynb")));
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    const ys = Object.fromEntries([...svg.matchAll(/<rect x="([\d.]+)" y="(\d+)" width="(\d+)"[^>]*rx="9"[^>]*\/>\s*<text[^>]*>(\w+)</g)].map((m) => [m[4], Number(m[2])]));
    expect(Object.keys(ys).sort()).toEqual(["a", "b", "c", "d"]);
    expect(ys["a"]).toBeLessThan(ys["b"]!);
    expect(ys["b"]).toBe(ys["c"]);
    expect(ys["c"]).toBeLessThan(ys["d"]!);
    expect(svg.match(/<path d="M[\d.]+,[\d.]+ C/g)).toHaveLength(4);
  });

  it("HTML embeds the SVG and lists parameters and metrics", async () => {
    const html = toHtml(await planNotebook(WINE));
    expect(html).toContain("<svg");
    expect(html).toContain("<code>TEST_SIZE</code>");
    expect(html).toContain("<code>accuracy</code> from <code>compare</code>");
  });
});

describe("CLI", () => {
  it("nbbuild plan --json prints exactly the plan", async () => {
    const out = await cli("plan", WINE, "--json");
    expect(JSON.parse(out)).toEqual(JSON.parse(JSON.stringify(await planNotebook(WINE))));
  });

  it("nbbuild plan --name/--base-image override the metadata", async () => {
    const p = JSON.parse(await cli("plan", WINE, "--json", "--name", "Other Name", "--base-image", "reg/img:2"));
    expect([p.name, p.baseImage]).toEqual(["other-name", "reg/img:2"]);
    expect(await cli("plan", WINE)).toContain("base image: (default)");
  });

  it("nbbuild graph -o writes .mmd, .svg and .html", async () => {
    const dir = tempDir("nbb-graph-");
    for (const ext of ["mmd", "svg", "html"]) await cli("graph", WINE, "-o", join(dir, `dag.${ext}`));
    expect(readFileSync(join(dir, "dag.mmd"), "utf8")).toContain("flowchart TD");
    expect(readFileSync(join(dir, "dag.svg"), "utf8")).toContain("<svg");
    expect(readFileSync(join(dir, "dag.html"), "utf8")).toContain("<!doctype html>");
    await expect(cli("graph", WINE, "-o", join(dir, "dag.png"))).rejects.toThrow(/unknown picture format/);
  });
});
