import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Brings up dockerd, the 127.0.0.1 registry and the debootstrap base once per run.
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 600_000,
    hookTimeout: 900_000,
    // One file at a time: e2e files share the docker daemon, the tests' containers store and the
    // registry, and a file's clean-up (rmi, podman rmi -a in its own store) must never race
    // another file's build. Two cores leave little to gain from running files side by side.
    fileParallelism: false,
    maxWorkers: 1,
    minWorkers: 1,
  },
});
