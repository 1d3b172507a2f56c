import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Brings up dockerd, the 127.0.0.1 registry and the debootstrap base once per run.
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 600_000,
    hookTimeout: 900_000,
    // Two cores: e2e files build images; keep at most two files in flight.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
