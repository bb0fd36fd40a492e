// The scan benchmark (npm run bench -- scan DIR [ROUNDS]): side by side in one run, interleaved
// round by round (the machine's load touches every program alike), medians of ROUNDS (default 7):
//   - `nix-instantiate --parse` of the repository's .nix files (one process, all files);
//   - the CLI's cold scan (a fresh process, --no-cache);
//   - the CLI's cached scan (a fresh process, its persistent cache warm, nothing changed);
//   - the MCP server's first scan (a fresh server: from tools/call to the answer, SDK client);
// with their ratios to Nix and the peak RSS of each process (GNU time's %M). Then, in this process,
// repeat scans: nothing changed, and after one file changed (the in-process caches).
// DIR must be a copy the benchmark may write to (it edits one file and puts it back).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { CallToolResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { nixParse } from "../scripts/nix-compat.js";
import { listFiles } from "../src/scan/discover.js";
import { runScan } from "../src/scan/index.js";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const GNU_TIME = "/usr/bin/time";

/** Wall time (ms) and peak RSS (MB, when GNU time is there) of one program run to its end. */
function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv): { ms: number; rssMb: number | undefined } {
  const rssFile = join(tmpdir(), `nix-warden-bench-rss-${process.pid}`);
  const withTime = existsSync(GNU_TIME);
  const [file, argv] = withTime ? [GNU_TIME, ["-f", "%M", "-o", rssFile, cmd, ...args]] : [cmd, args];
  const t0 = performance.now();
  const r = spawnSync(file, argv, { env, encoding: "utf8", maxBuffer: 1 << 30, timeout: 600_000 });
  const ms = performance.now() - t0;
  if (r.status !== 0 && r.status !== 1) throw new Error(`${cmd} ${args.slice(0, 3).join(" ")} failed (${r.status}): ${r.stderr.slice(-400)}`);
  let rssMb: number | undefined;
  if (withTime) {
    rssMb = Number(readFileSync(rssFile, "utf8").trim().split("\n").pop()) / 1024;
    rmSync(rssFile, { force: true });
  }
  return { ms, rssMb };
}

/** The MCP server's first scan: a fresh server, the time from tools/call to its answer. */
async function mcpFirstScan(cli: string, dir: string, env: NodeJS.ProcessEnv): Promise<number> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [cli, "serve", "--root", dir], env: env as Record<string, string>, stderr: "ignore" });
  const client = new Client({ name: "nix-warden-bench", version: "0" });
  await client.connect(transport);
  try {
    const t0 = performance.now();
    const answer = await client.callTool({ name: "security_scan", arguments: { path: dir, quick: true } }, CallToolResultSchema, { timeout: 600_000 });
    const ms = performance.now() - t0;
    if (answer.isError) throw new Error(`security_scan failed: ${JSON.stringify(answer.content).slice(0, 400)}`);
    return ms;
  } finally {
    await client.close();
  }
}

export async function benchScan(dir: string, rounds = 7): Promise<void> {
  const { files } = await listFiles(dir);
  const nixFiles = files.filter((f) => f.endsWith(".nix")).map((f) => join(dir, f));
  const accepted = (await nixParse(nixFiles)).filter((v) => v.accepted).map((v) => v.file);
  let bytes = 0;
  for (const f of nixFiles) bytes += (await readFile(f)).length;
  // The CLI as users run it: the bundle (dist/bundle/main.js, package.json's bin).
  const cli = join(import.meta.dirname, "..", "bundle", "main.js");
  // nix-warden's state and cache in directories of the benchmark's own, removed at the end.
  const cacheHome = mkdtempSync(join(tmpdir(), "nix-warden-bench-cache-"));
  const env = { ...process.env, NIX_WARDEN_CACHE_DIR: join(cacheHome, "cache"), NIX_WARDEN_STATE_DIR: join(cacheHome, "state") };
  const scanArgs = [cli, "scan", dir, "--quick", "--format", "json"];

  const nix: ReturnType<typeof timed>[] = [];
  const cold: ReturnType<typeof timed>[] = [];
  const cached: ReturnType<typeof timed>[] = [];
  const mcp: number[] = [];
  try {
    timed(process.execPath, scanArgs, env); // fills the persistent cache
    for (let r = 0; r < rounds; r++) {
      nix.push(timed("nix-instantiate", ["--parse", ...accepted], env));
      cold.push(timed(process.execPath, [...scanArgs, "--no-cache"], env));
      cached.push(timed(process.execPath, scanArgs, env));
      mcp.push(await mcpFirstScan(cli, dir, env));
    }
  } finally {
    rmSync(cacheHome, { recursive: true, force: true });
  }

  // Repeat scans in one process: warm, then after one file changed.
  const target = nixFiles[Math.floor(nixFiles.length / 2)]!;
  const original = await readFile(target, "utf8");
  const t0 = performance.now();
  const first = await runScan({ root: dir, quick: true });
  const coldInProcess = performance.now() - t0;
  const repeats: number[] = [];
  const unchanged: number[] = [];
  try {
    // In-process repeats are cheap: more of them give a steadier median.
    for (let r = 0; r < rounds * 4; r++) {
      let t = performance.now();
      await runScan({ root: dir, quick: true });
      unchanged.push(performance.now() - t);
      await writeFile(target, `${original}\n# bench edit ${r}\n`);
      t = performance.now();
      await runScan({ root: dir, quick: true });
      repeats.push(performance.now() - t);
    }
  } finally {
    await writeFile(target, original);
  }

  const nixMs = median(nix.map((x) => x.ms));
  const rss = (xs: ReturnType<typeof timed>[]) => {
    const known = xs.map((x) => x.rssMb).filter((x): x is number => x !== undefined);
    return known.length ? `${median(known).toFixed(0)} MB` : "n/a";
  };
  console.log(`scan benchmark: ${dir}`);
  console.log(`  ${nixFiles.length} .nix files (${accepted.length} accepted by Nix), ${(bytes / 1e6).toFixed(2)} MB, ${files.length} files in all; ${first.findings.length} findings; medians of ${rounds} interleaved rounds`);
  console.log("");
  console.log("  program                                             wall ms   ratio to Nix   peak RSS");
  const row = (name: string, ms: number, peak: string) => console.log(`  ${name.padEnd(50)} ${ms.toFixed(0).padStart(8)}   ${(ms / nixMs).toFixed(2).padStart(12)}   ${peak.padStart(8)}`);
  row("nix-instantiate --parse (the .nix files)", nixMs, rss(nix));
  row("nix-warden scan --quick --no-cache (cold CLI)", median(cold.map((x) => x.ms)), rss(cold));
  row("nix-warden scan --quick (cached CLI, unchanged)", median(cached.map((x) => x.ms)), rss(cached));
  row("MCP server's first security_scan (tools/call)", median(mcp), "");
  console.log("");
  console.log(`  in one process: first scan ${coldInProcess.toFixed(0)} ms; then ${repeats.length} rounds: repeat, nothing changed ${median(unchanged).toFixed(1)} ms; repeat after one file changed ${median(repeats).toFixed(1)} ms (target < 20)`);
}
