// The scan benchmark (npm run bench -- scan DIR): the whole CLI scan of a repository, side by side
// with `nix-instantiate --parse` of the same .nix files in one process; then, in one process, a
// repeated scan after one file changed (parse and rule results are cached by content).
// DIR must be a copy the benchmark may write to (it edits one file and puts it back).
import { spawnSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { nixParse } from "../scripts/nix-compat.js";
import { listFiles } from "../src/scan/discover.js";
import { runScan } from "../src/scan/index.js";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function timed(cmd: string, args: string[], cwd?: string): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", maxBuffer: 1 << 30 });
  const ms = performance.now() - t0;
  if (r.status !== 0 && r.status !== 1) throw new Error(`${cmd} ${args.slice(0, 3).join(" ")} failed (${r.status}): ${r.stderr.slice(-400)}`);
  return ms;
}

export async function benchScan(dir: string, rounds = 7): Promise<void> {
  const { files } = await listFiles(dir);
  const nixFiles = files.filter((f) => f.endsWith(".nix")).map((f) => join(dir, f));
  const accepted = (await nixParse(nixFiles)).filter((v) => v.accepted).map((v) => v.file);
  let bytes = 0;
  for (const f of nixFiles) bytes += (await readFile(f)).length;
  const cli = join(import.meta.dirname, "..", "src", "cli", "main.js");

  const nix: number[] = [];
  const quick: number[] = [];
  const full: number[] = [];
  for (let r = 0; r < rounds; r++) {
    nix.push(timed("nix-instantiate", ["--parse", ...accepted]));
    quick.push(timed(process.execPath, [cli, "scan", dir, "--quick", "--format", "json"]));
    full.push(timed(process.execPath, [cli, "scan", dir, "--format", "json"]));
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

  const nixMs = median(nix);
  console.log(`scan benchmark: ${dir}`);
  console.log(`  ${nixFiles.length} .nix files (${accepted.length} accepted by Nix), ${(bytes / 1e6).toFixed(2)} MB, ${files.length} files in all; ${first.findings.length} findings; median of ${rounds} rounds`);
  console.log("");
  console.log("  program                                            wall ms   ratio to Nix");
  const row = (name: string, ms: number) => console.log(`  ${name.padEnd(50)} ${ms.toFixed(0).padStart(7)}   ${(ms / nixMs).toFixed(2).padStart(12)}`);
  row("nix-instantiate --parse (the .nix files)", nixMs);
  row("nix-warden scan --quick (whole CLI, built-in scorer)", median(quick));
  row("nix-warden scan (whole CLI, with systemd-analyze)", median(full));
  console.log("");
  console.log(`  in one process: first scan ${coldInProcess.toFixed(0)} ms; then ${repeats.length} rounds: repeat, nothing changed ${median(unchanged).toFixed(1)} ms; repeat after one file changed ${median(repeats).toFixed(1)} ms (target < 20)`);
}
