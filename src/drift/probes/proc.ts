// The process table under <root>/proc: pid, command name, and the systemd unit each process runs in
// (from its cgroup path, e.g. "0::/system.slice/redis.service"). Shared by the services probe
// (which units are running) and the network probe (who owns a listening socket); read once per
// root. A fixture root can carry /proc/<pid>/{comm,cgroup,fd/} in the kernel's formats.
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
  return Promise.all(
    pids.map(async (pid) => {
      const [comm, cgroup] = await Promise.all([
        fs.readText(`/proc/${pid}/comm`, 256).catch(() => undefined),
        fs.readText(`/proc/${pid}/cgroup`, 8192).catch(() => undefined),
      ]);
      const info: ProcessInfo = { pid, comm: comm?.trim() };
      if (cgroup !== undefined) {
        info.cgroup = unifiedCgroup(cgroup);
        info.unit = unitOfCgroup(info.cgroup);
      }
      return info;
    }),
  );
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
