import { execFileSync } from "node:child_process";
import path from "node:path";
import { testContainersEnv } from "./containers-conf.js";

/**
 * Runs .ci/stack.sh (idempotent) and exports NBBUILD_TEST_BASE (the debootstrap Python base,
 * pinned by digest in the 127.0.0.1 registry), NBBUILD_TEST_REGISTRY, and the containers
 * configuration of buildah/podman (CONTAINERS_REGISTRIES_CONF, CONTAINERS_STORAGE_CONF) for e2e tests.
 * NBBUILD_SKIP_STACK=1 skips it for unit-only runs on a machine without the stack.
 */
export default function setup(): void {
  if (process.env.NBBUILD_SKIP_STACK === "1") return;
  const script = path.resolve(import.meta.dirname, "../../.ci/stack.sh");
  const out = execFileSync("bash", [script], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], timeout: 900_000 });
  const base = /NBBUILD_BASE=(\S+)/.exec(out)?.[1];
  if (!base) throw new Error(`.ci/stack.sh printed no NBBUILD_BASE:\n${out}`);
  process.env.NBBUILD_TEST_BASE = base;
  process.env.NBBUILD_TEST_REGISTRY = process.env.NBBUILD_REGISTRY_ADDR ?? "127.0.0.1:5000";
  // buildah/podman of the tests: their own registries.conf and store (whatever the machine has).
  Object.assign(process.env, testContainersEnv(process.env.NBBUILD_TEST_REGISTRY));
}
