// A time budget for the work on one file. Lexing, parsing, indexing and the rules' tree walks are
// synchronous loops that nothing outside can interrupt, so they call checkDeadline() as they go;
// once the budget of the innermost withDeadline() is spent it throws DeadlineExceeded, and the
// scan turns that into an error entry for the file. Synchronous only: the budget is set for the
// duration of one call, so no other work can run (and be charged) while it is set.

export class DeadlineExceeded extends Error {
  constructor(readonly budgetMs: number) {
    super(`took longer than ${formatSeconds(budgetMs)}; skipped`);
    this.name = "DeadlineExceeded";
  }
}

let deadlineAt = Infinity;
let budget = 0;
// Reading the clock on every step would cost more than the steps: look every CHECK_EVERY calls.
const CHECK_EVERY = 1024;
let countdown = CHECK_EVERY;

/** Run `fn` with a budget of `budgetMs` (nested budgets: the tighter one counts). */
export function withDeadline<T>(budgetMs: number | undefined, fn: () => T): T {
  if (budgetMs === undefined || !Number.isFinite(budgetMs)) return fn();
  const savedAt = deadlineAt;
  const savedBudget = budget;
  const at = performance.now() + budgetMs;
  if (at < deadlineAt) {
    deadlineAt = at;
    budget = budgetMs;
  }
  try {
    return fn();
  } finally {
    deadlineAt = savedAt;
    budget = savedBudget;
  }
}

/** Throws DeadlineExceeded once the current budget is spent. Cheap enough for inner loops. */
export function checkDeadline(): void {
  if (--countdown > 0) return;
  countdown = CHECK_EVERY;
  if (deadlineAt !== Infinity && performance.now() > deadlineAt) throw new DeadlineExceeded(budget);
}

function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : String(Number(s.toFixed(3)))} s`;
}
