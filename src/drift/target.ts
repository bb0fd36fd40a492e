// Before a drift check: is the machine (or mounted root) a NixOS system, and is it the host asked
// for? Comparing a Debian box, or the nas, with the declaration of web1 yields a hundred "delete the
// group audio" items that look like real drift. check_drift and `nix-warden drift` refuse up front
// unless forced.
import { readFile } from "node:fs/promises";
import { hostname as osHostname } from "node:os";
import { assertSystemRoot, RootFs } from "./root.js";

export interface MachineFacts {
  nixos: boolean;
  /** The machine's hostname (its /etc/hostname; the kernel's for the live system), if known. */
  hostname?: string;
}

export async function machineFacts(root: string): Promise<MachineFacts> {
  const fs = new RootFs(root);
  const nixos = Boolean((await fs.lstat("/etc/NIXOS")) ?? (await fs.lstat("/run/current-system")));
  let name = (await fs.readText("/etc/hostname", 4096).catch(() => undefined))?.trim();
  if (!name && fs.live) name = (await readFile("/proc/sys/kernel/hostname", "utf8").catch(() => osHostname())).trim();
  return { nixos, ...(name ? { hostname: name } : {}) };
}

const shortName = (h: string) => h.toLowerCase().split(".")[0]!;

/**
 * Why a drift check of `host` on `root` would compare the wrong things, or undefined when it looks
 * right. `host` undefined: the default (the machine's own name), so only NixOS is checked.
 */
export async function driftTargetProblem(root: string, host: string | undefined): Promise<string | undefined> {
  // A root that is no system root at all is the caller's mistake (InvalidRootError), said first.
  if (root !== "/") await assertSystemRoot(root);
  const facts = await machineFacts(root);
  const where = root === "/" ? "this machine" : `the system in ${root}`;
  if (!facts.nixos)
    return `${where} is not NixOS (no /etc/NIXOS, no /run/current-system): every declared user, group, service and file would show as drift. Point root at a mounted NixOS system, or force the check if you mean it.`;
  if (host !== undefined && facts.hostname !== undefined && shortName(facts.hostname) !== shortName(host))
    return `${where} is '${facts.hostname}', not '${host}': comparing it with nixosConfigurations.${host} would list the differences between two machines as drift. Check '${facts.hostname}' instead, or force the check if you mean it.`;
  return undefined;
}
