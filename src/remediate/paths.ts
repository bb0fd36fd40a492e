// Every path nix-warden writes inside a repository comes from a plan or a journal, which name it
// relative to the repository. Before each read or write the path is confined again: relative, no
// `..`, and no component (directory or the file itself) a symbolic link, so that a committed
// `hosts -> /etc` or `.nix-warden -> ../elsewhere` cannot carry a write out of the repository.
import { lstat, realpath } from "node:fs/promises";
import { isAbsolute, join } from "node:path";

export class UnsafePathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnsafePathError";
  }
}

/** The absolute path of `rel` inside `realRoot` (the repository's realpath), or UnsafePathError.
 * The file itself may be missing (it is checked when it exists). */
export async function confinedPath(realRoot: string, rel: string): Promise<string> {
  if (rel === "" || isAbsolute(rel) || rel.includes("\0") || rel.includes("\\")) throw new UnsafePathError(`${JSON.stringify(rel)} is not a path inside the repository`);
  const parts = rel.split("/");
  if (parts.some((p) => p === ".." || p === "." || p === "")) throw new UnsafePathError(`${rel} is outside the repository (or not a plain relative path); nix-warden never edits files outside it`);
  if ((await realpath(realRoot)) !== realRoot) throw new UnsafePathError(`the repository ${realRoot} moved or is reached through a symbolic link`);
  let at = realRoot;
  for (const [i, p] of parts.entries()) {
    at = join(at, p);
    const st = await lstat(at).catch((e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") return undefined;
      throw e;
    });
    if (!st) break;
    if (st.isSymbolicLink()) throw new UnsafePathError(`${rel} is outside the repository: ${parts.slice(0, i + 1).join("/")} is a symbolic link; nix-warden never writes through one`);
    if (i < parts.length - 1 ? !st.isDirectory() : !st.isFile()) throw new UnsafePathError(`${parts.slice(0, i + 1).join("/")} is not a ${i < parts.length - 1 ? "directory" : "regular file"}`);
  }
  return at;
}
