// Version ordering exactly as Nix's `builtins.compareVersions` (libstore/names.cc): versions split
// into components at '.' and '-'; a component is a run of digits or a run of other characters;
// numbers compare numerically, "pre" sorts below everything, a missing component below a number,
// letters below numbers ("2.3a" < "2.3.1"), and other strings byte-wise. Advisory ranges are
// compared with it, so "does 1.1.1w fall before 1.1.1x" is answered the way nixpkgs orders versions.

const INT_MAX = 2147483647;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** The components of a version, as Nix's nextComponent yields them. */
export function versionComponents(v: string): string[] {
  const out: string[] = [];
  let p = 0;
  while (p < v.length) {
    while (p < v.length && (v[p] === "." || v[p] === "-")) p++;
    if (p >= v.length) break;
    const s = p;
    if (isDigit(v.charCodeAt(p))) while (p < v.length && isDigit(v.charCodeAt(p))) p++;
    else while (p < v.length && !isDigit(v.charCodeAt(p)) && v[p] !== "." && v[p] !== "-") p++;
    out.push(v.slice(s, p));
  }
  return out;
}

/** Nix's string2Int<int>: all digits and within int range, else not a number. */
function asInt(c: string): number | undefined {
  if (c === "") return undefined;
  for (let i = 0; i < c.length; i++) if (!isDigit(c.charCodeAt(i))) return undefined;
  const n = Number(c);
  return n > INT_MAX ? undefined : n;
}

function byteLess(a: string, b: string): boolean {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8")) < 0;
}

// eslint-disable-next-line no-control-regex
const ASCII = /^[\x00-\x7f]*$/;

function componentLess(c1: string, n1: number | undefined, c2: string, n2: number | undefined): boolean {
  if (n1 !== undefined && n2 !== undefined) return n1 < n2;
  if (c1 === "" && n2 !== undefined) return true;
  if (c1 === "pre" && c2 !== "pre") return true;
  if (c2 === "pre") return false;
  if (n2 !== undefined) return true;
  if (n1 !== undefined) return false;
  // ASCII-only strings (nearly all versions) compare the same as bytes; skip the Buffers then.
  return ASCII.test(c1) && ASCII.test(c2) ? c1 < c2 : byteLess(c1, c2);
}

interface Parsed {
  parts: string[];
  ints: (number | undefined)[];
}

// Matching compares the same few thousand version strings again and again: parse each once.
const parsedCache = new Map<string, Parsed>();
const MAX_CACHED = 200_000;

function parsed(v: string): Parsed {
  let p = parsedCache.get(v);
  if (!p) {
    const parts = versionComponents(v);
    p = { parts, ints: parts.map(asInt) };
    if (parsedCache.size >= MAX_CACHED) parsedCache.clear();
    parsedCache.set(v, p);
  }
  return p;
}

/** -1, 0 or 1, like `builtins.compareVersions a b`. */
export function compareVersions(a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  const pa = parsed(a);
  const pb = parsed(b);
  const n = Math.max(pa.parts.length, pb.parts.length);
  for (let i = 0; i < n; i++) {
    const x = pa.parts[i] ?? "";
    const y = pb.parts[i] ?? "";
    const nx = i < pa.parts.length ? pa.ints[i] : undefined;
    const ny = i < pb.parts.length ? pb.ints[i] : undefined;
    if (componentLess(x, nx, y, ny)) return -1;
    if (componentLess(y, ny, x, nx)) return 1;
  }
  return 0;
}
