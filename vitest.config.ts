import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Nix in tests must never reach the network (see test/setup-env.ts).
    setupFiles: ["test/setup-env.ts"],
    // Test files share their worker's module graph instead of each starting a fresh process and
    // importing src/ again (that import was ~1-3 s per file, the largest single cost of the suite).
    // A test file that changes process-wide state (environment, spies, caches) puts it back.
    isolate: false,
  },
});
