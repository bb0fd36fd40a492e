// What a test started or created and must stop or remove when it ends (servers, temp directories).
// The registry is drained after every test by test/setup-env.ts: a helper module cannot register
// that afterEach itself, because test files share their worker's modules (vitest.config.ts,
// `isolate: false`), so a helper's top-level afterEach would be registered for the first test file
// that imports it only, and the servers of later files would outlive their tests.
const cleanups: Array<() => Promise<unknown>> = [];

export function onCleanup(fn: () => Promise<unknown>): void {
  cleanups.push(fn);
}

/** Run every registered cleanup, latest first; a failing one does not stop the others. */
export async function runCleanups(): Promise<void> {
  while (cleanups.length) await cleanups.pop()!().catch(() => {});
}
