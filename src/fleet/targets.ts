// Which hosts a fleet run checks and how each is reached: `--hosts all` (every
// nixosConfigurations.<name>) or a list; `name=user@host` names the destination; otherwise the
// flake's deploy-rs node (`deploy.nodes.<name>.hostname`, `sshUser`) or colmena node
// (`colmena.<name>.deployment.targetHost`, `targetUser`) when the flake has one; otherwise the name
// itself, which ssh resolves through ~/.ssh/config (Host aliases, HostName, Port, User).
import { listHosts } from "../drift/declared/eval.js";
import { run } from "../system/run.js";
import { DESTINATION } from "./ssh.js";

export interface FleetTarget {
  host: string;
  destination: string;
  /** Where the destination came from. */
  via: "argument" | "deploy-rs" | "colmena" | "host name";
}

const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

const NIX_EVAL = ["eval", "--json", "--no-write-lock-file", "--extra-experimental-features", "nix-command flakes"];

// Constant expressions (no data from the flake goes into them): the node names and their SSH
// targets, or null when a node does not say.
const DEPLOY_RS = 'nodes: builtins.mapAttrs (n: v: { host = v.hostname or null; user = v.sshUser or null; }) nodes';
const COLMENA =
  'hive: builtins.mapAttrs (n: v: if builtins.isAttrs v && v ? deployment && builtins.isAttrs v.deployment then { host = v.deployment.targetHost or null; user = v.deployment.targetUser or null; } else null) (builtins.removeAttrs hive [ "meta" "defaults" ])';

type NodeTargets = Record<string, { host: string | null; user: string | null } | null>;

async function evalNodes(flake: string, attr: string, apply: string, timeoutMs: number, signal?: AbortSignal): Promise<NodeTargets> {
  const r = await run("nix", [...NIX_EVAL, `${flake}#${attr}`, "--apply", apply], { timeoutMs, signal });
  if (!r.ok) return {};
  try {
    const v = JSON.parse(r.stdout) as unknown;
    return typeof v === "object" && v !== null ? (v as NodeTargets) : {};
  } catch {
    return {};
  }
}

function destinationOf(t: { host: string | null; user: string | null } | null | undefined): string | undefined {
  if (!t || typeof t.host !== "string") return undefined;
  const d = typeof t.user === "string" ? `${t.user}@${t.host}` : t.host;
  return DESTINATION.test(d) ? d : undefined;
}

/** `a,b=user@host`: names and the destinations given for them; an error for a bad name or a
 * destination that is not one (an ssh option, a shell word). */
export function parseHostList(list: string): { hosts: Map<string, string | undefined> } | { error: string } {
  const hosts = new Map<string, string | undefined>();
  for (const item of list.split(",").map((s) => s.trim()).filter(Boolean)) {
    const eq = item.indexOf("=");
    const name = eq >= 0 ? item.slice(0, eq) : item;
    const dest = eq >= 0 ? item.slice(eq + 1) : undefined;
    if (!HOST_NAME.test(name)) return { error: `invalid host name '${name}'` };
    if (dest !== undefined && !DESTINATION.test(dest)) return { error: `invalid SSH destination '${dest}' for ${name}` };
    hosts.set(name, dest);
  }
  if (!hosts.size) return { error: "no hosts given" };
  return { hosts };
}

export interface ResolveOptions {
  flake: string;
  /** "all" or a comma-separated list of `name` / `name=destination`. */
  hosts: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export async function resolveTargets(options: ResolveOptions): Promise<{ targets: FleetTarget[]; error?: string }> {
  const timeoutMs = options.timeoutMs ?? 300_000;
  const given = new Map<string, string | undefined>();
  if (options.hosts === "all") {
    const listed = await listHosts(options.flake, { timeoutMs, signal: options.signal });
    if ("error" in listed && listed.error) return { targets: [], error: listed.error };
    for (const h of listed.value ?? []) given.set(h, undefined);
  } else {
    const parsed = parseHostList(options.hosts);
    if ("error" in parsed) return { targets: [], error: parsed.error };
    for (const [k, v] of parsed.hosts) given.set(k, v);
  }
  const needLookup = [...given.values()].some((d) => d === undefined);
  const [deployRs, colmena] = needLookup
    ? await Promise.all([evalNodes(options.flake, "deploy.nodes", DEPLOY_RS, timeoutMs, options.signal), evalNodes(options.flake, "colmena", COLMENA, timeoutMs, options.signal)])
    : [{}, {}];
  const targets: FleetTarget[] = [];
  for (const [host, dest] of given) {
    if (!HOST_NAME.test(host)) continue;
    if (dest) targets.push({ host, destination: dest, via: "argument" });
    else {
      const d = destinationOf((deployRs as NodeTargets)[host]);
      const c = destinationOf((colmena as NodeTargets)[host]);
      if (d) targets.push({ host, destination: d, via: "deploy-rs" });
      else if (c) targets.push({ host, destination: c, via: "colmena" });
      else targets.push({ host, destination: host, via: "host name" });
    }
  }
  return { targets };
}
