// The remote side of a fleet drift check: one read-only POSIX sh program, sent over the SSH
// connection on stdin (`ssh DEST sh -s`: nothing is installed on the target, and no shell string is
// ever built from the flake's or the host's data), that prints a fixed list of files, the links of
// the system and user profiles, the profiles' manifests and the kernel parameters, between boundary
// lines. The boundary holds a random nonce chosen here for each run, so a file's contents cannot
// fake a section. Locally the sections become a root directory that the drift probes read as they
// read a mounted disk (`drift --root`). Everything that comes back is the target's data: every
// path is checked against the shapes asked for before anything is written, and nothing is written
// through a link.
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { lstat, lutimes, mkdir, open, symlink } from "node:fs/promises";
import { join } from "node:path";
import type { ProbeName } from "../drift/probes/index.js";

/** What the remote program reads: the users database, the hostname, the resolvers, listening
 * sockets, mounts. Never /etc/shadow or a key. */
export const REMOTE_FILES = [
  "/etc/passwd",
  "/etc/group",
  "/etc/hostname",
  "/etc/resolv.conf",
  "/etc/NIXOS",
  "/etc/os-release",
  "/proc/sys/kernel/hostname",
  "/proc/net/tcp",
  "/proc/net/tcp6",
  "/proc/net/udp",
  "/proc/net/udp6",
  "/proc/self/mountinfo",
  "/proc/mounts",
  "/proc/swaps",
] as const;

/** The links the program reports (shell globs, constant): the running and booted system, the
 * system and default profiles with their generations, each user's profiles. */
const REMOTE_LINK_GLOBS = [
  "/run/current-system",
  "/run/booted-system",
  "/nix/var/nix/profiles/*",
  "/nix/var/nix/profiles/per-user/*/*",
  "/root/.nix-profile",
  "/root/.local/state/nix/profiles/*",
  "/home/*/.nix-profile",
  "/home/*/.local/state/nix/profiles/*",
];

/** The kernel parameter trees sent (grep prints `path:value`; boot.kernel.sysctl keys live here). */
const SYSCTL_TREES = ["/proc/sys/kernel", "/proc/sys/net", "/proc/sys/vm", "/proc/sys/fs", "/proc/sys/user"];

/** The probes whose inputs the remote program collects. The others (services, /etc files, firewall,
 * git, history) need systemctl, nft or the store's /etc tree on the target and are not checked over
 * SSH yet; the report says so. */
export const REMOTE_PROBES: ProbeName[] = ["users", "network", "mounts", "sysctl", "generations", "packages"];

// Shapes of what may come back. A name is one path component a profile or user can have.
const NAME = "[A-Za-z0-9_][A-Za-z0-9._+-]{0,127}";
const LINK_PATH = new RegExp(
  `^(?:/run/(?:current|booted)-system|/nix/var/nix/profiles/${NAME}|/nix/var/nix/profiles/per-user/${NAME}/${NAME}|/root/\\.nix-profile|/root/\\.local/state/nix/profiles/${NAME}|/home/${NAME}/\\.nix-profile|/home/${NAME}/\\.local/state/nix/profiles/${NAME})$`,
);
const STORE_PATH = "/nix/store/[0-9a-df-np-sv-z]{32}-[A-Za-z0-9+._?=-]{1,211}";
const MANIFEST_PATH = new RegExp(`^${STORE_PATH}/manifest\\.(?:json|nix)$`);
/** A link target: a store path, another profile link, or a relative generation link name. */
const LINK_TARGET = new RegExp(`^(?:${STORE_PATH}(?:/[A-Za-z0-9+._?=-]+)*|/nix/var/nix/profiles(?:/${NAME}){1,3}|/home/${NAME}/\\.local/state/nix/profiles/${NAME}|/root/\\.local/state/nix/profiles/${NAME}|${NAME})$`);
const SYSCTL_PATH = /^\/proc\/sys(?:\/[A-Za-z0-9_][A-Za-z0-9_.:+-]*)+$/;
const MAX_SYSCTL_LINES = 200_000;

export function newBoundary(): string {
  return `@@nix-warden-${randomBytes(16).toString("hex")}@@`;
}

/** The program. Only the boundary (hex we generated) and our own constant paths go into it. */
export function remoteProgram(boundary: string): string {
  if (!/^@@nix-warden-[0-9a-f]{32}@@$/.test(boundary)) throw new Error("invalid boundary");
  return [
    "set -u",
    "export LC_ALL=C",
    `B='${boundary}'`,
    "emit() {",
    '  printf \'%s file %s\\n\' "$B" "$1"',
    '  cat -- "$1" 2>/dev/null',
    "  printf '\\n%s end\\n' \"$B\"",
    "}",
    `for f in ${REMOTE_FILES.join(" ")}; do`,
    '  if [ -r "$f" ]; then emit "$f"; else printf \'%s missing %s\\n\' "$B" "$f"; fi',
    "done",
    // Links: the path, its mtime (a generation's date) and on the next line its target.
    `for l in ${REMOTE_LINK_GLOBS.join(" ")}; do`,
    '  [ -L "$l" ] || continue',
    '  printf \'%s link %s %s\\n\' "$B" "$(stat -c %Y -- "$l" 2>/dev/null || echo 0)" "$l"',
    '  readlink -- "$l"',
    // A profile generation's manifest (nix-env's manifest.nix, nix profile's manifest.json).
    '  case "$l" in',
    "    */system-*-link) ;;",
    "    *-link)",
    '      t=$(readlink -- "$l")',
    '      for m in manifest.json manifest.nix; do [ -r "$t/$m" ] && emit "$t/$m"; done ;;',
    "  esac",
    "done",
    'printf \'%s sysctl\\n\' "$B"',
    `grep -r -s -H -D skip '' ${SYSCTL_TREES.join(" ")} 2>/dev/null`,
    'printf \'%s end\\n\' "$B"',
    "printf '%s done\\n' \"$B\"",
    "",
  ].join("\n");
}

