// The config repository's state (simple-git): uncommitted and untracked files, commits not pushed,
// the HEAD commit. One `git status` and one `git rev-parse`, shared with the declared-state cache.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { simpleGit, type StatusResult } from "simple-git";
import { spawnCounter } from "../../system/run.js";
import type { ProbeContext, ProbeResult } from "./types.js";

export interface GitChange {
  /** Relative to the repository root. */
  path: string;
  /** Porcelain status letters: index and work tree. */
  index: string;
  workingDir: string;
  /** Last modification time of the file in the work tree (ISO), when it still exists. */
  modifiedAt?: string;
}

export interface GitFacts {
  isRepo: boolean;
  repoRoot?: string;
  /** The flake directory relative to the repository root ("" when it is the root). */
  flakeSubdir?: string;
  head?: string;
  branch?: string | null;
  detached?: boolean;
  upstream?: string | null;
  ahead?: number;
  behind?: number;
  /** Tracked files with uncommitted changes (staged or not), inside the flake directory. */
  changes: GitChange[];
  /** Untracked files inside the flake directory (Nix flakes do not see them). */
  untracked: GitChange[];
  /** sha256 over the content of every changed tracked file: the dirty part of the cache key. */
  dirtyFingerprint?: string;
}

const EMPTY: GitFacts = { isRepo: false, changes: [], untracked: [] };

/** The directory holding .git at or above dir. */
export function findRepoRoot(dir: string): string | undefined {
  let d = resolve(dir);
  for (;;) {
    if (existsSync(join(d, ".git"))) return d;
    const parent = dirname(d);
    if (parent === d) return undefined;
    d = parent;
  }
}

export async function probeGit(ctx: ProbeContext): Promise<ProbeResult<GitFacts>> {
  const flakeDir = ctx.flakeDir;
  if (!flakeDir) return { facts: EMPTY, errors: [], notes: ["no local flake directory: git state not checked"] };
  const repoRoot = findRepoRoot(flakeDir);
  if (!repoRoot) return { facts: EMPTY, errors: [], notes: [`${flakeDir} is not in a git repository: git state not checked`] };

  const git = simpleGit({
    baseDir: repoRoot,
    abort: ctx.signal,
    timeout: { block: ctx.timeoutMs ?? 30_000 },
  });
  // Count git's processes with everything else this run spawns (benchmarks report them).
  git.outputHandler(() => {
    spawnCounter.count++;
  });

  let status: StatusResult;
  let head: string | undefined;
  try {
    const [s, h] = await Promise.all([
      git.status(["--untracked-files=all"]),
      git.revparse(["--verify", "--quiet", "HEAD"]).then(
        (out) => out.trim() || undefined,
        () => undefined, // an empty repository has no HEAD yet
      ),
    ]);
    status = s;
    head = h;
  } catch (e) {
    return { facts: { ...EMPTY, isRepo: true, repoRoot }, errors: [{ source: "probe:git", message: `git status failed in ${repoRoot}: ${(e as Error).message}` }] };
  }

  const sub = relative(repoRoot, resolve(flakeDir)).split("\\").join("/");
  const inFlake = (p: string) => sub === "" || p === sub || p.startsWith(sub + "/");

  const changes: GitChange[] = [];
  const untracked: GitChange[] = [];
  for (const f of status.files) {
    if (!inFlake(f.path)) continue;
    const entry: GitChange = { path: f.path, index: f.index, workingDir: f.working_dir };
    if (f.index === "?" && f.working_dir === "?") untracked.push(entry);
    else if (f.index !== "!") changes.push(entry);
  }
  await Promise.all(
    [...changes, ...untracked].map(async (c) => {
      const st = await stat(join(repoRoot, c.path)).catch(() => undefined);
      if (st) c.modifiedAt = st.mtime.toISOString();
    }),
  );

  const facts: GitFacts = {
    isRepo: true,
    repoRoot,
    flakeSubdir: sub,
    head,
    branch: status.current,
    detached: status.detached,
    upstream: status.tracking,
    ahead: status.ahead,
    behind: status.behind,
    changes: changes.sort((a, b) => a.path.localeCompare(b.path)),
    untracked: untracked.sort((a, b) => a.path.localeCompare(b.path)),
    dirtyFingerprint: await fingerprint(repoRoot, changes),
  };
  return { facts, errors: [] };
}

/** sha256 over (path, content) of each changed tracked file; "deleted" for missing ones. */
async function fingerprint(repoRoot: string, changes: GitChange[]): Promise<string> {
  const h = createHash("sha256");
  for (const c of [...changes].sort((a, b) => a.path.localeCompare(b.path))) {
    h.update(c.path + "\0");
    const content = await readFile(join(repoRoot, c.path)).catch(() => undefined);
    h.update(content ? createHash("sha256").update(content).digest("hex") : "deleted");
    h.update("\n");
  }
  return h.digest("hex");
}
