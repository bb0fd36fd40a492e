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
  if (c === "" || !/^[0-9]+$/.test(c)) return undefined;
  const n = Number(c);
  return n > INT_MAX ? undefined : n;
}

function byteLess(a: string, b: string): boolean {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8")) < 0;
}

function componentLess(c1: string, c2: string): boolean {
  const n1 = asInt(c1);
  const n2 = asInt(c2);
  if (n1 !== undefined && n2 !== undefined) return n1 < n2;
  if (c1 === "" && n2 !== undefined) return true;
  if (c1 === "pre" && c2 !== "pre") return true;
  if (c2 === "pre") return false;
  if (n2 !== undefined) return true;
  if (n1 !== undefined) return false;
  // ASCII-only strings (nearly all versions) compare the same as bytes; skip the Buffers then.
  return /^[\x00-\x7f]*$/.test(c1 + c2) ? c1 < c2 : byteLess(c1, c2);
}

/** -1, 0 or 1, like `builtins.compareVersions a b`. */
export function compareVersions(a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  const ca = versionComponents(a);
  const cb = versionComponents(b);
  const n = Math.max(ca.length, cb.length);
  for (let i = 0; i < n; i++) {
    const x = ca[i] ?? "";
    const y = cb[i] ?? "";
    if (componentLess(x, y)) return -1;
    if (componentLess(y, x)) return 1;
  }
  return 0;
}
