// The declared-state cache: one JSON file per (flake, host, flake.lock, git HEAD + dirty content,
// extractor). A second check of an unchanged repo skips `nix eval` entirely. Only local git flakes
// are cached: for them the key covers everything Nix can see (tracked files; untracked ones are
// invisible to a git flake). Writes are atomic; a corrupt entry is ignored.
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import type { GitFacts } from "../probes/git.js";
import { extractorSource } from "./eval.js";
import { parseDeclaredState, type DeclaredState } from "./schema.js";

export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "nix-warden", "drift");
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
    v: 1,
    flakeRef: input.flakeRef,
    host: input.host,
    head: git.head,
    dirty: git.dirtyFingerprint ?? "",
    lock: lock ? createHash("sha256").update(lock).digest("hex") : null,
    extractor: createHash("sha256").update(extractorSource()).digest("hex"),
  }));
  return { key: h.digest("hex").slice(0, 40) };
}

export async function readCachedDeclared(cacheDir: string, key: string): Promise<DeclaredState | undefined> {
  const text = await readFile(join(cacheDir, `${key}.json`), "utf8").catch(() => undefined);
  if (!text) return undefined;
  try {
    const entry = JSON.parse(text) as { declared?: unknown };
    return parseDeclaredState(entry.declared).state;
  } catch {
    return undefined;
  }
}

export async function writeCachedDeclared(cacheDir: string, key: string, meta: { flakeRef: string; host: string }, declared: DeclaredState): Promise<void> {
  await mkdir(cacheDir, { recursive: true });
  const file = join(cacheDir, `${key}.json`);
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, JSON.stringify({ createdAt: new Date().toISOString(), ...meta, declared }), "utf8");
  await rename(tmp, file);
}
