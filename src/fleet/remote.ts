// The remote side of a fleet drift check: one read-only POSIX sh program, sent over the SSH
// connection on stdin (`ssh DEST sh -s`: nothing is installed on the target, and no shell string is
// ever built from the flake's or the host's data), that prints a fixed list of files between
// boundary lines. The boundary holds a random nonce chosen here for each run, so a file's contents
// cannot fake a section. Locally the sections become a root directory that the drift probes read
// as they read a mounted disk (`drift --root`).
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
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

/** The probes whose inputs the remote program collects. The others (packages, services, /etc
 * files, generations, firewall, sysctl, git, history) need the store, systemctl or nft on the
 * target and are not checked over SSH yet; the report says so. */
export const REMOTE_PROBES: ProbeName[] = ["users", "network", "mounts"];

export function newBoundary(): string {
  return `@@nix-warden-${randomBytes(16).toString("hex")}@@`;
}

/** The program. Only the boundary (hex we generated) and our own constant paths go into it. */
export function remoteProgram(boundary: string): string {
  if (!/^@@nix-warden-[0-9a-f]{32}@@$/.test(boundary)) throw new Error("invalid boundary");
  return [
    "set -u",
    `B='${boundary}'`,
    `for f in ${REMOTE_FILES.join(" ")}; do`,
    '  if [ -r "$f" ]; then',
    "    printf '%s file %s\\n' \"$B\" \"$f\"",
    '    cat -- "$f" 2>/dev/null',
    "    printf '\\n%s end\\n' \"$B\"",
    "  else",
    "    printf '%s missing %s\\n' \"$B\" \"$f\"",
    "  fi",
    "done",
    "printf '%s done\\n' \"$B\"",
    "",
  ].join("\n");
}

export interface RemoteSnapshot {
  files: Map<string, string>;
  missing: string[];
  /** The program ran to its end (the output was not cut off). */
  complete: boolean;
}

/** Reads the program's output; sections for paths we did not ask for are ignored. */
export function parseRemoteOutput(stdout: string, boundary: string): RemoteSnapshot {
  const wanted = new Set<string>(REMOTE_FILES);
  const files = new Map<string, string>();
  const missing: string[] = [];
  let complete = false;
  const lines = stdout.split("\n");
  let current: { path: string; body: string[] } | undefined;
  for (const line of lines) {
    if (line.startsWith(`${boundary} `)) {
      const [, what, ...rest] = line.split(" ");
      const path = rest.join(" ");
      if (what === "file" && wanted.has(path)) current = { path, body: [] };
      else if (what === "end" && current) {
        // The program adds one newline before the end line.
        files.set(current.path, current.body.join("\n"));
        current = undefined;
      } else if (what === "missing" && wanted.has(path)) missing.push(path);
      else if (what === "done") complete = true;
      continue;
    }
    current?.body.push(line);
  }
  return { files, missing, complete };
}

/** Writes the snapshot as a root directory (only our own constant paths, below `root`). */
export async function writeSnapshotRoot(snapshot: RemoteSnapshot, root: string): Promise<void> {
  for (const [path, text] of snapshot.files) {
    if (!(REMOTE_FILES as readonly string[]).includes(path)) continue;
    const target = join(root, path);
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    await writeFile(target, text, { mode: 0o600 });
  }
}
