// Finding the file Nix would parse for a path argument, as nix-instantiate does (resolveExprPath):
// make it absolute without resolving symlinks in its directories, follow the file itself while it
// is a symlink (so relative paths inside resolve where the file really is), and use default.nix for
// a directory.
import { constants } from "node:fs";
import { lstat, open, readlink, stat } from "node:fs/promises";
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

/** A file's text, refusing anything but a regular file: reading a FIFO or a device would wait
 * forever (or never end). Opened non-blocking so that opening a FIFO with no writer returns at
 * once, and checked on the open descriptor, so the file cannot be swapped in between. */
export async function readRegularFile(path: string): Promise<string> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw Object.assign(new Error(`'${path}' is not a regular file`), { code: "ENOTREG" });
    return await handle.readFile("utf8");
  } finally {
    await handle.close();
  }
}
