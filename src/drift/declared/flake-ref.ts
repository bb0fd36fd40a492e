// Flake references as the user types them (`.`, `~/.config/nixos`, `/etc/nixos#web1`,
// `path:/x`, `git+file:///x`, `github:owner/repo`): the reference Nix gets, the host named after
// `#` if any, and the local directory when there is one (for git state and the cache).
import { homedir } from "node:os";
import { resolve } from "node:path";

export interface FlakeRef {
  /** What is passed to Nix, without the fragment. */
  ref: string;
  /** The host named after '#', e.g. `/etc/nixos#web1`. */
  host?: string;
  /** The local directory of the flake, when it is one. */
  localDir?: string;
}

export function parseFlakeRef(input: string, cwd = process.cwd()): FlakeRef {
  const hash = input.indexOf("#");
  const base = hash >= 0 ? input.slice(0, hash) : input;
  let host = hash >= 0 ? input.slice(hash + 1) : undefined;
  // nixos-rebuild accepts `#host` and `.#nixosConfigurations.host`; keep the host name only.
  if (host?.startsWith("nixosConfigurations.")) host = host.slice("nixosConfigurations.".length);
  if (host === "") host = undefined;

  const ref = base === "" ? "." : base;
  if (ref.startsWith("path:")) {
    const dir = stripQuery(ref.slice("path:".length));
    const localDir = resolve(cwd, expandHome(dir));
    return { ref: `path:${localDir}${queryOf(ref)}`, host, localDir };
  }
  if (ref.startsWith("git+file:")) {
    const url = stripQuery(ref.slice("git+file:".length)).replace(/^\/\//, "");
    return { ref, host, localDir: resolve(cwd, expandHome(url)) };
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(ref)) return { ref, host };
  const localDir = resolve(cwd, expandHome(ref));
  return { ref: localDir, host, localDir };
}

function expandHome(p: string): string {
  return p === "~" || p.startsWith("~/") ? homedir() + p.slice(1) : p;
}

function stripQuery(s: string): string {
  const q = s.indexOf("?");
  return q >= 0 ? s.slice(0, q) : s;
}

function queryOf(s: string): string {
  const q = s.indexOf("?");
  return q >= 0 ? s.slice(q) : "";
}

/** An attribute name as Nix's attribute-path syntax needs it (quoted when not a plain identifier). */
export function nixAttr(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_'-]*$/.test(name) ? name : JSON.stringify(name);
}
