// Network identity and exposure as the machine has them: the hostname (/etc/hostname and the
// kernel's, <root>/proc/sys/kernel/hostname), the resolvers in use (/etc/resolv.conf, or
// systemd-resolved's upstream list behind its 127.0.0.53 stub), and listening sockets from
// <root>/proc/net with the process and unit that own each (via /proc/<pid>/fd links).
import { describeFsError, RootFs } from "../root.js";
import { isLoopback, parseProcNet, TCP_LISTEN, UDP_UNCONNECTED, type ProcSocket } from "../parse/proc-net.js";
import { processTable, readFdsSync } from "./proc.js";
import type { ProbeContext, ProbeResult } from "./types.js";
import type { ReportError } from "../../report/schema.js";

export interface ListeningSocket extends ProcSocket {
  owners: { pid: number; comm?: string; unit?: string }[];
}

export interface NetworkFacts {
  hostname: { etc?: string; kernel?: string };
  resolvers?: { file: string; nameservers: string[]; modifiedAt?: string };
  /** Sockets accepting traffic from other hosts (not loopback-only); undefined without <root>/proc/net. */
  listening?: ListeningSocket[];
}

const RESOLVED_STUB = "127.0.0.53";
const MAX_FD_LINKS = 50_000;
const FD_SCAN_BATCH = 64;

export function parseResolvConf(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m) out.push((m[1] as string).replace(/%.*$/, ""));
  }
  return out;
}

export async function probeNetwork(ctx: ProbeContext): Promise<ProbeResult<NetworkFacts>> {
  const fs = ctx.fs ?? new RootFs(ctx.root);
  const errors: ReportError[] = [];
  const notes: string[] = [];
  const facts: NetworkFacts = { hostname: {} };
  const err = (what: string, e: unknown) => errors.push({ source: "probe:network", message: `${what}: ${describeFsError(e)}` });

  try {
    facts.hostname.etc = (await fs.readText("/etc/hostname", 4096))?.trim() || undefined;
    facts.hostname.kernel = (await fs.readText("/proc/sys/kernel/hostname", 4096))?.trim() || undefined;
  } catch (e) {
    err("cannot read the hostname", e);
  }

  try {
    const text = await fs.readText("/etc/resolv.conf");
    if (text !== undefined) {
      let file = "/etc/resolv.conf";
      let nameservers = parseResolvConf(text);
      if (nameservers.length === 1 && nameservers[0] === RESOLVED_STUB) {
        const upstream = await fs.readText("/run/systemd/resolve/resolv.conf");
        if (upstream !== undefined) {
          file = "/run/systemd/resolve/resolv.conf";
          nameservers = parseResolvConf(upstream);
        }
      }
      facts.resolvers = { file, nameservers, modifiedAt: (await fs.stat(file))?.mtime.toISOString() };
    }
  } catch (e) {
    err("cannot read /etc/resolv.conf", e);
  }

  try {
    const sockets: ProcSocket[] = [];
    let any = false;
    for (const [file, proto, family] of [["tcp", "tcp", 4], ["tcp6", "tcp", 6], ["udp", "udp", 4], ["udp6", "udp", 6]] as const) {
      const text = await fs.readText(`/proc/net/${file}`);
      if (text === undefined) continue;
      any = true;
      sockets.push(...parseProcNet(text, proto, family));
    }
    if (!any) notes.push(`no /proc/net under ${ctx.root}: listening sockets not checked (not a running system)`);
    else {
      const listening = sockets.filter(
        (s) => !isLoopback(s.address) && ((s.proto === "tcp" && s.state === TCP_LISTEN) || (s.proto === "udp" && s.state === UDP_UNCONNECTED && s.port < 32768)),
      );
      facts.listening = await withOwners(fs, listening, notes);
    }
  } catch (e) {
    err("cannot read /proc/net", e);
  }
  return { facts, errors, notes };
}

/** Finds each socket's processes through /proc/<pid>/fd/* links "socket:[inode]". */
async function withOwners(fs: RootFs, sockets: ProcSocket[], notes: string[]): Promise<ListeningSocket[]> {
  const wanted = new Map<number, ListeningSocket>();
  const out = sockets.map((s) => {
    const l: ListeningSocket = { ...s, owners: [] };
    if (s.inode > 0) wanted.set(s.inode, l);
    return l;
  });
  if (wanted.size === 0) return out;
  const procs = await processTable(fs);
  let links = 0;
  let denied = 0;
  // Processes in parallel, a bounded number at a time: a busy machine has thousands of fds.
  const scan = async (p: (typeof procs)[number]) => {
    if (links > MAX_FD_LINKS) return;
    let targets: (string | undefined)[];
    if (fs.live) {
      const live = readFdsSync(p.pid);
      if (!live) {
        denied++;
        return;
      }
      targets = live;
    } else {
      let fds;
      try {
        fds = (await fs.readDir(`/proc/${p.pid}/fd`)) ?? [];
      } catch {
        denied++;
        return;
      }
      targets = await Promise.all(fds.map((fd) => fs.readLink(`/proc/${p.pid}/fd/${fd.name}`).catch(() => undefined)));
    }
    links += targets.length;
    for (const target of targets) {
      const m = target ? /^socket:\[(\d+)\]$/.exec(target) : null;
      const sock = m ? wanted.get(Number(m[1])) : undefined;
      if (sock && !sock.owners.some((o) => o.pid === p.pid)) sock.owners.push({ pid: p.pid, comm: p.comm, unit: p.unit });
    }
  };
  for (let i = 0; i < procs.length; i += FD_SCAN_BATCH) await Promise.all(procs.slice(i, i + FD_SCAN_BATCH).map(scan));
  for (const sock of out) sock.owners.sort((a, b) => a.pid - b.pid);
  if (denied > 0) notes.push(`${denied} processes' file descriptors were not readable (run as root to see every socket's owner)`);
  return out;
}
