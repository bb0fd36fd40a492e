// Which files a scan reads: in a git repository, the tracked files and the untracked ones that are
// not ignored (what `git ls-files -co --exclude-standard` lists); elsewhere, a directory walk.
// Never `.git`, never `result` links to the Nix store, never a symlink that leads out of the root,
// and files too large or binary are skipped with a note rather than read.
import { lstat, readdir, realpath, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { run } from "../system/run.js";

export interface SkippedFile {
  file: string;
  reason: string;
}

export interface Discovery {
  /** Paths relative to the root, with `/` separators, sorted. */
  files: string[];
  skipped: SkippedFile[];
  isGit: boolean;
}

export interface DiscoverOptions {
  /** Files larger than this are skipped (default 2 MiB). */
  maxBytes?: number;
  signal?: AbortSignal;
}

const DEFAULT_MAX_BYTES = 2 * 1024 * 1024;
// .nix-warden holds the MCP server's stored reports and caches, never configuration.
const ALWAYS_SKIPPED_DIRS = new Set([".git", "node_modules", ".direnv", ".nix-warden"]);

export async function listFiles(root: string, options: DiscoverOptions = {}): Promise<Discovery> {
  const realRoot = await realpath(root);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const skipped: SkippedFile[] = [];
  let candidates: string[] | undefined;
  let isGit = false;

  const git = await run("git", ["-C", realRoot, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--full-name"], {
    timeoutMs: 30_000,
    signal: options.signal,
  });
  if (git.ok) {
    const top = await run("git", ["-C", realRoot, "rev-parse", "--show-prefix"], { timeoutMs: 10_000 });
    const prefix = top.ok ? top.stdout.trim() : "";
    isGit = true;
    candidates = [
      ...new Set(
        git.stdout
          .split("\0")
          .filter(Boolean)
          .filter((f) => f.startsWith(prefix))
          .map((f) => f.slice(prefix.length)),
      ),
    ];
  } else {
    candidates = await walk(realRoot);
  }

  const files: string[] = [];
  for (const rel of candidates) {
    const parts = rel.split("/");
    if (parts.some((p) => ALWAYS_SKIPPED_DIRS.has(p))) continue;
    const abs = join(realRoot, ...parts);
    let st;
    try {
      st = await lstat(abs);
    } catch {
      continue; // deleted in the work tree but still in the index
    }
    if (st.isSymbolicLink()) {
      let target: string;
      try {
        target = await realpath(abs);
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
      st = await stat(target).catch(() => undefined);
      if (!st?.isFile()) continue;
    } else if (!st.isFile()) continue;
    if (st.size > maxBytes) {
      skipped.push({ file: rel, reason: `larger than ${Math.round(maxBytes / 1024)} KiB (${Math.round(st.size / 1024)} KiB)` });
      continue;
    }
    files.push(rel);
  }
  files.sort();
  return { files, skipped, isGit };
}

export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith("..") && !rel.startsWith(sep) && !/^[a-zA-Z]:/.test(rel));
}

async function walk(root: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (dir: string, prefix: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (ALWAYS_SKIPPED_DIRS.has(e.name)) continue;
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) await visit(join(dir, e.name), rel);
      else out.push(rel); // files and symlinks (checked by the caller)
    }
  };
  await visit(root, "");
  return out;
}

/** A file's content is binary when it has a NUL byte in its first 8 KiB (git's heuristic). */
export function isBinary(content: Buffer): boolean {
  return content.subarray(0, 8192).includes(0);
}
