// Fuzzing (bounded in count and time): random mutations of real Nix files (the bundled example
// repository and the grammar snippets) never make the parser throw or hang, and printing the
// tree always gives back the mutated input exactly.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lex, tokenList } from "../../src/nix/lexer.js";
import { mulberry32, mutate } from "../../scripts/nix-mutate.js";
import { parseNix, showParsed } from "../../src/nix/index.js";
import { buildOptionIndex } from "../../src/nix/options.js";
import { listFiles } from "../../src/scan/discover.js";
import { ACCEPT } from "../fixtures/nix-parse/snippets.js";

const EXAMPLE = join(import.meta.dirname, "..", "..", "examples", "homelab");

describe("fuzzing the parser", () => {
  it("survives 3000 mutations of real files with exact round trips", async () => {
    const { files } = await listFiles(EXAMPLE);
    const corpus = [
      ...(await Promise.all(files.filter((f) => f.endsWith(".nix")).map((f) => readFile(join(EXAMPLE, f), "utf8")))),
      ...ACCEPT,
    ];
    expect(corpus.length).toBeGreaterThan(20);
    const rand = mulberry32(20261122);
    const started = performance.now();
    let rejected = 0;
    for (let i = 0; i < 3000; i++) {
      const base = corpus[Math.floor(rand() * corpus.length)]!;
      const text = mutate(base, tokenList(lex(base)), rand);
      const t0 = performance.now();
      const p = parseNix(text, { path: "/fuzz/f.nix" });
      let printed = "";
      for (const t of p.root.tokens()) printed += t.text;
      expect(printed).toBe(text);
      if (p.error) rejected++;
      else showParsed(p);
      buildOptionIndex(p.root);
      // No single input may take long (a hang would show here first).
      expect(performance.now() - t0).toBeLessThan(2000);
    }
    // Most mutations break the file: the error paths were exercised.
    expect(rejected).toBeGreaterThan(1000);
    expect(performance.now() - started).toBeLessThan(60_000);
  }, 90_000);
});
