// Benchmark: matching 10,000 packages against an advisory cache of 250,000 CVE records (synthetic,
// in the real cache format), timing what a scan pays: reading and checking the cache file, then
// matching. Target: under 2 s. Reports peak RSS. Numbers, not pass/fail.
// Run: npm run bench -- vulns [RECORDS] [PACKAGES]
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeCache, loadCache } from "../src/vulns/cache.js";
import { matchPackages } from "../src/vulns/match.js";
import type { Advisory } from "../src/vulns/nvd.js";

/** A small deterministic PRNG (mulberry32), so every run matches the same data. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface VulnsBenchResult {
  records: number;
  packages: number;
  cacheBytes: number;
  loadMs: number;
  matchMs: number;
  totalMs: number;
  /** CPU time (user + system) of the measured part: what it costs on a machine that is not shared. */
  cpuMs: number;
  vulnerablePackages: number;
  matches: number;
  peakRssMiB: number;
}

export async function runVulnsBench(records = 250_000, packages = 10_000): Promise<VulnsBenchResult> {
  const rand = rng(14);
  const products = Math.round(records / 8);
  const ver = () => `${Math.floor(rand() * 5)}.${Math.floor(rand() * 20)}.${Math.floor(rand() * 30)}`;
  function* advisories(): Generator<Advisory> {
    for (let i = 0; i < records; i++) {
      const p = Math.floor(rand() * products);
      const lo = ver();
      yield {
        id: `CVE-${2000 + (i % 25)}-${100000 + i}`,
        score: Math.round(rand() * 100) / 10,
        severity: "HIGH",
        cvssVersion: "3.1",
        lastModified: "2025-01-01T00:00:00.000",
        summary: `Synthetic advisory ${i} for product ${p}: a buffer overflow in a parser allows remote attackers to cause a denial of service.`,
        ranges: [
          // A third of the products also exist under a second vendor (name clashes).
          { vendor: `product${p}_project`, product: `product${p}`, version: "*", startIncluding: lo, endExcluding: `${Number(lo.split(".")[0]) + 1}.0.0` },
          ...(p % 3 === 0 ? [{ vendor: `other${p}`, product: `product${p}`, version: "*", endIncluding: ver() }] : []),
        ],
      };
    }
  }
  const dir = await mkdtemp(join(tmpdir(), "nix-warden-bench-vulns-"));
  try {
    const path = join(dir, "nvd.cache");
    await writeFile(path, encodeCache(advisories(), { source: "synthetic", updatedAt: new Date().toISOString() }));
    const cacheBytes = (await stat(path)).size;
    // Package names are the products' own names with vendor "<name>_project" in the unmapped
    // heuristic, so make the synthetic vendor match it for half of them.
    const pkgs = Array.from({ length: packages }, (_, i) => ({ pname: `product${Math.floor(rand() * products)}`, version: ver(), patches: i % 50 === 0 ? ["CVE-2001-100001.patch"] : [] }));
    await writeFile(join(dir, "packages.json"), JSON.stringify(pkgs));
    // Measured in a fresh process, so its peak RSS is the scan's, not the generator's.
    const out = execFileSync(process.execPath, [...(process.env.VULNS_BENCH_NODE_ARGS ? process.env.VULNS_BENCH_NODE_ARGS.split(" ") : []), fileURLToPath(import.meta.url), "--measure", dir], { encoding: "utf8", timeout: 300_000, maxBuffer: 1 << 20 });
    return { records, packages, cacheBytes, ...(JSON.parse(out) as Omit<VulnsBenchResult, "records" | "packages" | "cacheBytes">) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function formatVulnsBench(r: VulnsBenchResult): string {
  return [
    `vulns: ${r.packages} packages against ${r.records} CVE records (cache file ${(r.cacheBytes / 1048576).toFixed(1)} MiB)`,
    `  load + check cache: ${r.loadMs.toFixed(0)} ms`,
    `  match:              ${r.matchMs.toFixed(0)} ms`,
    `  total:              ${r.totalMs.toFixed(0)} ms wall (target < 2000 ms), ${r.cpuMs.toFixed(0)} ms CPU (wall time grows when other jobs share the cores)`,
    `  ${r.vulnerablePackages} vulnerable package versions, ${r.matches} matches`,
    `  peak RSS of the measuring process (node itself included): ${r.peakRssMiB.toFixed(0)} MiB`,
  ].join("\n");
}

/** The measured part, in its own process: load the cache the way a scan does, then match. */
async function measure(dir: string): Promise<void> {
  const pkgs = JSON.parse(await readFile(join(dir, "packages.json"), "utf8")) as { pname: string; version: string; patches: string[] }[];
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const load = await loadCache(join(dir, "nvd.cache"));
  if (load.status !== "ok") throw new Error(`cache: ${load.status}`);
  const t1 = performance.now();
  const results = matchPackages(pkgs, load.cache);
  const t2 = performance.now();
  const c = process.cpuUsage(c0);
  let matches = 0;
  let vulnerable = 0;
  for (const r of results.values()) {
    matches += r.matches.length;
    if (r.matches.length) vulnerable++;
  }
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ loadMs: t1 - t0, matchMs: t2 - t1, totalMs: t2 - t0, cpuMs: (c.user + c.system) / 1000, vulnerablePackages: vulnerable, matches, peakRssMiB }));
}

if (process.argv[2] === "--measure" && process.argv[3] && process.argv[1] === fileURLToPath(import.meta.url)) {
  measure(process.argv[3]).catch((e: unknown) => {
    console.error(e);
    process.exitCode = 3;
  });
}
