// Deterministic mutations of Nix source for fuzzing (the fuzz test and scripts/fuzz-diff.ts):
// delete, duplicate or swap tokens, insert characters that matter to the grammar, truncate.
import type { Token } from "../src/nix/lexer.js";

/** A small seeded PRNG (mulberry32): the same seed gives the same mutations everywhere. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INSERTS = [
  "{", "}", "(", ")", "[", "]", ";", ":", ",", ".", "@", "?", "=", "+", "-", "*", "/", "<", ">", "!", "|", "&",
  "'", "''", '"', "$", "${", "\\", "~", "#", "\n", " ", "...", "//", "++", "->", "==", "or", "in", "let", "rec",
  "inherit", "with", "assert", "if", "then", "else", "x", "a.b", "./p", "<n>", "1", "1.5", "0x", "http://u",
  "|>", "<|", "/*", "*/", "\r", "\t",
];

export function mutate(text: string, tokens: Token[], rand: () => number): string {
  if (tokens.length === 0) return text + INSERTS[Math.floor(rand() * INSERTS.length)];
  const pick = () => tokens[Math.floor(rand() * tokens.length)]!;
  const rounds = 1 + Math.floor(rand() * 3);
  let out = text;
  for (let r = 0; r < rounds; r++) {
    const t = pick();
    if (t.end > out.length) continue;
    switch (Math.floor(rand() * 6)) {
      case 0: // delete a token
        out = out.slice(0, t.start) + out.slice(t.end);
        break;
      case 1: // duplicate a token
        out = out.slice(0, t.end) + out.slice(t.start, t.end) + out.slice(t.end);
        break;
      case 2: {
        // swap with another token
        const u = pick();
        if (u.end > out.length || u.start === t.start) break;
        const [a, b] = t.start < u.start ? [t, u] : [u, t];
        if (a.end > b.start) break;
        out = out.slice(0, a.start) + out.slice(b.start, b.end) + out.slice(a.end, b.start) + out.slice(a.start, a.end) + out.slice(b.end);
        break;
      }
      case 3: // insert something at a token boundary
      case 4: {
        const ins = INSERTS[Math.floor(rand() * INSERTS.length)]!;
        const at = rand() < 0.5 ? t.start : t.end;
        out = out.slice(0, at) + ins + out.slice(at);
        break;
      }
      case 5: // truncate
        if (rand() < 0.3) out = out.slice(0, t.start + Math.floor(rand() * (t.end - t.start + 1)));
        break;
    }
  }
  return out;
}
