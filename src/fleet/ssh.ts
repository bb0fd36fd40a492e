// ssh as the fleet runs it: an argument array (never a shell string), BatchMode (no password or
// host-key prompt can hang a run), a connect timeout and keep-alives, and a hard limit on the
// whole call. ~/.ssh/config is honoured by ssh itself (or the file given with --ssh-config).
import { run, type RunResult } from "../system/run.js";

export interface SshOptions {
  /** ssh -F FILE instead of ~/.ssh/config. */
  config?: string;
  connectTimeoutSec?: number;
  /** The whole call (connect, program, output). */
  timeoutMs?: number;
  signal?: AbortSignal;
  ssh?: string;
}

/** user@host, host, user@[v6] or host aliases of ~/.ssh/config; never an option. */
export const DESTINATION = /^(?:[A-Za-z0-9._-]+@)?(?:[A-Za-z0-9][A-Za-z0-9._-]*|\[[0-9A-Fa-f:.]+\])$/;

export function sshArgs(destination: string, options: SshOptions = {}): string[] {
  if (!DESTINATION.test(destination)) throw new Error(`invalid SSH destination '${destination}'`);
  const timeout = options.connectTimeoutSec ?? 10;
  return [
    ...(options.config ? ["-F", options.config] : []),
    "-o", "BatchMode=yes",
    "-o", `ConnectTimeout=${timeout}`,
    "-o", "ServerAliveInterval=5",
    "-o", "ServerAliveCountMax=3",
    // Nothing forwarded to a machine we only read from.
    "-o", "ForwardAgent=no",
    "-o", "ForwardX11=no",
    "-o", "ClearAllForwardings=yes",
    "-T",
    "--",
    destination,
    // The remote command is this constant; the program comes on stdin.
    "sh", "-s",
  ];
}

export async function sshRun(destination: string, program: string, options: SshOptions = {}): Promise<RunResult> {
  return run(options.ssh ?? "ssh", sshArgs(destination, options), {
    input: program,
    timeoutMs: options.timeoutMs ?? 60_000,
    signal: options.signal,
    maxBuffer: 16 * 1024 * 1024,
  });
}
