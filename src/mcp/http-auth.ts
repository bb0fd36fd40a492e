// The secret of `serve --http`: every request carries `Authorization: Bearer <token>`. Host and
// Origin checks stop web pages (DNS rebinding) but not other local users, who can reach 127.0.0.1
// as well as we can; the token, in a file only its owner can read, does.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { ensureOwnDirectory, stateBase, UnsafeStateError, writeFileAtomic } from "../system/state.js";

/** Where `serve --http` writes the token it generates (0600, in the 0700 state directory). */
export function defaultTokenPath(): string {
  return join(stateBase(), "http-token");
}

/** A new token (32 random bytes, base64url) written to the default token file, replacing any. */
export async function createTokenFile(): Promise<{ token: string; path: string }> {
  await ensureOwnDirectory(stateBase());
  const token = randomBytes(32).toString("base64url");
  const path = defaultTokenPath();
  await writeFileAtomic(path, token + "\n", 0o600);
  return { token, path };
}

// RFC 6750 token68 characters; at least 32 of them, so a guessable word is not a secret.
const TOKEN = /^[A-Za-z0-9\-._~+/]{32,}=*$/;

/** Read a token the user supplies (`--token-file`): a regular file of ours that neither group nor
 * others can read, holding one token. Checked on the opened file, so a swap after the check does
 * not count. */
export async function readTokenFile(path: string): Promise<string> {
  const fh = await open(path, "r");
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new UnsafeStateError(`refusing to use ${path} as a token file: not a regular file`, path);
    const me = typeof process.getuid === "function" ? process.getuid() : undefined;
    if (me !== undefined && st.uid !== me) throw new UnsafeStateError(`refusing to use ${path} as a token file: it belongs to uid ${st.uid}, not to uid ${me}`, path);
    if (st.mode & 0o077) throw new UnsafeStateError(`refusing to use ${path} as a token file: group or others can access it (mode ${(st.mode & 0o777).toString(8)}; chmod 600 it)`, path);
    const token = (await fh.readFile("utf8")).trim();
    if (!TOKEN.test(token)) throw new UnsafeStateError(`refusing to use ${path} as a token file: it must hold one token of at least 32 characters (A-Z a-z 0-9 - . _ ~ + /)`, path);
    return token;
  } finally {
    await fh.close();
  }
}

/** A checker for `Authorization` headers. Compares SHA-256 digests (equal lengths whatever was
 * sent) in constant time, so neither the token's length nor its prefix leaks through timing. */
export function bearerChecker(token: string): (authorization: string | undefined) => boolean {
  const want = createHash("sha256").update(token).digest();
  return (authorization) => {
    const m = /^Bearer +(\S+) *$/i.exec(authorization ?? "");
    const given = createHash("sha256")
      .update(m?.[1] ?? "")
      .digest();
    return timingSafeEqual(given, want) && m !== null;
  };
}
