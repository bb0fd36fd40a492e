// One process that parses a list of files and reports timings as JSON on stdout (spawned by
// bench/parse.ts so that process start-up is measured just as it is for nix-instantiate).
// argv: MODE LISTFILE [PASSES], MODE = tree | full | print
import { readFileSync } from "node:fs";
import { parse } from "../src/nix/parser.js";
import { parseNix, showParsed } from "../src/nix/index.js";

const [mode = "print", listFile, passesArg] = process.argv.slice(2);
const files = readFileSync(listFile!, "utf8").split("\n").filter(Boolean);
const passes = Number(passesArg ?? "1");

function once(): { ms: number; bytes: number; out: number } {
  const t0 = performance.now();
  let bytes = 0;
  let out = 0;
  for (const f of files) {
    const text = readFileSync(f, "utf8");
    bytes += text.length;
    if (mode === "tree") out += parse(text, { path: f }).diagnostics.length;
    else {
      const p = parseNix(text, { path: f, dialect: "nix-2.8" });
      if (mode === "print" && !p.error) out += showParsed(p).length;
    }
  }
  return { ms: performance.now() - t0, bytes, out };
}

const runs = [];
for (let i = 0; i < passes; i++) runs.push(once());
const sinceStart = performance.now();
console.log(JSON.stringify({ mode, files: files.length, runs, sinceStart, maxRssKB: process.resourceUsage().maxRSS }));
