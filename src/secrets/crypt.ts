// crypt(3) password hashes recomputed, to tell what a committed hash is of: MD5-crypt (`$1$`,
// Apache's `$apr1$`) and SHA-crypt (`$5$`, `$6$`, Ulrich Drepper's specification, with `rounds=`).
// Used to recognise the hash of the empty password (an account locked open, a container's user
// "with no password"): nothing secret is in it, so there is nothing to crack. yescrypt, bcrypt and
// the memory-hard schemes are not recomputed (what they hash stays unknown).
import { createHash } from "node:crypto";

const ITOA64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** crypt's base64: three bytes (b2, b1, b0) as `n` characters, least significant six bits first. */
function b64(b2: number, b1: number, b0: number, n: number): string {
  let w = (b2 << 16) | (b1 << 8) | b0;
  let out = "";
  for (let i = 0; i < n; i++) {
    out += ITOA64[w & 0x3f];
    w >>>= 6;
  }
  return out;
}

function digest(alg: string, ...parts: Buffer[]): Buffer {
  const h = createHash(alg);
  for (const p of parts) h.update(p);
  return h.digest();
}

function md5Crypt(password: Buffer, magic: string, salt: string): string {
  const s = Buffer.from(salt.slice(0, 8));
  const alt = digest("md5", password, s, password);
  const ctx = createHash("md5");
  ctx.update(password);
  ctx.update(Buffer.from(magic));
  ctx.update(s);
  for (let pl = password.length; pl > 0; pl -= 16) ctx.update(alt.subarray(0, Math.min(pl, 16)));
  for (let i = password.length; i; i >>= 1) ctx.update(i & 1 ? Buffer.from([0]) : password.subarray(0, 1));
  let final = ctx.digest();
  for (let i = 0; i < 1000; i++) {
    const c = createHash("md5");
    c.update(i & 1 ? password : final);
    if (i % 3) c.update(s);
    if (i % 7) c.update(password);
    c.update(i & 1 ? final : password);
    final = c.digest();
  }
  const f = final;
  const enc = b64(f[0]!, f[6]!, f[12]!, 4) + b64(f[1]!, f[7]!, f[13]!, 4) + b64(f[2]!, f[8]!, f[14]!, 4) + b64(f[3]!, f[9]!, f[15]!, 4) + b64(f[4]!, f[10]!, f[5]!, 4) + b64(0, 0, f[11]!, 2);
  return `${magic}${salt.slice(0, 8)}$${enc}`;
}

function shaCrypt(password: Buffer, id: "5" | "6", salt: string, rounds: number | undefined): string {
  const alg = id === "5" ? "sha256" : "sha512";
  const len = id === "5" ? 32 : 64;
  const s = Buffer.from(salt.slice(0, 16));
  const n = rounds === undefined ? 5000 : Math.min(999_999_999, Math.max(1000, rounds));
  const b = digest(alg, password, s, password);
  const a = createHash(alg);
  a.update(password);
  a.update(s);
  let i = password.length;
  for (; i > len; i -= len) a.update(b);
  a.update(b.subarray(0, i));
  for (i = password.length; i > 0; i >>= 1) a.update(i & 1 ? b : password);
  const ad = a.digest();
  const dp = createHash(alg);
  for (i = 0; i < password.length; i++) dp.update(password);
  const dpd = dp.digest();
  const p = Buffer.alloc(password.length);
  for (i = 0; i < password.length; i++) p[i] = dpd[i % len]!;
  const ds = createHash(alg);
  for (i = 0; i < 16 + ad[0]!; i++) ds.update(s);
  const sseq = ds.digest().subarray(0, s.length);
  let c = ad;
  for (let r = 0; r < n; r++) {
    const h = createHash(alg);
    h.update(r & 1 ? p : c);
    if (r % 3) h.update(sseq);
    if (r % 7) h.update(p);
    h.update(r & 1 ? c : p);
    c = h.digest();
  }
  let enc = "";
  // The digest's bytes in the specification's order: groups of three, rotated one step each time.
  const groups = id === "5" ? 10 : 21;
  for (let g = 0; g < groups; g++) {
    const t = [g, g + groups, g + 2 * groups];
    const [x, y, z] = id === "6" ? [t[g % 3]!, t[(g + 1) % 3]!, t[(g + 2) % 3]!] : [t[(3 - (g % 3)) % 3]!, t[(4 - (g % 3)) % 3]!, t[(5 - (g % 3)) % 3]!];
    enc += b64(c[x]!, c[y]!, c[z]!, 4);
  }
  enc += id === "5" ? b64(0, c[31]!, c[30]!, 3) : b64(0, 0, c[63]!, 2);
  return `$${id}$${rounds === undefined ? "" : `rounds=${n}$`}${salt.slice(0, 16)}$${enc}`;
}

/** The most rounds recomputed (a hash with more is left undecided: a scan must stay quick). */
const MAX_ROUNDS = 100_000;

/**
 * Recompute a crypt(3) hash for `password` with the hash's own scheme, salt and rounds: true when
 * it is that password's hash, false when not, undefined for a scheme not recomputed here.
 */
export function cryptMatches(hash: string, password: string): boolean | undefined {
  const pw = Buffer.from(password, "utf8");
  let m = /^\$(1|apr1)\$([^$]{0,8})\$([./0-9A-Za-z]{22})$/.exec(hash);
  if (m) return md5Crypt(pw, `$${m[1]}$`, m[2]!) === hash;
  m = /^\$([56])\$(?:rounds=(\d{1,9})\$)?([^$]{0,16})\$([./0-9A-Za-z]{43}|[./0-9A-Za-z]{86})$/.exec(hash);
  if (m) {
    const rounds = m[2] === undefined ? undefined : Number(m[2]);
    if (rounds !== undefined && rounds > MAX_ROUNDS) return undefined;
    return shaCrypt(pw, m[1] as "5" | "6", m[3]!, rounds) === hash;
  }
  return undefined;
}

/** The hash is of the empty password: an account anyone logs into without one, no secret inside. */
export function isEmptyPasswordHash(hash: string): boolean {
  return cryptMatches(hash, "") === true;
}
