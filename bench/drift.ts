// Benchmark: one host's full drift check against the example machine root (examples/drift), next to
// the bare `nix eval` it contains. Reports the time beyond the evaluation (target: under 150 ms) and
// the processes spawned. Numbers, not pass/fail. Run: npm run build && node dist/bench/drift.js
import { evalDeclared } from "../src/drift/declared/eval.js";
import { prepareExample, runExampleCheck } from "../src/drift/demo.js";
import { spawnCounter, hasCommand } from "../src/system/run.js";

const RUNS = Number(process.env.DRIFT_BENCH_RUNS ?? 7);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

export interface DriftBenchResult {
  runs: number;
  bareEvalMs: number;
  fullCheckMs: number;
  evalInCheckMs: number;
  beyondEvalMs: number;
  fullCheckProcesses: number;
  cachedCheckMs: number;
  cachedCheckProcesses: number;
  items: number;
}

export async function runDriftBench(runs = RUNS): Promise<DriftBenchResult> {
  if (!(await hasCommand("nix"))) throw new Error("the drift benchmark needs nix (it measures the check around a real nix eval)");
  const ws = await prepareExample();
  try {
    // Warm up: Nix copies the flake to the store once; the fs cache fills.
    await evalDeclared(ws.repo, "web1");
    await runExampleCheck(ws, { noCache: true });

    const bare: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      const r = await evalDeclared(ws.repo, "web1");
      if (!r.value) throw new Error(`nix eval failed: ${r.error}`);
      bare.push(performance.now() - t);
    }

    const full: number[] = [];
    const inCheck: number[] = [];
    const procs: number[] = [];
    let items = 0;
    for (let i = 0; i < runs; i++) {
      const before = spawnCounter.count;
      const t = performance.now();
      const r = await runExampleCheck(ws, { noCache: true });
      full.push(performance.now() - t);
      procs.push(spawnCounter.count - before);
      inCheck.push(r.timing.evalMs);
      items = r.items.length;
    }

    await runExampleCheck(ws); // fills the cache
    const cached: number[] = [];
    const cachedProcs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const before = spawnCounter.count;
      const t = performance.now();
      const r = await runExampleCheck(ws);
      cached.push(performance.now() - t);
      cachedProcs.push(spawnCounter.count - before);
      if (!r.timing.declaredFromCache) throw new Error("expected the declared state from the cache");
    }

    const fullMs = median(full);
    const bareMs = median(bare);
    return {
      runs,
      bareEvalMs: bareMs,
      fullCheckMs: fullMs,
      evalInCheckMs: median(inCheck),
      beyondEvalMs: fullMs - bareMs,
      fullCheckProcesses: Math.max(...procs),
      cachedCheckMs: median(cached),
      cachedCheckProcesses: Math.max(...cachedProcs),
      items,
    };
  } finally {
    await ws.cleanup();
  }
}

export function formatDriftBench(r: DriftBenchResult): string {
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  const rows: [string, string][] = [
    ["bare nix eval (extractor, one host)", ms(r.bareEvalMs)],
    ["full check, declared state evaluated", ms(r.fullCheckMs)],
    ["  of which nix eval (inside the check)", ms(r.evalInCheckMs)],
    ["  time beyond the bare nix eval (target < 150 ms)", ms(r.beyondEvalMs)],
    ["  processes spawned", String(r.fullCheckProcesses)],
    ["full check, declared state from the cache", ms(r.cachedCheckMs)],
    ["  processes spawned", String(r.cachedCheckProcesses)],
    ["drift items found", String(r.items)],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return [`drift check on examples/drift (median of ${r.runs} runs)`, ...rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`)].join("\n");
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly) {
  runDriftBench().then(
    (r) => console.log(formatDriftBench(r)),
    (e: Error) => {
      console.error(`drift bench: ${e.message}`);
      process.exitCode = 1;
    },
  );
}
