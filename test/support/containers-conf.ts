/**
 * The containers configuration e2e tests give buildah and podman: a registries.conf that marks
 * the 127.0.0.1 registry insecure (plain http), and a storage.conf with a store of the tests' own,
 * so the tests pass the same on a fresh machine and on one whose podman storage was initialised
 * with another driver (nbbuild uses the user's configuration, here the tests' one).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * The storage driver the tests' store uses: overlay where the kernel lets us mount one (a build
 * then costs seconds, not a 1.3 GB copy of the base per image), else vfs, which works everywhere.
 */
export function testStorageDriver(): "overlay" | "vfs" {
  if (process.env.NBBUILD_TEST_STORAGE_DRIVER === "vfs" || process.env.NBBUILD_TEST_STORAGE_DRIVER === "overlay") return process.env.NBBUILD_TEST_STORAGE_DRIVER;
  const probe = mkdtempSync(path.join(tmpdir(), "nbbuild-overlay-probe-"));
  try {
    for (const d of ["lower", "upper", "work", "merged"]) mkdirSync(path.join(probe, d));
    const opts = `lowerdir=${probe}/lower,upperdir=${probe}/upper,workdir=${probe}/work`;
    execFileSync("mount", ["-t", "overlay", "overlay", "-o", opts, path.join(probe, "merged")], { stdio: "ignore", timeout: 10_000 });
    execFileSync("umount", [path.join(probe, "merged")], { stdio: "ignore", timeout: 10_000 });
    return "overlay";
  } catch {
    return "vfs";
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

/** Writes the two files (idempotent) and returns the environment that points at them. */
export function testContainersEnv(registry: string, driver = testStorageDriver(), dir = path.join(tmpdir(), `nbbuild-e2e-containers-${driver}`)): Record<string, string> {
  mkdirSync(dir, { recursive: true });
  const registries = path.join(dir, "registries.conf");
  writeFileSync(registries, `unqualified-search-registries = ["docker.io"]\n\n[[registry]]\nlocation = "${registry}"\ninsecure = true\n`);
  const storage = path.join(dir, "storage.conf");
  // One store per driver: a store initialised with one driver refuses the other.
  writeFileSync(storage, `[storage]\ndriver = "${driver}"\ngraphroot = "${path.join(dir, "storage")}"\nrunroot = "${path.join(dir, "run")}"\n`);
  return { CONTAINERS_REGISTRIES_CONF: registries, CONTAINERS_STORAGE_CONF: storage, NBBUILD_TEST_STORAGE_DRIVER: driver };
}
