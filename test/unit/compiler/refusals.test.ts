/**
 * Bad input is refused with a clear error (issue 13.15, 14.7): the file, the cell (index and id)
 * and the fix; never a hang, a stack trace, or a pipeline with no task.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import { NbbuildError, type Problem } from "../../../src/errors.js";
import { planNotebook } from "../../../src/notebook/compile.js";
import { cleanTemps, tempDir } from "../../support/temp.js";

afterAll(cleanTemps);

const FIX = resolve(__dirname, "../../fixtures/notebooks");

async function problems(path: string): Promise<Problem[]> {
  try {
    await planNotebook(path);
  } catch (err) {
    expect(err).toBeInstanceOf(NbbuildError);
    return (err as NbbuildError).problems;
  }
  throw new Error(`${path} compiled without error`);
}
const fixture = (f: string) => problems(resolve(FIX, f));

describe("notebooks with nothing to run are refused (not a 0-task pipeline)", () => {
  it("no cells at all", async () => {
    expect(await fixture("err_empty.ipynb")).toEqual([
      {
        location: { file: "err_empty.ipynb" },
        message: "the notebook has nothing to run: it has no code cells, so the pipeline would have no step",
        fix: "add the code cells to run (or point nbbuild at the notebook that has them)",
      },
    ]);
  });

  it("only markdown and skipped cells", async () => {
    const [p, ...rest] = await fixture("err_all_skipped.ipynb");
    expect(rest).toEqual([]);
    expect(p!.message).toBe("the notebook has nothing to run: its only code cell is tagged skip, so the pipeline would have no step");
    expect(p!.fix).toMatch(/remove the skip tag/);
  });
});

describe("nbformat shapes that are not a notebook", () => {
  it("cells that is an object", async () => {
    const [p] = await fixture("err_cells_object.ipynb");
    expect(p).toMatchObject({ location: { file: "err_cells_object.ipynb" }, message: '"cells" is an object; nbformat 4 requires a list of cells' });
    expect(p!.fix).toMatch(/re-save it in Jupyter/);
  });

  it("a cell that is not an object names its index", async () => {
    const ps = await fixture("err_cell_not_object.ipynb");
    expect(ps.map((p) => [p.location, p.message])).toEqual([[{ file: "err_cell_not_object.ipynb", cellIndex: 1, cellId: "" }, 'cell 1 is a string ("y = 2"), not a cell object']]);
  });

  it("a source that is a number or null names each cell", async () => {
    const ps = await fixture("err_source_types.ipynb");
    expect(ps.map((p) => [p.location.cellIndex, p.location.cellId, p.message])).toEqual([
      [0, "a1", "the cell's source is a number, not text"],
      [1, "a2", "the cell's source is null, not text"],
    ]);
    expect(ps[0]!.fix).toMatch(/a string or a list of strings/);
  });

  it("tags that are a string", async () => {
    const ps = await fixture("err_tags_string.ipynb");
    expect(ps).toEqual([
      {
        location: { file: "err_tags_string.ipynb", cellIndex: 0, cellId: "t1" },
        message: 'the cell\'s metadata.tags is a string ("step:load"), not a list',
        fix: 'write the tags as a list of strings, e.g. "tags": ["step:load"]',
      },
    ]);
  });

  it("nbformat as a string", async () => {
    const [p] = await fixture("err_nbformat_string.ipynb");
    expect(p!.message).toBe('"nbformat" is a string ("4"); nbformat requires a number');
    expect(p!.fix).toMatch(/^write "nbformat": 4 \(without quotes\)/);
  });
});

describe("paths that are not a readable regular file", () => {
  it("a FIFO is refused at once, without waiting for a writer", async () => {
    const dir = tempDir("nbb-fifo-");
    const fifo = join(dir, "pipe.ipynb");
    execFileSync("mkfifo", [fifo]);
    const started = Date.now();
    const [p] = await problems(fifo);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(p).toEqual({ location: { file: "pipe.ipynb" }, message: "is a FIFO (named pipe), not a notebook", fix: "pass a regular .ipynb file (save the notebook to disk first)" });
  });

  it("a directory", async () => {
    const dir = tempDir("nbb-dir-");
    mkdirSync(join(dir, "folder.ipynb"));
    const [p] = await problems(join(dir, "folder.ipynb"));
    expect(p!.message).toBe("is a directory, not a notebook");
    expect(p!.fix).toMatch(/pass the \.ipynb file inside it/);
    expect(JSON.stringify(p)).not.toMatch(/EISDIR/);
  });

  it("an unreadable file (checked as an unprivileged user: root reads everything)", async () => {
    const dir = tempDir("nbb-perm-");
    chmodSync(dir, 0o755);
    const nb = join(dir, "secret.ipynb");
    writeFileSync(nb, "{}");
    chmodSync(nb, 0o000);
    // Bundle the reader so a plain `node` run as another user can load it.
    const bundle = join(dir, "reader.mjs");
    await build({ entryPoints: [resolve(__dirname, "../../../src/io/read-input.ts")], bundle: true, platform: "node", format: "esm", outfile: bundle, logLevel: "silent" });
    writeFileSync(
      join(dir, "main.mjs"),
      `import { readInputFile } from "./reader.mjs";\ntry { await readInputFile(${JSON.stringify(nb)}, "secret.ipynb", "notebook", ".ipynb"); console.log("READ"); } catch (e) { console.log(JSON.stringify(e.problems)); }\n`,
    );
    const asUser = (process.getuid?.() ?? 1) === 0 ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", process.execPath] : [process.execPath];
    const out = execFileSync(asUser[0]!, [...asUser.slice(1), join(dir, "main.mjs")], { encoding: "utf8" });
    expect(JSON.parse(out)).toEqual([
      { location: { file: "secret.ipynb" }, message: "cannot read the notebook: permission denied", fix: 'give your user read access (e.g. chmod u+r "secret.ipynb") or run nbbuild as a user who can read it' },
    ]);
  });
});
