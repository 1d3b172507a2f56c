/**
 * The containers configuration e2e tests give buildah and podman: a registries.conf that marks
 * the 127.0.0.1 registry insecure (plain http), and a storage.conf with a store of the tests' own,
 * so the tests pass the same on a fresh machine and on one whose podman storage was initialised
 * with another driver (nbbuild uses the user's configuration, here the tests' one).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/** Writes the two files (idempotent) and returns the environment that points at them. */
export function testContainersEnv(registry: string, dir = path.join(tmpdir(), "nbbuild-e2e-containers")): Record<string, string> {
  mkdirSync(dir, { recursive: true });
  const registries = path.join(dir, "registries.conf");
  writeFileSync(registries, `unqualified-search-registries = ["docker.io"]\n\n[[registry]]\nlocation = "${registry}"\ninsecure = true\n`);
  const storage = path.join(dir, "storage.conf");
  // vfs works everywhere (overlay needs kernel support a nested container may lack).
  writeFileSync(storage, `[storage]\ndriver = "vfs"\ngraphroot = "${path.join(dir, "storage")}"\nrunroot = "${path.join(dir, "run")}"\n`);
  return { CONTAINERS_REGISTRIES_CONF: registries, CONTAINERS_STORAGE_CONF: storage };
}
