import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { asDockerfile, asDockerfileContext } from "../../../src/s2i/dockerfile.js";
import { parseEnvironmentFile } from "../../../src/s2i/environment.js";
import { NbbuildError } from "../../../src/errors.js";
import { cleanTemps, tempDir } from "../../support/temp.js";

afterEach(cleanTemps);

const LABELS = { "io.openshift.s2i.scripts-url": "image:///usr/libexec/s2i", "io.openshift.s2i.destination": "/tmp" };

describe("the Dockerfile OpenShift 4 generates for a source build (s2i build --as-dockerfile)", () => {
  it("has upstream's layout: FROM, LABEL, ENV (.s2i/environment then -e), COPY upload/src, chown, USER 1001, RUN assemble, CMD run", () => {
    const src = tempDir("nbbuild-asdf-");
    mkdirSync(path.join(src, ".s2i"));
    writeFileSync(path.join(src, ".s2i/environment"), "FROM_FILE=1\nNBBUILD_STEP=overridden\n");
    const text = asDockerfile({ builder: "nbbuild-builder:1", builderInfo: { labels: LABELS }, source: src, tag: "wine-train", env: { NBBUILD_STEP: "train", NBBUILD_NOTEBOOK: 'a "b" $c.ipynb' } });
    expect(text).toBe([
      "FROM nbbuild-builder:1",
      `LABEL "io.openshift.s2i.build.image"="nbbuild-builder:1" \\`,
      `      "io.openshift.s2i.build.source-location"=${JSON.stringify(src)} \\`,
      `      "io.k8s.display-name"="wine-train"`,
      `ENV FROM_FILE="1" \\`,
      `    NBBUILD_STEP="overridden" \\`,
      `    NBBUILD_STEP="train" \\`,
      `    NBBUILD_NOTEBOOK="a \\"b\\" \\$c.ipynb"`,
      "USER root",
      "# Copying in source code",
      "COPY upload/src /tmp/src",
      "# Change file ownership to the assemble user. Builder image must support chown command.",
      "RUN chown -R 1001:0 /tmp/src",
      "USER 1001",
      "# Assemble script sourced from builder image based on user input or image metadata.",
      "# If this file does not exist in the image, the build will fail.",
      "RUN /usr/libexec/s2i/assemble",
      "# Run script sourced from builder image based on user input or image metadata.",
      "# If this file does not exist in the image, the build will fail.",
      "CMD /usr/libexec/s2i/run",
      "",
    ].join("\n"));
  });

  it("the context carries the source under upload/src without .git and .nbbuild", () => {
    const src = tempDir("nbbuild-asdf-");
    for (const d of [".git", ".nbbuild", "data"]) mkdirSync(path.join(src, d));
    writeFileSync(path.join(src, ".git/HEAD"), "x");
    writeFileSync(path.join(src, ".nbbuild/x.build.json"), "{}");
    writeFileSync(path.join(src, "data/a.csv"), "1\n");
    writeFileSync(path.join(src, "nb.ipynb"), "{}");
    const ctx = asDockerfileContext({ builder: "b", builderInfo: { labels: {} }, source: src, tag: "t", env: {} });
    expect(ctx.files.map((f) => f.path)).toEqual(["Dockerfile", "upload/src/data/a.csv", "upload/src/nb.ipynb"]);
  });

  it(".s2i/environment: NAME=value lines; a bad line is an error naming it", () => {
    expect(parseEnvironmentFile("# c\n\nA=1\nB = x=y \n", "e")).toEqual({ A: "1", B: "x=y" });
    expect(() => parseEnvironmentFile("A=1\nexport B\n", ".s2i/environment")).toThrow(NbbuildError);
    expect(() => parseEnvironmentFile("A=1\nexport B\n", ".s2i/environment")).toThrow(/\.s2i\/environment:2/);
  });
});
