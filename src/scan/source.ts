// Where a scan reads a repository from: the disk (the default), or a tree of files in memory (the
// rule tests, which then need no temporary directories). This is the scan's one seam to the file
// system: which files there are, their bytes, and what a path in an `imports` list names.
import { readFileSync, statSync } from "node:fs";
import { join, posix } from "node:path";
import { listFiles, type Discovery } from "./discover.js";

export type PathKind = "file" | "directory" | undefined;

export interface RepoSource {
  /** The repository's root: an absolute path on disk, a name for a tree in memory. */
  root: string;
  /** Distinguishes sources with the same root in the parse cache (what a module path resolves to
   * depends on the files beside it). */
  cacheKey: string;
  list(options: { signal?: AbortSignal }): Promise<Discovery>;
  /** A file's bytes by its path relative to the root; throws (`code` ENOENT when there is none). */
  read(file: string): Buffer;
  /** What a path relative to the root names (symlinks followed). */
  kind(file: string): PathKind;
}

export function diskSource(root: string): RepoSource {
  return {
    root,
    cacheKey: root,
    list: (options) => listFiles(root, options),
    read: (file) => readFileSync(join(root, file)),
    kind(file) {
      try {
        const st = statSync(join(root, file));
        return st.isDirectory() ? "directory" : st.isFile() ? "file" : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

let memoryTrees = 0;

/** A repository held in memory: paths relative to the root (`/`-separated) to their contents. */
export function memorySource(files: Readonly<Record<string, string | Buffer>>, root = "/memory"): RepoSource {
  const contents = new Map(Object.entries(files).map(([path, c]) => [posix.normalize(path), typeof c === "string" ? Buffer.from(c, "utf8") : c]));
  const paths = [...contents.keys()].sort();
  return {
    root,
    cacheKey: `memory:${++memoryTrees}`,
    list: async () => ({ files: paths, stamps: new Map(), skipped: [], isGit: false }),
    read(file) {
      const content = contents.get(posix.normalize(file));
      if (!content) throw Object.assign(new Error(`ENOENT: no such file in memory: ${file}`), { code: "ENOENT" });
      return content;
    },
    kind(file) {
      const f = posix.normalize(file);
      if (contents.has(f)) return "file";
      return f === "." || paths.some((p) => p.startsWith(`${f}/`)) ? "directory" : undefined;
    },
  };
}
