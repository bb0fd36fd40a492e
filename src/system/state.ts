// nix-warden's own state (plans, journals, stored reports, caches, the local key) lives outside the
// scanned repository: a repository someone else wrote must not be able to redirect where we write
// (a committed `.nix-warden -> ../elsewhere` symlink) or hand us a plan or journal to act on.
//
//   state:  $NIX_WARDEN_STATE_DIR, else $XDG_STATE_HOME/nix-warden, else ~/.local/state/nix-warden
//   cache:  $NIX_WARDEN_CACHE_DIR, else $XDG_CACHE_HOME/nix-warden, else ~/.cache/nix-warden
//
// Each repository gets its own directory below `repos/`, keyed by the hash of its realpath. Every
// directory we create is 0700 and is checked to be ours (owned by this user, not a symlink, not
// writable by others) before anything is read from or written into it.
import { createHash, randomBytes } from "node:crypto";
import { lstat, mkdir, open, readFile, realpath, rename, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { basename, dirname, join, sep } from "node:path";

/** State that is not ours to trust: a symlink, someone else's directory, or group/world-writable. */
export class UnsafeStateError extends Error {
  constructor(message: string, readonly path: string) {
    super(message);
    this.name = "UnsafeStateError";
  }
}

function base(envName: string, xdgName: string, fallback: string[]): string {
  const own = process.env[envName];
  if (own) return own;
  const xdg = process.env[xdgName];
  // The XDG spec: a relative path in these variables is invalid and must be ignored.
  if (xdg && xdg.startsWith("/")) return join(xdg, "nix-warden");
  return join(homedir(), ...fallback, "nix-warden");
}

/** The state directory's path (not created). */
export function stateBase(): string {
  return base("NIX_WARDEN_STATE_DIR", "XDG_STATE_HOME", [".local", "state"]);
}

/** The cache directory's path (not created). */
export function cacheBase(): string {
  return base("NIX_WARDEN_CACHE_DIR", "XDG_CACHE_HOME", [".cache"]);
}

const uid = (): number | undefined => (typeof process.getuid === "function" ? process.getuid() : undefined);

/** Refuse a directory that another user (or a repository) could have planted or can change. */
export async function assertOwnDirectory(dir: string): Promise<void> {
  const st = await lstat(dir);
  if (st.isSymbolicLink()) throw new UnsafeStateError(`refusing to use ${dir}: it is a symbolic link`, dir);
  if (!st.isDirectory()) throw new UnsafeStateError(`refusing to use ${dir}: it is not a directory`, dir);
  const me = uid();
  if (me !== undefined && st.uid !== me) throw new UnsafeStateError(`refusing to use ${dir}: it belongs to uid ${st.uid}, not to uid ${me}`, dir);
  if (st.mode & 0o022) throw new UnsafeStateError(`refusing to use ${dir}: it is writable by group or others (mode ${(st.mode & 0o777).toString(8)})`, dir);
}

/** Refuse a directory whose ancestors another user controls: whoever can write a parent (without
 * the sticky bit) or owns it can rename our directory away and put a symlink in its place between
 * our check and our write. Every ancestor (resolved) must belong to root or to us, and be writable
 * by group or others only when sticky (/tmp). */
export async function assertSafeAncestors(dir: string): Promise<void> {
  const me = uid();
  if (me === undefined) return;
  const parent = await realpath(dirname(dir));
  const parts = parent.split(sep).filter(Boolean);
  for (let i = parts.length; i >= 0; i--) {
    const p = sep + parts.slice(0, i).join(sep);
    const st = await lstat(p);
    if (st.uid !== 0 && st.uid !== me) throw new UnsafeStateError(`refusing to use ${dir}: its parent ${p} belongs to uid ${st.uid}, who could replace it`, dir);
    if (st.mode & 0o022 && !(st.mode & 0o1000)) throw new UnsafeStateError(`refusing to use ${dir}: its parent ${p} is writable by group or others (mode ${(st.mode & 0o7777).toString(8)}), who could replace it`, dir);
  }
}

/** Create `dir` (0700) and its missing parents, then check it and its parents. */
export async function ensureOwnDirectory(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await assertOwnDirectory(dir);
  await assertSafeAncestors(dir);
  return dir;
}

/** The key of a repository's state: a stable hash of its realpath, plus its name for people. */
export async function repoKey(root: string): Promise<string> {
  const real = await realpath(root);
  const name = basename(real).replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 40) || "root";
  return `${name}-${createHash("sha256").update(real).digest("hex").slice(0, 16)}`;
}

/** The state directory of one repository (created, 0700, checked): `<state>/repos/<key>`. */
export async function repoStateDir(root: string): Promise<string> {
  const dir = join(stateBase(), "repos", await repoKey(root));
  await ensureOwnDirectory(stateBase());
  await ensureOwnDirectory(dir);
  // Written for people who look in the directory; never read back as a path to act on.
  await writeFile(join(dir, "repository.txt"), `${await realpath(root)}\n`, { mode: 0o600 }).catch(() => undefined);
  return dir;
}

/** A named subdirectory of a repository's state (plans, journal, reports, ...). */
export async function repoStateSubdir(root: string, name: string): Promise<string> {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new Error(`invalid state directory name '${name}'`);
  return ensureOwnDirectory(join(await repoStateDir(root), name));
}

/** A named cache directory (created, 0700, checked): `<cache>/<name>`. */
export async function cacheDir(name: string): Promise<string> {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new Error(`invalid cache directory name '${name}'`);
  await ensureOwnDirectory(cacheBase());
  return ensureOwnDirectory(join(cacheBase(), name));
}

/** Write a file atomically (temp file in the same directory, fsync, rename), readable by its owner
 * only unless `mode` says otherwise (set exactly, whatever the umask). A crash leaves the old file
 * or the new one, never half of either; a link planted at the final name is replaced, not followed. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  const fh = await open(tmp, "wx", 0o600);
  try {
    await fh.writeFile(data);
    await fh.chmod(mode);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, 2) + "\n");
}

/** The local secret (32 random bytes, created once, 0600) that binds plans to this user and
 * machine: a plan file someone else wrote cannot carry a valid MAC. */
export async function localKey(): Promise<Buffer> {
  const dir = await ensureOwnDirectory(stateBase());
  const path = join(dir, "key");
  try {
    const st = await lstat(path);
    if (st.isSymbolicLink() || !st.isFile()) throw new UnsafeStateError(`refusing to use ${path}: not a regular file`, path);
    const me = uid();
    if (me !== undefined && st.uid !== me) throw new UnsafeStateError(`refusing to use ${path}: it belongs to uid ${st.uid}`, path);
    if (st.mode & 0o077) throw new UnsafeStateError(`refusing to use ${path}: readable by others (mode ${(st.mode & 0o777).toString(8)})`, path);
    const key = await readFile(path);
    if (key.length === 32) return key;
    throw new UnsafeStateError(`refusing to use ${path}: not a nix-warden key`, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  const key = randomBytes(32);
  try {
    // wx: when two processes race, one creates the key and the other reads the winner's.
    await writeFile(path, key, { mode: 0o600, flag: "wx" });
    return key;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return localKey();
    throw e;
  }
}
