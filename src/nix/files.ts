// Finding the file Nix would parse for a path argument, as nix-instantiate does (resolveExprPath):
// make it absolute without resolving symlinks in its directories, follow the file itself while it
// is a symlink (so relative paths inside resolve where the file really is), and use default.nix for
// a directory.
import { lstat, readlink, stat } from "node:fs/promises";
import { absPath } from "./lower.js";
import { posix } from "node:path";

export async function resolveNixFile(arg: string, cwd = process.cwd()): Promise<string> {
  let path = absPath(arg, cwd);
  for (let follow = 0; follow < 1024; follow++) {
    const st = await lstat(path);
    if (!st.isSymbolicLink()) {
      if (st.isDirectory()) return absPath("default.nix", path);
      return path;
    }
    path = absPath(await readlink(path), posix.dirname(path));
  }
  // Same limit as Nix; stat() gives the usual ELOOP error.
  await stat(path);
  return path;
}
