// `node dist/scripts/fuzz-diff.js DIR [--count N] [--seed S] [--keep DIR]`
// Differential fuzzing against Nix itself: mutate real .nix files (delete, duplicate, swap or
// insert tokens and characters, truncate), then check that nix-instantiate --parse and our parser
// give the same verdict, the same error line, and the same printed output. Not a test (it needs
// minutes); its findings become test fixtures.
import { mkdtemp, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { compareFile, nixParse } from "./nix-compat.js";
import { lex, tokenList } from "../src/nix/lexer.js";
import { listNixFiles } from "./nix-files.js";
import { runMain } from "./run-main.js";
import { mulberry32, mutate } from "./nix-mutate.js";

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: { count: { type: "string", default: "500" }, seed: { type: "string", default: "1" }, keep: { type: "string" } },
    allowPositionals: true,
  });
  const dir = positionals[0];
  if (!dir) {
    console.error("usage: fuzz-diff DIR [--count N] [--seed S] [--keep DIR]");
    return 2;
  }
  const rand = mulberry32(Number(values.seed));
  const sources = (await listNixFiles(dir)).filter((f) => !f.includes("/lang/"));
  const work = await mkdtemp(join(tmpdir(), "nix-warden-fuzz-"));
  const count = Number(values.count);
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const src = sources[Math.floor(rand() * sources.length)]!;
    const text = await readFile(src, "utf8");
    const mutated = mutate(text, tokenList(lex(text)), rand);
    const f = join(work, `m${i}.nix`);
    await writeFile(f, mutated);
    files.push(f);
  }
  const verdicts = await nixParse(files);
  const tally: Record<string, number> = {};
  const problems: string[] = [];
  for (const v of verdicts) {
    const c = await compareFile(v, "nix-2.8");
    tally[c.status] = (tally[c.status] ?? 0) + 1;
    if (!["identical", "identical-after-ordering", "both-reject-same-line", "both-reject-nix-error-among-ours"].includes(c.status)) {
      problems.push(
        `${c.status} ${c.file}\n  nix:  ${c.nix.accepted ? "accepts" : `${c.nix.output} @${c.nix.errorLine}:${c.nix.errorColumn}`}\n  ours: ${c.ours.accepted ? "accepts" : `${c.ours.output} @${c.ours.errorLine}:${c.ours.errorColumn}`}${c.firstDifference ? `\n  nix:  ${c.firstDifference.nix}\n  ours: ${c.firstDifference.ours}` : ""}`,
      );
      if (values.keep) {
        await mkdir(values.keep, { recursive: true });
        await writeFile(join(values.keep, `${c.status}-${problems.length}.nix`), await readFile(c.file));
      }
    }
  }
  console.log(JSON.stringify(tally));
  for (const p of problems.slice(0, 30)) console.log(p);
  await rm(work, { recursive: true, force: true });
  return problems.length === 0 ? 0 : 1;
}

runMain(main);
