import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Plan } from "../../../src/plan/types.js";
import { readProvenance } from "../../../src/images/provenance.js";
import { cleanTemps, tempDir } from "../../support/temp.js";

afterAll(cleanTemps);

function planIn(dir: string): Plan {
  writeFileSync(path.join(dir, "nb.ipynb"), '{"cells": []}');
  return { root: dir, source: { file: "nb.ipynb", kind: "notebook" } } as Plan;
}

describe("readProvenance", () => {
  it("uses SOURCE_DATE_EPOCH, else a fixed epoch outside git", () => {
    const plan = planIn(tempDir("nbbuild-prov-"));
    expect(readProvenance(plan, { SOURCE_DATE_EPOCH: "1700000000" }).created).toBe("2023-11-14T22:13:20Z");
    const p = readProvenance(plan, {});
    expect(p.created).toBe("1970-01-01T00:00:00Z");
    expect(p.revision).toBe("");
    expect(p.notebookDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("uses the notebook's commit time and revision in git, and strips credentials from the remote", () => {
    const dir = tempDir("nbbuild-prov-git-");
    const plan = planIn(dir);
    const git = (...a: string[]) => execFileSync("git", ["-C", dir, ...a], { encoding: "utf8", env: { ...process.env, GIT_AUTHOR_DATE: "2024-02-03T04:05:06Z", GIT_COMMITTER_DATE: "2024-02-03T04:05:06Z" } });
    git("init", "-q");
    git("-c", "user.email=t@e", "-c", "user.name=t", "add", "nb.ipynb");
    git("-c", "user.email=t@e", "-c", "user.name=t", "commit", "-q", "-m", "nb");
    git("remote", "add", "origin", "https://bob:token123@git.example/team/repo.git");
    const p = readProvenance(plan, {});
    expect(p.created).toBe("2024-02-03T04:05:06Z");
    expect(p.revision).toMatch(/^[0-9a-f]{40}$/);
    expect(p.source).toBe("https://git.example/team/repo.git");
    // A token holding "@": nothing of it is left in the label.
    git("remote", "set-url", "origin", "https://bob:tok@en-TAIL123@git.example/team/repo.git");
    expect(readProvenance(plan, {}).source).toBe("https://git.example/team/repo.git");
  });
});
