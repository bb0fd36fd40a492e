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

/**
 * Run `setup` for a whole test file (in its beforeAll): what it registers is not stopped after the
 * file's first test but by the function returned with its value, for the file's afterAll. For a
 * server or fixture the file's tests only read.
 */
export async function fileScoped<T>(setup: () => Promise<T>): Promise<[T, () => Promise<void>]> {
  const from = cleanups.length;
  const value = await setup();
  const mine = cleanups.splice(from);
  return [
    value,
    async () => {
      while (mine.length) await mine.pop()!().catch(() => {});
    },
  ];
}
