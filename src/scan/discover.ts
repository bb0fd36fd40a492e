// Which files a scan reads: in a git repository, the tracked files and the untracked ones that are
// not ignored (what `git ls-files -co --exclude-standard` lists); elsewhere, a directory walk.
// Never `.git`, never `result` links to the Nix store, never a symlink that leads out of the root,
// and files too large or binary are skipped with a note rather than read. A directory or file that
// cannot be read (permissions, a symlink loop, an I/O error) is a note too, never silently dropped:
// a finding in a file nobody scanned would otherwise vanish from the report.
import { lstatSync, readdirSync, realpathSync, statSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { runCaptured } from "../system/run.js";

export interface SkippedFile {
  file: string;
  reason: string;
}

export interface FileStamp {
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  ino: bigint;
}

export interface Discovery {
  /** Paths relative to the root, with `/` separators, sorted. */
  files: string[];
  /** Size and times of each file (of the link target for symlinks), to skip re-reading unchanged files. */
  stamps: Map<string, FileStamp>;
  skipped: SkippedFile[];
  isGit: boolean;
}

export interface DiscoverOptions {
  /** Files larger than this are skipped (default 2 MiB). */
  maxBytes?: number;
  signal?: AbortSignal;
}

const DEFAULT_MAX_BYTES = 2 * 1024 * 1024;
// .nix-warden is where versions before the state directory (src/system/state.ts) kept their reports,
// plans and caches in the repository: never configuration, so still skipped where it is left over.
const ALWAYS_SKIPPED_DIRS = new Set([".git", "node_modules", ".direnv", ".nix-warden"]);

export async function listFiles(root: string, options: DiscoverOptions = {}): Promise<Discovery> {
  const realRoot = realpathSync(root);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const skipped: SkippedFile[] = [];
  let candidates: string[] | undefined;
  let isGit = false;

  // `git ls-files` run in the root lists paths relative to it (also in a subdirectory of a bigger
  // repository). No git directory above the root: no git process at all.
  // LC_ALL=C: git's warnings about directories it cannot open are read below.
  const git = insideGitRepository(realRoot)
    ? await runCaptured("git", ["-C", realRoot, "ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
        timeoutMs: 30_000,
        signal: options.signal,
        env: { LC_ALL: "C", LANGUAGE: "C" },
      })
    : undefined;
  // Directories that could not be read, by path relative to the root.
  const unreadable = new Map<string, string>();
  const unreadableTracked = new Map<string, { code: string; count: number }>();
  if (git?.ok) {
    isGit = true;
    candidates = [...new Set(git.stdout.split("\0").filter(Boolean))];
    // git skips a directory it cannot open with a warning (and exit status 0): its untracked
    // files are then missing from the list.
    for (const dir of await gitUnopenedDirectories(realRoot, git.stderr, options.signal)) {
      unreadable.set(dir.path, `cannot open directory (${dir.reason}): files in it that git does not track were not scanned`);
    }
  } else {
    candidates = walk(realRoot, (dir, e) => unreadable.set(dir, `cannot read directory (${describeErrno(e)}): nothing under it was scanned`), skipped);
  }

  const files: string[] = [];
  const stamps = new Map<string, FileStamp>();
  // Paths from git and from the walk are already clean (no `.`, `..` or doubled slashes): on a
  // POSIX system a file's path is the root and it joined, without normalising each of thousands.
  const rootPrefix = sep === "/" ? (realRoot.endsWith("/") ? realRoot : `${realRoot}/`) : undefined;
  for (const rel of candidates) {
    const parts = rel.split("/");
    if (parts.some((p) => ALWAYS_SKIPPED_DIRS.has(p))) continue;
    const abs = rootPrefix !== undefined && !parts.some((p) => p === "" || p === "." || p === "..") ? rootPrefix + rel : join(realRoot, ...parts);
    let st;
    try {
      st = lstatSync(abs, { bigint: true });
    } catch (e) {
      const blocked = blockedAt(realRoot, parts);
      if (!blocked) continue; // deleted in the work tree but still in the index
      if (blocked.path === rel) skipped.push({ file: rel, reason: `cannot read (${describeErrno(e)})` });
      else {
        const seen = unreadableTracked.get(blocked.path);
        if (seen) seen.count++;
        else unreadableTracked.set(blocked.path, { code: blocked.code, count: 1 });
      }
      continue;
    }
    if (st.isSymbolicLink()) {
      let target: string;
      try {
        target = realpathSync(abs);
      } catch (e) {
        const code = errnoCode(e);
        skipped.push({ file: rel, reason: code === "ENOENT" || code === "ENOTDIR" ? "broken symbolic link" : `cannot resolve symbolic link (${describeErrno(e)})` });
        continue;
      }
      // Build results (`result`, `result-dev`) and any other link into the Nix store: not sources.
      if (target === "/nix/store" || target.startsWith("/nix/store/")) continue;
      if (!isInside(realRoot, target)) {
        skipped.push({ file: rel, reason: "symbolic link pointing outside the repository" });
        continue;
      }
      try {
        st = statSync(target, { bigint: true });
      } catch (e) {
        skipped.push({ file: rel, reason: `cannot read the symbolic link's target (${describeErrno(e)})` });
        continue;
      }
      if (!st.isFile()) continue;
    } else if (!st.isFile()) continue;
    if (st.size > BigInt(maxBytes)) {
      skipped.push({ file: rel, reason: `larger than ${Math.round(maxBytes / 1024)} KiB (${Math.round(Number(st.size) / 1024)} KiB)` });
      continue;
    }
    files.push(rel);
    stamps.set(rel, { size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs, ino: st.ino });
  }
  files.sort();
  for (const [dir, { code, count }] of unreadableTracked) {
    unreadable.set(dir, `cannot read directory (${describeErrno(code)}): nothing under it was scanned (${count} tracked file${count === 1 ? "" : "s"})`);
  }
  for (const [dir, reason] of [...unreadable].sort(([a], [b]) => a.localeCompare(b))) {
    // One entry per path: a looping link in a directory's place is listed by git as a file too.
    const same = skipped.findIndex((s) => s.file === dir);
    if (same >= 0) skipped.splice(same, 1);
    skipped.push({ file: dir, reason });
  }
  return { files, stamps, skipped, isGit };
}

/**
 * Why a tracked path cannot be looked at: the first component of it that fails. Searching a
 * directory needs its own permission, so a permission error on `a/b` means `a` is the unreadable
 * one (as a symlink loop on `a/b` means `a` loops: lstat does not follow the last component).
 * Undefined when the path simply does not exist (deleted in the work tree).
 */
function blockedAt(root: string, parts: string[]): { path: string; code: string } | undefined {
  for (let i = 1; i <= parts.length; i++) {
    try {
      lstatSync(join(root, ...parts.slice(0, i)));
    } catch (e) {
      const code = errnoCode(e);
      if (code === "ENOENT" || code === "ENOTDIR") return undefined;
      const culprit = (code === "EACCES" || code === "EPERM" || code === "ELOOP") && i > 1 ? parts.slice(0, i - 1) : parts.slice(0, i);
      return { path: culprit.join("/") || ".", code };
    }
  }
  return undefined; // readable now: it changed between the two looks
}

/**
 * The directories `git ls-files` warned it could not open (`warning: could not open directory
 * 'x/': Permission denied`), relative to the root. git names them from the top of the work tree,
 * so the root's prefix in it is asked for, only when there is such a warning.
 */
async function gitUnopenedDirectories(root: string, stderr: string, signal?: AbortSignal): Promise<Array<{ path: string; reason: string }>> {
  const warnings = [...stderr.matchAll(/^warning: could not open directory '(.*)': ([^\n]*)$/gm)];
  if (warnings.length === 0) return [];
  const prefixRun = await runCaptured("git", ["-C", root, "rev-parse", "--show-prefix"], { timeoutMs: 30_000, signal, env: { LC_ALL: "C" } });
  const prefix = prefixRun.ok ? prefixRun.stdout.replace(/\r?\n$/, "") : ""; // not trim(): a name may end in a space
  const out: Array<{ path: string; reason: string }> = [];
  for (const [, dir, message] of warnings) {
    if (!dir!.startsWith(prefix)) continue; // outside the scanned root
    const path = dir!.slice(prefix.length).replace(/\/+$/, "") || ".";
    out.push({ path, reason: describeErrno(STRERROR_CODES[message!] ?? message!) });
  }
  return out;
}

/** strerror texts git prints, back to the errno codes Node uses. */
const STRERROR_CODES: Record<string, string> = {
  "Permission denied": "EACCES",
  "Operation not permitted": "EPERM",
  "Too many levels of symbolic links": "ELOOP",
  "Input/output error": "EIO",
  "Not a directory": "ENOTDIR",
};

const ERRNO_TEXT: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ELOOP: "too many levels of symbolic links",
  EIO: "input/output error",
  ENOTDIR: "not a directory",
  ENAMETOOLONG: "name too long",
  EMFILE: "too many open files",
};

