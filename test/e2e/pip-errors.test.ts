/**
 * A requirement that does not exist on the (local, 127.0.0.1) index: the build fails with pip's
 * own ERROR lines, no ANSI codes, and the notebook cell that asked for the package.
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImages } from "../../src/images/build-images.js";
import { makeBuilder } from "../../src/engines/factory.js";
import { NbbuildError, formatProblem } from "../../src/errors.js";
import { loadPlan } from "../../src/readers.js";
import { BASE } from "./image-helpers.js";
import { writeNotebook } from "../support/elyra-files.js";
import { buildWheel, serveIndex } from "../support/pip-index.js";
import { cleanTemps, tempDir } from "../support/temp.js";

describe("a failed pip install says why", () => {
  let index: Awaited<ReturnType<typeof serveIndex>>;
  beforeAll(async () => {
    index = await serveIndex([buildWheel(tempDir("nbbuild-piperr-wheels-"), "x", "nbbuild-present", "1.0")]);
  });
  afterAll(async () => {
    await index?.close();
    cleanTemps();
  });

  it("shows pip's ERROR lines and the cell that asked for the missing requirement", async () => {
    const dir = tempDir("nbbuild-piperr-");
    const missing = `nbbuild-absent-${process.pid}`;
    writeNotebook(dir, "nb.ipynb", ["x = 1", `%pip install nbbuild-present==1.0\n%pip install ${missing}==9.9\nprint(x)`]);
    const plan = await loadPlan(path.join(dir, "nb.ipynb"));
    const err = await buildImages(plan, { engine: await makeBuilder("docker"), base: BASE, pip: { indexUrl: index.url } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(NbbuildError);
    const text = (err as NbbuildError).problems.map(formatProblem).join("\n");
    // The problem points at the cell with the %pip line.
    expect(text).toMatch(/^nb\.ipynb#cell 1 \(id c1\): installing the dependencies of step\(s\) nb failed/);
    expect(text).toContain(`ERROR: No matching distribution found for ${missing}==9.9`);
    expect(text).toMatch(new RegExp(`${missing} was asked for by nb\\.ipynb#cell 1 \\(id c1\\) \\(step nb\\)`));
    expect(text).not.toContain("\x1b[");
    expect(text).not.toContain("nbbuild-present was asked");
  });
});
