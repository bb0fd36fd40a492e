// The declared-state cache: one JSON file per (flake, host, flake.lock, git HEAD + dirty content,
// extractor). A second check of an unchanged repo skips `nix eval` entirely. Only local git flakes
// are cached: for them the key covers everything Nix can see (tracked files; untracked ones are
// invisible to a git flake). The entries live in nix-warden's own cache (`cacheDir("drift")`: 0700,
// checked to be ours), are written atomically and readable by their owner only; a corrupt entry is
// ignored. What is cached has its secrets redacted already (see redactDeclared in ../redact.js).
import { createHash } from "node:crypto";
import { chmod, lstat, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { cacheBase, cacheDir, writeJsonAtomic } from "../../system/state.js";
import type { GitFacts } from "../probes/git.js";
import { extractorSource } from "./eval.js";
import { parseDeclaredState, type DeclaredState } from "./schema.js";

/** Per cache base: the directory, once made private and tidied. */
const tidied = new Map<string, Promise<string>>();

/**
 * The declared-state cache directory (created 0700 and checked). Earlier versions used this same
 * path with the umask's modes and cached secrets in clear: on first use the directory is made 0700
 * and entries readable by others (written by those versions) are deleted.
 */
export function declaredCacheDir(): Promise<string> {
  const base = cacheBase();
  let ready = tidied.get(base);
  if (ready) return ready;
  ready = (async () => {
    const dir = await cacheDir("drift");
    await chmod(dir, 0o700);
    for (const name of await readdir(dir)) {
      const st = await lstat(join(dir, name)).catch(() => undefined);
      if (st && (st.mode & 0o077 || !st.isFile())) await rm(join(dir, name), { force: true, recursive: st.isDirectory() });
    }
    return dir;
  })().catch((e: unknown) => {
    tidied.delete(base);
    throw e;
  });
  tidied.set(base, ready);
  return ready;
}

export interface CacheKeyInput {
  flakeRef: string;
  host: string;
  localDir?: string;
  git?: GitFacts;
}

/** The cache key, or why this evaluation cannot be cached. */
export async function declaredCacheKey(input: CacheKeyInput): Promise<{ key?: string; reason?: string }> {
  if (!input.localDir) return { reason: "not cached: the flake is not a local directory" };
  const git = input.git;
  if (!git?.isRepo || !git.repoRoot) return { reason: "not cached: the flake is not in a git repository" };
  if (!git.head) return { reason: "not cached: the repository has no commit yet" };
  const lock = await readFile(join(input.localDir, "flake.lock")).catch(() => undefined);
  const h = createHash("sha256");
  h.update(JSON.stringify({
    v: 2, // 2: secrets redacted before caching
    flakeRef: input.flakeRef,
    host: input.host,
    head: git.head,
    dirty: git.dirtyFingerprint ?? "",
    lock: lock ? createHash("sha256").update(lock).digest("hex") : null,
    extractor: createHash("sha256").update(extractorSource()).digest("hex"),
  }));
  return { key: h.digest("hex").slice(0, 40) };
}

export async function readCachedDeclared(key: string): Promise<DeclaredState | undefined> {
  const text = await readFile(join(await declaredCacheDir(), `${key}.json`), "utf8").catch(() => undefined);
  if (!text) return undefined;
  try {
    const entry = JSON.parse(text) as { declared?: unknown };
    return parseDeclaredState(entry.declared).state;
  } catch {
    return undefined;
  }
}

export async function writeCachedDeclared(key: string, meta: { flakeRef: string; host: string }, declared: DeclaredState): Promise<void> {
  await writeJsonAtomic(join(await declaredCacheDir(), `${key}.json`), { createdAt: new Date().toISOString(), ...meta, declared });
}
