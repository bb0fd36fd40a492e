import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Nix in tests must never reach the network (see test/setup-env.ts).
    setupFiles: ["test/setup-env.ts"],
  },
});
