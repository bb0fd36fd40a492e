// Reading a machine's files from a root directory: "/" for the live system, or a mounted disk, an
// image or a test fixture. Paths in and out are machine paths ("/etc/hosts"); symlinks are followed
// inside the root, so an absolute link target such as "/etc/static/hosts" resolves to
// "<root>/etc/static/hosts", never to this machine's file.
//
// Store paths are the one exception: when the root carries no /nix/store of its own (a fixture
// built with this machine's real nix-env, or a root copied without its store), /nix/store/... is
// read from this machine's store, where such paths are content-addressed and therefore the same.
import { constants as fsConstants, existsSync } from "node:fs";
import { lstat, readdir, readlink, stat, open } from "node:fs/promises";
import type { Dirent, Stats } from "node:fs";
import { posix } from "node:path";

const MAX_HOPS = 40;

export class RootFs {
  readonly root: string;
  readonly live: boolean;
  private readonly rootHasStore: boolean;

  constructor(root: string) {
    this.root = posix.resolve(root);
    this.live = this.root === "/";
    this.rootHasStore = this.live || existsSync(posix.join(this.root, "nix/store"));
  }

  /** Where a machine path lives on this machine (no symlink resolution). */
  hostPath(machinePath: string): string {
    const p = posix.normalize(machinePath);
    if (this.live) return p;
    if (!this.rootHasStore && (p === "/nix/store" || p.startsWith("/nix/store/"))) return p;
    return posix.join(this.root, p);
  }

  /** lstat of a machine path, or undefined when it does not exist. Other errors throw. */
  async lstat(machinePath: string): Promise<Stats | undefined> {
    return missingAsUndefined(() => lstat(this.hostPath(machinePath)));
  }

  /** The raw target of a symlink, or undefined when the path is missing or not a link. */
  async readLink(machinePath: string): Promise<string | undefined> {
    try {
      return await readlink(this.hostPath(machinePath));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "EINVAL" || code === "ENOTDIR") return undefined;
      throw e;
    }
  }

  /**
   * The machine path after following every symlink inside the root; undefined when some component
   * is missing or the links loop.
   */
  async resolve(machinePath: string): Promise<string | undefined> {
    let pending = splitPath(machinePath);
    let done: string[] = [];
    let hops = 0;
    while (pending.length > 0) {
      const part = pending.shift() as string;
      if (part === "..") {
        done.pop();
        continue;
      }
      const candidate = "/" + [...done, part].join("/");
      let st: Stats | undefined;
      try {
        st = await lstat(this.hostPath(candidate));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ENOENT" || code === "ENOTDIR") return undefined;
        throw e;
      }
      if (st.isSymbolicLink()) {
        if (++hops > MAX_HOPS) return undefined;
        const target = await readlink(this.hostPath(candidate));
        if (target.startsWith("/")) done = [];
        pending = [...splitPath(target), ...pending];
      } else {
        done.push(part);
      }
    }
    return "/" + done.join("/");
  }

  /** stat after resolution; undefined when missing. */
  async stat(machinePath: string): Promise<Stats | undefined> {
    const resolved = this.live ? posix.normalize(machinePath) : await this.resolve(machinePath);
    if (!resolved) return undefined;
    return missingAsUndefined(() => stat(this.hostPath(resolved)));
  }

  /** A text file's contents (following links), at most maxBytes; undefined when missing or not a file. */
  async readText(machinePath: string, maxBytes = 4 * 1024 * 1024): Promise<string | undefined> {
    // On the live system the kernel resolves links the way the machine does: no walk needed.
    const resolved = this.live ? posix.normalize(machinePath) : await this.resolve(machinePath);
    if (!resolved) return undefined;
    return missingAsUndefined(() => readBounded(this.hostPath(resolved), maxBytes));
  }

  /** Directory entries (following links to the directory); undefined when missing. */
  async readDir(machinePath: string): Promise<Dirent[] | undefined> {
    const resolved = this.live ? posix.normalize(machinePath) : await this.resolve(machinePath);
    if (!resolved) return undefined;
    return missingAsUndefined(() => readdir(this.hostPath(resolved), { withFileTypes: true }));
  }

  /** Whether a path exists after following links. */
  async exists(machinePath: string): Promise<boolean> {
    return (await this.resolve(machinePath)) !== undefined;
  }
}

/**
 * Reads up to maxBytes by chunks until end of file (so /proc files, whose size reads as 0, work);
 * a directory or other non-file reads as missing.
 */
async function readBounded(path: string, maxBytes: number): Promise<string | undefined> {
  // O_NONBLOCK: opening a FIFO planted where a file should be must not hang the probe.
  const handle = await open(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  try {
    if (!(await handle.stat()).isFile()) return undefined;
    const chunks: Buffer[] = [];
    let total = 0;
    while (total < maxBytes) {
      const buf = Buffer.alloc(Math.min(64 * 1024, maxBytes - total));
      const { bytesRead } = await handle.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      chunks.push(buf.subarray(0, bytesRead));
      total += bytesRead;
    }
    return Buffer.concat(chunks).toString("utf8");
  } finally {
    await handle.close();
  }
}

function splitPath(p: string): string[] {
  return p.split("/").filter((s) => s !== "" && s !== ".");
}

async function missingAsUndefined<T>(f: () => Promise<T>): Promise<T | undefined> {
  try {
    return await f();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw e;
  }
}

/** A one-line description of a filesystem error for a report entry. */
export function describeFsError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err?.code === "EACCES" || err?.code === "EPERM") return `permission denied: ${err.path ?? ""}`.trim();
  return err?.message ?? String(e);
}

/** A --root that is not a machine's root directory: checking it would find nothing and pass. */
export class InvalidRootError extends Error {
  constructor(message: string, readonly root: string) {
    super(message);
    this.name = "InvalidRootError";
  }
}

/**
 * What a system root has besides /etc: NixOS's marker, an os-release, Nix's state, the current
 * system link, or /var/lib. The example machine and the fixtures have several; an empty directory,
 * a repository checkout or a home directory has none.
 */
export const SYSTEM_ROOT_MARKERS = ["/etc/NIXOS", "/etc/os-release", "/nix/var", "/run/current-system", "/var/lib"];

/** Throws InvalidRootError unless `root` is an existing directory that looks like a system root. */
export async function assertSystemRoot(root: string): Promise<void> {
  const st = await stat(root).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT" || e.code === "ENOTDIR") return undefined;
    throw new InvalidRootError(`cannot read the root directory ${root}: ${describeFsError(e)}`, root);
  });
  if (!st) throw new InvalidRootError(`the root directory ${root} does not exist`, root);
  if (!st.isDirectory()) throw new InvalidRootError(`the root ${root} is not a directory`, root);
  const fs = new RootFs(root);
  const etc = await fs.stat("/etc").catch(() => undefined);
  if (!etc?.isDirectory()) throw new InvalidRootError(`${root} is not a system root: it has no etc/ directory`, root);
  for (const marker of SYSTEM_ROOT_MARKERS) {
    // The marker's own name (run/current-system may point into a store the root does not carry),
    // its parent resolved inside the root.
    const parent = await fs.resolve(posix.dirname(marker)).catch(() => undefined);
    if (parent && (await fs.lstat(posix.join(parent, posix.basename(marker))).catch(() => undefined))) return;
  }
  throw new InvalidRootError(
    `${root} is not a system root: it has etc/ but none of ${SYSTEM_ROOT_MARKERS.map((m) => m.slice(1)).join(", ")}`,
    root,
  );
}