export interface RemoteLink {
  target: string;
  /** Seconds since the epoch (the link's own mtime), 0 when unknown. */
  mtime: number;
}

export interface RemoteSnapshot {
  files: Map<string, string>;
  links: Map<string, RemoteLink>;
  /** Kernel parameters: /proc/sys path to value. */
  sysctl: Map<string, string>;
  missing: string[];
  /** Sections dropped because a path or target had a shape we did not ask for. */
  rejected: number;
  /** The program ran to its end (the output was not cut off). */
  complete: boolean;
}

/** Reads the program's output; sections for paths we did not ask for are dropped (and counted). */
export function parseRemoteOutput(stdout: string, boundary: string): RemoteSnapshot {
  const wanted = new Set<string>(REMOTE_FILES);
  const snap: RemoteSnapshot = { files: new Map(), links: new Map(), sysctl: new Map(), missing: [], rejected: 0, complete: false };
  const lines = stdout.split("\n");
  let current: { path: string; body: string[] } | undefined;
  let pendingLink: { path: string; mtime: number } | undefined;
  let inSysctl = false;
  let sysctlLines = 0;
  for (const line of lines) {
    if (line.startsWith(`${boundary} `)) {
      pendingLink = undefined;
      const [, what, ...rest] = line.split(" ");
      const arg = rest.join(" ");
      if (inSysctl) {
        if (what === "end") inSysctl = false;
        continue;
      }
      if (what === "file") {
        if (wanted.has(arg) || MANIFEST_PATH.test(arg)) current = { path: arg, body: [] };
        else {
          current = undefined;
          snap.rejected++;
        }
      } else if (what === "end" && current) {
        // The program adds one newline before the end line.
        snap.files.set(current.path, current.body.join("\n"));
        current = undefined;
      } else if (what === "missing" && wanted.has(arg)) snap.missing.push(arg);
      else if (what === "link") {
        const [mtime = "", ...p] = rest;
        const path = p.join(" ");
        if (LINK_PATH.test(path) && /^\d{1,12}$/.test(mtime)) pendingLink = { path, mtime: Number(mtime) };
        else snap.rejected++;
      } else if (what === "sysctl") inSysctl = true;
      else if (what === "done") snap.complete = true;
      continue;
    }
    if (pendingLink) {
      if (LINK_TARGET.test(line) && !line.split("/").includes("..")) snap.links.set(pendingLink.path, { target: line, mtime: pendingLink.mtime });
      else snap.rejected++;
      pendingLink = undefined;
      continue;
    }
    if (inSysctl) {
      if (++sysctlLines > MAX_SYSCTL_LINES) continue;
      const colon = line.indexOf(":");
      const path = line.slice(0, colon);
      if (colon < 0 || !SYSCTL_PATH.test(path) || path.split("/").includes("..")) continue;
      const prior = snap.sysctl.get(path);
      snap.sysctl.set(path, prior === undefined ? line.slice(colon + 1) : `${prior}\n${line.slice(colon + 1)}`);
      continue;
    }
    current?.body.push(line);
  }
  return snap;
}

/**
 * Writes the snapshot as a root directory. Only paths of the shapes above, each created below
 * `root` one directory at a time: a component that exists as anything but a real directory (a
 * link the target sent) stops that entry, and files are created exclusively, so nothing is ever
 * written through a link.
 */
export async function writeSnapshotRoot(snapshot: RemoteSnapshot, root: string): Promise<void> {
  await mkdir(root, { recursive: true, mode: 0o700 });
  for (const [path, text] of snapshot.files) {
    if (!(REMOTE_FILES as readonly string[]).includes(path) && !MANIFEST_PATH.test(path)) continue;
    await writeInside(root, path, text);
  }
  for (const [path, value] of snapshot.sysctl) if (SYSCTL_PATH.test(path)) await writeInside(root, path, `${value}\n`);
  for (const [path, link] of snapshot.links) {
    if (!LINK_PATH.test(path)) continue;
    const parent = await directoryInside(root, path.split("/").slice(1, -1));
    if (!parent) continue;
    const at = join(parent, path.split("/").pop()!);
    try {
      await symlink(link.target, at);
      if (link.mtime > 0) await lutimes(at, link.mtime, link.mtime);
    } catch {
      // Already there (a link sent twice) or not creatable: the probe will say what it misses.
    }
  }
}

/** `root/<parts...>` as real directories (created 0700 when missing), or undefined when some part
 * exists and is not a directory. */
async function directoryInside(root: string, parts: string[]): Promise<string | undefined> {
  let dir = root;
  for (const part of parts) {
    if (!part || part === "." || part === "..") return undefined;
    dir = join(dir, part);
    const st = await lstat(dir).catch(() => undefined);
    if (st === undefined) await mkdir(dir, { mode: 0o700 }).catch(() => undefined);
    const now = await lstat(dir).catch(() => undefined);
    if (!now?.isDirectory()) return undefined;
  }
  return dir;
}

async function writeInside(root: string, path: string, text: string): Promise<void> {
  const parts = path.split("/").slice(1);
  const dir = await directoryInside(root, parts.slice(0, -1));
  if (!dir) return;
  let handle;
  try {
    // O_EXCL with O_CREAT never follows a link at the last component.
    handle = await open(join(dir, parts[parts.length - 1]!), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    await handle.writeFile(text);
  } catch {
    // Already written (sent twice): the first copy stands.
  } finally {
    await handle?.close();
  }
}
