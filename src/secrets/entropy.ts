// Shannon entropy of a string, in bits per character. Random tokens score high (a 32-char random
// base62 string is about 4.5-4.9), words and configuration values low (English about 3.0-3.3).
// The keyword-anchored detector uses it to tell a random credential from a readable value.

export function shannonEntropy(value: string): number {
  const chars = [...value];
  if (chars.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const c of chars) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / chars.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}
