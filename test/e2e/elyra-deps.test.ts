/**
 * Elyra installs each node's packages separately: two nodes of one `.pipeline` pinning different
 * versions of one package (served by a PEP 503 index on 127.0.0.1) each get an image with their
 * own version.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImages } from "../../src/images/build-images.js";
import { makeBuilder } from "../../src/engines/factory.js";
import { loadPlan } from "../../src/readers.js";
import { BASE, runRestricted } from "./image-helpers.js";
import { writeElyraPipeline, writeNotebook } from "../support/elyra-files.js";
import { buildWheel, serveIndex } from "../support/pip-index.js";
import { cleanTemps, tempDir } from "../support/temp.js";

describe("one dependency set per Elyra node", () => {
  let index: Awaited<ReturnType<typeof serveIndex>>;
  const marker = `pin-${process.pid}-${Date.now()}`;

  beforeAll(async () => {
    const wheels = tempDir("nbbuild-pin-wheels-");
    index = await serveIndex([
      buildWheel(wheels, `${marker}-v1`, "nbbuild-pinned", "1.0"),
      buildWheel(wheels, `${marker}-v2`, "nbbuild-pinned", "2.0"),
    ]);
  });
  afterAll(async () => {
    await index?.close();
    cleanTemps();
  });

  it("two nodes pinning different versions of one package each get their own", async () => {
    const dir = tempDir("nbbuild-pin-");
    writeNotebook(dir, "old.ipynb", ["%pip install nbbuild-pinned==1.0", "import nbbuild_pinned\nprint(nbbuild_pinned.VALUE)"]);
    writeNotebook(dir, "new.ipynb", ["%pip install nbbuild-pinned==2.0", "import nbbuild_pinned\nprint(nbbuild_pinned.VALUE)"]);
    const plan = await loadPlan(writeElyraPipeline(dir, `pins-${process.pid}`, [
      { label: "old", file: "old.ipynb" },
      { label: "new", file: "new.ipynb", after: ["old"] },
    ]));
    const record = await buildImages(plan, { engine: await makeBuilder("docker"), base: BASE, pip: { indexUrl: index.url } });
    expect(record.steps.old!.requirements).toContain("nbbuild-pinned==1.0");
    expect(record.steps.new!.requirements).toContain("nbbuild-pinned==2.0");
    expect(record.steps.old!.dependencyHash).not.toBe(record.steps.new!.dependencyHash);
    const version = "import importlib.metadata as m, nbbuild_pinned; print(m.version('nbbuild-pinned'), nbbuild_pinned.VALUE)";
    expect(runRestricted(record.steps.old!.image, version).trim()).toBe(`1.0 ${marker}-v1`);
    expect(runRestricted(record.steps.new!.image, version).trim()).toBe(`2.0 ${marker}-v2`);
  });
});
