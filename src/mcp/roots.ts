// Roots confinement (in the manner of the MCP reference "filesystem" server): the MCP server reads
// and writes only inside the allowed roots: the client's MCP roots, or the directory the server was
// started in when the client sends none. Every path argument is normalised, checked, resolved with
// realpath, and checked again, so neither `..` nor a symlink leads out.
import { lstat, realpath, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, isAbsolute, join, normalize, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** A path argument the server refuses: outside the roots, escaping through a symlink, missing. */
export class PathArgumentError extends Error {
  constructor(
    message: string,
    readonly reason: "outside" | "symlink" | "missing" | "not-directory" | "invalid",
    readonly path: string,
  ) {
    super(message);
    this.name = "PathArgumentError";
  }
}

/** Whether `child` is `parent` or lies below it (both absolute and normalised). */
export function isInside(child: string, parent: string): boolean {
  if (child === parent) return true;
  const rel = relative(parent, child);
  return rel !== "" && !rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel);
}

/** A root URI from the client (`file:///home/me/nixos`) as a local path, or undefined for other schemes. */
export function rootUriToPath(uri: string): string | undefined {
  try {
    const u = new URL(uri);
    if (u.protocol !== "file:") return undefined;
    return fileURLToPath(u);
  } catch {
    return undefined;
  }
}

/** `~` and `~/x` the way a user means them; nothing else is expanded. */
function expandHome(p: string): string {
  if (p === "~") return homedir();
  if (p.startsWith("~/")) return join(homedir(), p.slice(2));
  return p;
}

/** The realpath of a path, or of its nearest existing ancestor with the rest appended (for paths
 * that are about to be created). */
async function realpathOrAncestor(p: string): Promise<string> {
  const rest: string[] = [];
  let cur = p;
  for (;;) {
    try {
      const real = await realpath(cur);
      return rest.length ? join(real, ...rest.reverse()) : real;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") throw e;
      const parent = dirname(cur);
      if (parent === cur) return p;
      rest.push(cur.slice(parent.length).replace(/^[/\\]+/, ""));
      cur = parent;
    }
  }
}

export interface ResolveOptions {
  /** The path must exist (default true). */
  mustExist?: boolean;
  /** It must be a directory (when it exists). */
  directory?: boolean;
  /** What the path is, for error messages ("path", "outputDir", ...). */
  label?: string;
  /** Refuse the path when any part of it below its root is a symbolic link, even one that stays
   * inside the roots: for paths the server writes to, since a repository can carry symlinks. */
  noSymlinks?: boolean;
}

/** The first existing component of `absolute` below `root` that is a symbolic link, if any. */
export async function symlinkBelow(absolute: string, root: string): Promise<string | undefined> {
  const rel = relative(root, absolute);
  if (!rel) return undefined;
  let cur = root;
  for (const part of rel.split(sep)) {
    cur = join(cur, part);
    const st = await lstat(cur).catch(() => undefined);
    if (!st) return undefined;
    if (st.isSymbolicLink()) return cur;
  }
  return undefined;
}

export class AllowedRoots {
  /** Realpaths of the allowed roots, in the client's order. */
  private roots: string[] = [];
  /** The roots as given (before symlinks are resolved), so a path spelled through them passes the
   * first, lexical check; the realpath check decides. */
  private given: string[] = [];
  private fallback: string;
  private source: "client" | "fallback" = "fallback";

  constructor(fallbackDir: string) {
    this.fallback = resolve(fallbackDir);
  }

  /** Use the fallback directory (the client sent no roots). */
  async useFallback(): Promise<void> {
    this.roots = [await realpath(this.fallback).catch(() => this.fallback)];
    this.given = [this.fallback];
    this.source = "fallback";
  }

  /**
   * Replace the roots with the client's (file: URIs; others are ignored). Roots that do not exist
   * are dropped; when none is left, the fallback directory applies.
   */
  async setFromUris(uris: string[]): Promise<{ ignored: string[] }> {
    const ignored: string[] = [];
    const next: string[] = [];
    const given: string[] = [];
    for (const uri of uris) {
      const p = rootUriToPath(uri);
      if (!p) {
        ignored.push(uri);
        continue;
      }
      try {
        const real = await realpath(p);
        if (!next.includes(real)) next.push(real);
        given.push(normalize(p));
      } catch {
        ignored.push(uri);
      }
    }
    if (next.length === 0) await this.useFallback();
    else {
      this.roots = next;
      this.given = given;
      this.source = "client";
    }
    return { ignored };
  }

  /** Replace the roots with explicit directories (the `--root` flag). */
  async setPaths(paths: string[]): Promise<void> {
    const next: string[] = [];
    const given: string[] = [];
    for (const p of paths) {
      const abs = resolve(expandHome(p));
      next.push(await realpath(abs));
      given.push(abs);
    }
    this.roots = next;
    this.given = given;
    this.source = "client";
  }

  list(): string[] {
    return [...this.roots];
  }

  origin(): "client" | "fallback" {
    return this.source;
  }

  /** The first root: where relative paths start and where reports are kept. */
  primary(): string {
    return this.roots[0] ?? this.fallback;
  }

  /** The allowed root containing an (already resolved) path. */
  rootOf(real: string): string | undefined {
    return this.roots.find((r) => isInside(real, r));
  }

  /**
   * Resolve a path argument: relative paths start at the primary root. Throws PathArgumentError
   * when the path, or what its symlinks lead to, lies outside every allowed root.
   */
  async resolve(input: string | undefined, options: ResolveOptions = {}): Promise<string> {
    const label = options.label ?? "path";
    const mustExist = options.mustExist ?? true;
    if (this.roots.length === 0) await this.useFallback();
    if (input !== undefined && input.includes("\0")) throw new PathArgumentError(`${label} contains a NUL byte`, "invalid", input);
    const raw = input === undefined || input === "" ? this.primary() : expandHome(input);
    const absolute = normalize(isAbsolute(raw) ? raw : join(this.primary(), raw));
    const allowed = () => this.roots.join(", ");
    if (![...this.roots, ...this.given].some((r) => isInside(absolute, r)))
      throw new PathArgumentError(`${label} ${input} is outside the allowed roots (${allowed()})`, "outside", absolute);
    if (options.noSymlinks) {
      // Below the most specific root the path was spelled through (the root itself is the user's).
      const root = [...this.roots, ...this.given].filter((r) => isInside(absolute, r)).sort((a, b) => b.length - a.length)[0]!;
      const link = await symlinkBelow(absolute, root);
      if (link) throw new PathArgumentError(`${label} ${input} goes through the symbolic link ${link}; nix-warden does not write through symlinks inside a repository`, "symlink", link);
    }
    const real = await realpathOrAncestor(absolute);
    if (!this.roots.some((r) => isInside(real, r)))
      throw new PathArgumentError(`${label} ${input} resolves through a symlink to ${real}, outside the allowed roots (${allowed()})`, "symlink", real);
    if (mustExist || options.directory) {
      const st = await stat(real).catch(() => undefined);
      if (!st && mustExist) throw new PathArgumentError(`${label} ${input ?? real} does not exist`, "missing", real);
      if (st && options.directory && !st.isDirectory()) throw new PathArgumentError(`${label} ${input ?? real} is not a directory`, "not-directory", real);
    }
    return real;
  }
}
