#!/usr/bin/env node
// Runs every bench script in this folder (start-up, plan, build, oci), one after the other.
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";

let failed = 0;
for (const name of ["startup.mjs", "plan.mjs", "build.mjs", "oci.mjs"]) {
  const file = join(import.meta.dirname, name);
  if (!existsSync(file)) continue;
  console.log(`== ${name}`);
  const r = spawnSync(process.execPath, [file], { stdio: "inherit", timeout: 1_800_000 });
  if (r.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
