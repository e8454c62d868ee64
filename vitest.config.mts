import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["agents/**/*.test.ts", "interop/**/*.test.ts"],
    exclude: ["**/node_modules/**"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration tests start real Redis servers and chains; keep two files in flight on two cores.
    fileParallelism: true,
    maxWorkers: 2,
    pool: "forks",
  },
});
