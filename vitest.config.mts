import { defineConfig } from "vitest/config";

// Physics suites run seconds of simulated time; the machine has 2 cores, so at most 2 workers.
// The browser tests run after everything else: Chromium renders WebGL in software here and takes
// both cores, which would disturb the server's real-time pacing tests running beside it.
export default defineConfig({
  test: {
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    globalSetup: ["test/global-setup.ts"],
    reporters: ["default"],
    projects: [
      {
        extends: true,
        test: { name: "main", include: ["test/**/*.test.ts"], exclude: ["test/browser/**"], sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: "browser", include: ["test/browser/**/*.test.ts"], sequence: { groupOrder: 1 } },
      },
    ],
  },
});
