// The parser benchmark (npm run bench -- DIR): parse every .nix file under DIR in one process, side
// by side with `nix-instantiate --parse` over the same files in one process, and report wall times,
// throughput, memory and the ratio. Numbers, not pass/fail; runs alternate to share the noise.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nixParse } from "../scripts/nix-compat.js";
import { listNixFiles } from "../scripts/nix-files.js";

interface Timing {
  wallMs: number;
  rssKB?: number;
}

function timeCommand(cmd: string, args: string[]): Timing {
  // GNU time gives the peak RSS of the child; fall back to wall time alone.
  const hasTime = spawnSync("/usr/bin/time", ["-f", "%M", "true"]).status === 0;
  const t0 = performance.now();
  const r = hasTime
    ? spawnSync("/usr/bin/time", ["-f", "%M", cmd, ...args], { encoding: "utf8", maxBuffer: 1 << 30 })
    : spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 1 << 30 });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr.slice(-500)}`);
  const rss = hasTime ? Number(r.stderr.trim().split("\n").pop()) : undefined;
  return { wallMs, rssKB: rss };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function benchParse(dir: string, rounds = 7): Promise<void> {
  const all = await listNixFiles(dir);
  // nix-instantiate stops at the first file it rejects, so both sides time the accepted files.
  const verdicts = await nixParse(all);
  const files = verdicts.filter((v) => v.accepted).map((v) => v.file);
  const bytes = files.reduce((n, f) => n + statSync(f).size, 0);
  const work = mkdtempSync(join(tmpdir(), "nix-warden-bench-"));
  const list = join(work, "files.txt");
  writeFileSync(list, files.join("\n"));
  const worker = join(import.meta.dirname, "parse-worker.js");
  const nixVersion = execFileSync("nix-instantiate", ["--version"], { encoding: "utf8" }).trim();

  const nix: Timing[] = [];
  const ours: Record<string, Array<Timing & { inProcessMs: number }>> = { tree: [], full: [], print: [] };
  let warmMBs: number;
  try {
    for (let r = 0; r < rounds; r++) {
      nix.push(timeCommand("nix-instantiate", ["--parse", ...files]));
      for (const mode of ["tree", "full", "print"] as const) {
        const t = timeCommand(process.execPath, [worker, mode, list, "1"]);
        const res = JSON.parse(spawnSync(process.execPath, [worker, mode, list, "1"], { encoding: "utf8" }).stdout) as {
          runs: Array<{ ms: number }>;
        };
        ours[mode]!.push({ ...t, inProcessMs: res.runs[0]!.ms });
      }
    }
    const warm = JSON.parse(spawnSync(process.execPath, [worker, "print", list, "6"], { encoding: "utf8" }).stdout) as {
      runs: Array<{ ms: number }>;
    };
    warmMBs = bytes / 1e6 / (Math.min(...warm.runs.slice(1).map((x) => x.ms)) / 1000);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  const nixWall = median(nix.map((t) => t.wallMs));
  const mb = bytes / 1e6;
  console.log(`parse benchmark: ${dir}`);
  console.log(`  ${files.length} files Nix accepts (of ${all.length}), ${mb.toFixed(2)} MB; median of ${rounds} alternating rounds; ${nixVersion}, node ${process.version}`);
  console.log("");
  console.log("  program                                   wall ms   in-process ms   MB/s (wall)   peak RSS MB   ratio to Nix");
  const row = (name: string, wall: number, inProc: number | undefined, rss: number | undefined) =>
    console.log(
      `  ${name.padEnd(40)} ${wall.toFixed(0).padStart(8)}   ${(inProc === undefined ? "-" : inProc.toFixed(0)).padStart(13)}   ${(mb / (wall / 1000)).toFixed(1).padStart(11)}   ${(rss === undefined ? "-" : (rss / 1024).toFixed(0)).padStart(11)}   ${(wall / nixWall).toFixed(2).padStart(12)}`,
    );
  row("nix-instantiate --parse (C++)", nixWall, undefined, median(nix.map((t) => t.rssKB ?? 0)) || undefined);
  const labels = { tree: "nix-warden: lossless tree", full: "nix-warden: tree + Nix AST + scopes", print: "nix-warden: all of that + --parse text" };
  for (const mode of ["tree", "full", "print"] as const) {
    const xs = ours[mode]!;
    row(labels[mode], median(xs.map((t) => t.wallMs)), median(xs.map((t) => t.inProcessMs)), median(xs.map((t) => t.rssKB ?? 0)) || undefined);
  }
  console.log("");
  console.log(`  warm throughput (JIT-compiled, best of 5 passes, print mode): ${warmMBs.toFixed(1)} MB/s`);
  console.log("  wall = the whole process (start-up included) for both; in-process = nix-warden's parse loop alone.");
}