function errnoCode(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}

/** `EACCES: permission denied`, without the absolute path Node's messages carry. */
function describeErrno(e: unknown): string {
  const code = typeof e === "string" ? e : errnoCode(e);
  const text = ERRNO_TEXT[code];
  return text ? `${code}: ${text}` : code;
}

/** Is there a `.git` (directory or worktree file) in this directory or one above it? */
export function insideGitRepository(dir: string): boolean {
  for (let d = dir; ; d = dirname(d)) {
    try {
      lstatSync(join(d, ".git"));
      return true;
    } catch {
      // keep looking upwards
    }
    if (dirname(d) === d) return false;
  }
}

export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith("..") && !rel.startsWith(sep) && !/^[a-zA-Z]:/.test(rel));
}

function walk(root: string, unreadable: (dir: string, error: unknown) => void, skipped: SkippedFile[]): string[] {
  const out: string[] = [];
  const visit = (dir: string, prefix: string, depth: number): void => {
    if (depth > 64) {
      skipped.push({ file: prefix, reason: "nested more than 64 directories deep: nothing under it was scanned" });
      return;
    }
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      unreadable(prefix || ".", e);
      return;
    }
    for (const e of entries) {
      if (ALWAYS_SKIPPED_DIRS.has(e.name)) continue;
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) visit(join(dir, e.name), rel, depth + 1);
      else out.push(rel); // files and symlinks (checked by the caller)
    }
  };
  visit(root, "", 0);
  return out;
}

/** A file's content is binary when it has a NUL byte in its first 8 KiB (git's heuristic). */
export function isBinary(content: Buffer): boolean {
  return content.subarray(0, 8192).includes(0);
}
