// The process table under <root>/proc: pid, command name, and the systemd unit each process runs in
// (from its cgroup path, e.g. "0::/system.slice/redis.service"). Shared by the services probe
// (which units are running) and the network probe (who owns a listening socket); read once per
// root. A fixture root can carry /proc/<pid>/{comm,cgroup,fd/} in the kernel's formats.
import { readFileSync, readdirSync, readlinkSync } from "node:fs";
import type { RootFs } from "../root.js";

export interface ProcessInfo {
  pid: number;
  comm?: string;
  /** The unit the process belongs to (service, scope, socket, ...), if any. */
  unit?: string;
  cgroup?: string;
}

const cache = new WeakMap<RootFs, Promise<ProcessInfo[]>>();
const MAX_PROCESSES = 20_000;

export function processTable(fs: RootFs): Promise<ProcessInfo[]> {
  let p = cache.get(fs);
  if (!p) {
    p = readProcessTable(fs);
    cache.set(fs, p);
  }
  return p;
}

async function readProcessTable(fs: RootFs): Promise<ProcessInfo[]> {
  const entries = (await fs.readDir("/proc").catch(() => undefined)) ?? [];
  const pids = entries
    .map((e) => e.name)
    .filter((n) => /^\d+$/.test(n))
    .slice(0, MAX_PROCESSES)
    .map(Number);
  // On the live system /proc is memory, never slow storage: synchronous reads are far cheaper than
  // thousands of thread-pool round trips.
  if (fs.live) return pids.map((pid) => processInfo(pid, readProcSync(`/proc/${pid}/comm`), readProcSync(`/proc/${pid}/cgroup`)));
  return Promise.all(
    pids.map(async (pid) => {
      const [comm, cgroup] = await Promise.all([
        fs.readText(`/proc/${pid}/comm`, 256).catch(() => undefined),
        fs.readText(`/proc/${pid}/cgroup`, 8192).catch(() => undefined),
      ]);
      return processInfo(pid, comm, cgroup);
    }),
  );
}

function processInfo(pid: number, comm: string | undefined, cgroup: string | undefined): ProcessInfo {
  const info: ProcessInfo = { pid, comm: comm?.trim() };
  if (cgroup !== undefined) {
    info.cgroup = unifiedCgroup(cgroup);
    info.unit = unitOfCgroup(info.cgroup);
  }
  return info;
}

/** A live /proc file, or undefined when the process is gone or unreadable. */
export function readProcSync(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** A live /proc/<pid>/fd listing with link targets; undefined when not readable (another user's process). */
export function readFdsSync(pid: number): string[] | undefined {
  try {
    return readdirSync(`/proc/${pid}/fd`).map((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        return "";
      }
    });
  } catch {
    return undefined;
  }
}

/** The cgroup v2 path ("0::/..."), or the name=systemd v1 hierarchy on hybrid systems. */
export function unifiedCgroup(text: string): string | undefined {
  const lines = text.split("\n").filter(Boolean);
  const v2 = lines.find((l) => l.startsWith("0::"));
  const v1 = lines.find((l) => /^\d+:name=systemd:/.test(l));
  const pick = v2 && v2 !== "0::/" ? v2 : v1 ?? v2;
  if (!pick) return undefined;
  return pick.slice(pick.indexOf(":", pick.indexOf(":") + 1) + 1);
}

/** The innermost unit on a cgroup path: ".../system.slice/redis.service" -> "redis.service". */
export function unitOfCgroup(path: string | undefined): string | undefined {
  if (!path) return undefined;
  const parts = path.split("/").filter(Boolean);
  for (let i = parts.length - 1; i >= 0; i--) {
    if (/\.(service|scope|socket|mount|swap)$/.test(parts[i] as string)) return parts[i];
  }
  return undefined;
}
