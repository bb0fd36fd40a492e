import { configDefaults, defineConfig } from "vitest/config";

// Test files that time themselves against a bound (`performance.now()`, `Date.now() - started`):
// they run last, one at a time, with nothing else of the suite beside them, so the bound measures
// nix-warden and not the other worker.
const TIMED = [
  "test/agents/triggers.test.ts",
  "test/drift/check-drift.test.ts",
  "test/exposure/acceptance.test.ts",
  "test/exposure/analyze.test.ts",
  "test/fleet/fleet.test.ts",
  "test/mcp/scan-responsive.e2e.test.ts",
  "test/nix/fuzz.test.ts",
  "test/nix/linear.test.ts",
  "test/nix/scope.test.ts",
  "test/scan/budget.test.ts",
  "test/security/held.test.ts",
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Nix in tests must never reach the network (see test/setup-env.ts).
    setupFiles: ["test/setup-env.ts"],
    // The run's TMPDIR (on tmpfs where there is one), removed at the end: see test/global-setup.ts.
    globalSetup: ["test/global-setup.ts"],
    // Test files share their worker's module graph instead of each starting a fresh process and
    // importing src/ again (that import was ~1-3 s per file, the largest single cost of the suite).
    // A test file that changes process-wide state (environment, spies, caches) puts it back.
    isolate: false,
    // The TypeScript of src/ and test/ as transformed for the workers, kept on disk between runs
    // (node_modules/.experimental-vitest-cache, keyed by each file's content): a rerun skips transforming it
    // again (for test/rules/examples.test.ts's graph, 3.4-4.7 s of transform became 0.2-0.3 s).
    // `vitest --clearCache` empties it.
    experimental: { fsModuleCache: true },
    projects: [
      {
        extends: true,
        // Two workers even on two cores: much of a test's time is spent waiting on the programs it
        // runs (the built CLI, MCP servers, git, nix), when the other worker can use the core.
        test: { name: "unit", include: ["test/**/*.test.ts"], exclude: [...configDefaults.exclude, ...TIMED], maxWorkers: 2 },
      },
      {
        extends: true,
        test: { name: "timed", include: TIMED, maxWorkers: 1, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
