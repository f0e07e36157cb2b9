import { defineConfig } from "vitest/config";

// Physics suites run seconds of simulated time; the machine has 2 cores, so at most 2 workers.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ["default"],
  },
});
