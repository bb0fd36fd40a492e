// Which files a scan reads: in a git repository, the tracked files and the untracked ones that are
// not ignored (what `git ls-files -co --exclude-standard` lists); elsewhere, a directory walk.
// Never `.git`, never `result` links to the Nix store, never a symlink that leads out of the root,
// and files too large or binary are skipped with a note rather than read.
import { lstatSync, readdirSync, realpathSync, statSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { run } from "../system/run.js";

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
  const git = insideGitRepository(realRoot)
    ? await run("git", ["-C", realRoot, "ls-files", "-z", "--cached", "--others", "--exclude-standard"], { timeoutMs: 30_000, signal: options.signal })
    : undefined;
  if (git?.ok) {
    isGit = true;
    candidates = [...new Set(git.stdout.split("\0").filter(Boolean))];
  } else {
    candidates = walk(realRoot);
  }

  const files: string[] = [];
  const stamps = new Map<string, FileStamp>();
  for (const rel of candidates) {
    const parts = rel.split("/");
    if (parts.some((p) => ALWAYS_SKIPPED_DIRS.has(p))) continue;
    const abs = join(realRoot, ...parts);
    let st;
    try {
      st = lstatSync(abs, { bigint: true });
    } catch {
      continue; // deleted in the work tree but still in the index
    }
    if (st.isSymbolicLink()) {
      let target: string;
      try {
        target = realpathSync(abs);
      } catch {
        skipped.push({ file: rel, reason: "broken symbolic link" });
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
      } catch {
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
  return { files, stamps, skipped, isGit };
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

function walk(root: string): string[] {
  const out: string[] = [];
  const visit = (dir: string, prefix: string, depth: number): void => {
    if (depth > 64) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
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
