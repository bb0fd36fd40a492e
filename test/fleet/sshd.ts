// Real OpenSSH servers on 127.0.0.1 for the fleet tests: each on a free port, with a throwaway host
// key, key-only login for a throwaway user key, started here and stopped after. Plus the two ways a
// host fails: a port nobody listens on (refuses) and a listener that accepts and never speaks (hangs).
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { Socket, createServer, type Server } from "node:net";
import { join } from "node:path";

export const SSHD = "/usr/sbin/sshd";
export const hasSshd = existsSync(SSHD) && probe("ssh") && probe("ssh-keygen");

function probe(cmd: string): boolean {
  try {
    execFileSync(cmd, ["-V"], { stdio: "ignore", timeout: 10_000 });
    return true;
  } catch (e) {
    // ssh -V exits 0; ssh-keygen has no -V and exits 1 with usage: it exists.
    return (e as NodeJS.ErrnoException).code !== "ENOENT";
  }
}

if (process.env.NIX_WARDEN_REQUIRE_NIX === "1" && !hasSshd) {
  throw new Error("NIX_WARDEN_REQUIRE_NIX=1 but OpenSSH's sshd is not installed: CI must install openssh-server");
}

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((res) => s.listen(0, "127.0.0.1", res));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((res) => s.close(() => res()));
  return port;
}

function keygen(path: string, comment: string): void {
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path], { stdio: "ignore", timeout: 30_000 });
}

export interface Sshd {
  port: number;
  hostPublicKey: string;
  stop(): Promise<void>;
}

/** One sshd in `dir`, accepting the user key `userKey.pub` for the current user. */
export async function startSshd(dir: string, userPublicKey: string): Promise<Sshd> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  keygen(join(dir, "host_ed25519"), "throwaway-host");
  await writeFile(join(dir, "authorized_keys"), userPublicKey, { mode: 0o600 });
  const port = await freePort();
  const config = [
    `Port ${port}`,
    "ListenAddress 127.0.0.1",
    `HostKey ${join(dir, "host_ed25519")}`,
    `PidFile ${join(dir, "sshd.pid")}`,
    `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
    "PubkeyAuthentication yes",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "PermitRootLogin prohibit-password",
    // The temp directory sits in world-writable /tmp: StrictModes would refuse the key file.
    "StrictModes no",
    "UsePAM no",
    "LogLevel ERROR",
    "",
  ].join("\n");
  await writeFile(join(dir, "sshd_config"), config);
  // sshd's privilege separation directory (root only; Debian's package creates it at boot).
  if (process.getuid?.() === 0) await mkdir("/run/sshd", { recursive: true, mode: 0o755 });
  const child: ChildProcess = spawn(SSHD, ["-D", "-e", "-f", join(dir, "sshd_config")], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  // Ready when the port accepts connections.
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`sshd exited: ${stderr}`);
    const ok = await new Promise<boolean>((res) => {
      const s = new Socket();
      s.once("connect", () => (s.destroy(), res(true)));
      s.once("error", () => res(false));
      s.connect(port, "127.0.0.1");
    });
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`sshd did not listen on ${port}: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const hostPublicKey = (await readFile(join(dir, "host_ed25519.pub"), "utf8")).trim().split(" ").slice(0, 2).join(" ");
  return {
    port,
    hostPublicKey,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** A TCP listener that accepts and never answers: an SSH host that hangs. */
export async function startSilentListener(): Promise<{ port: number; stop(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on("error", () => undefined);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((res) => server.listen(0, "127.0.0.1", res));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((res) => server.close(() => res()));
    },
  };
}

export { keygen };
