// The MCP tests talk to the built server (`node dist/bundle/main.js serve`, built by npm test) as a
// client would: the SDK's Client over stdio (or HTTP), in a temporary workspace holding a fixture
// repository. Everything a test starts is stopped, and its temp dirs removed, after the test.
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, cp, mkdir, mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import {
  ElicitRequestSchema,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  ResourceListChangedNotificationSchema,
  type ElicitResult,
  type LoggingMessageNotification,
} from "@modelcontextprotocol/sdk/types.js";
import { onCleanup } from "../helpers/cleanup.js";

export const REPO_ROOT = join(import.meta.dirname, "..", "..");
export const CLI = join(REPO_ROOT, "dist", "bundle", "main.js");
export const FIXTURE_REPO = join(REPO_ROOT, "test", "fixtures", "mcp", "repo");

// Stopped and removed after each test by test/setup-env.ts (see test/helpers/cleanup.ts).
export { onCleanup };

/** A temporary directory (its realpath), removed after the test. */
export async function tempDir(prefix = "nix-warden-mcp-test-"): Promise<string> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), prefix)));
  onCleanup(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A workspace holding a copy of the fixture repository at `<ws>/repo`, committed with git. */
export async function workspace(): Promise<{ ws: string; repo: string }> {
  const ws = await tempDir();
  const repo = join(ws, "repo");
  await cp(FIXTURE_REPO, repo, { recursive: true });
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=Test", "-c", "user.email=test@example.org", "-c", "init.defaultBranch=main", ...args], { cwd: repo, stdio: "pipe" });
  git("init", "-q");
  git("add", "-A");
  git("commit", "-qm", "fixture");
  return { ws, repo };
}

/** A workspace for check_drift from the drift example: the example machine materialized at
 * `<ws>/machine` and its flake copied to `<ws>/nixos-config`, a git repository (with everything
 * committed as `commit` when one is given). */
export async function driftExampleWorkspace(commit?: string): Promise<{ ws: string; flake: string }> {
  const { materializeRoot } = await import("../../src/drift/root-spec.js");
  const { EXAMPLE_DIR } = await import("../../src/drift/demo.js");
  const ws = await tempDir();
  await materializeRoot(join(EXAMPLE_DIR, "system"), join(ws, "machine"));
  const flake = join(ws, "nixos-config");
  await cp(join(EXAMPLE_DIR, "flake"), flake, { recursive: true });
  const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "init.defaultBranch=main", ...args], { cwd: flake, stdio: "pipe" });
  git("init", "-q");
  if (commit !== undefined) {
    git("add", "-A");
    git("commit", "-qm", commit);
  }
  return { ws, flake };
}

/** `nix-warden serve` over stdio, spoken to in raw lines (no SDK client): for messages a client
 * would never send. `answer(id)` waits up to `answerTimeoutMs` for the message with that id. */
export async function stdioServer(cwd: string, answerTimeoutMs = 20_000) {
  const child = spawn(process.execPath, [CLI, "serve"], { cwd, stdio: ["pipe", "pipe", "pipe"] });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  onCleanup(async () => {
    if (child.exitCode === null) child.kill("SIGKILL");
    await exited;
  });
  const messages: Array<{ id?: unknown; result?: unknown; error?: { code: number; message: string } }> = [];
  let buffered = "";
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdout.on("data", (d: Buffer) => {
    buffered += d.toString();
    for (let nl = buffered.indexOf("\n"); nl !== -1; nl = buffered.indexOf("\n")) {
      messages.push(JSON.parse(buffered.slice(0, nl)));
      buffered = buffered.slice(nl + 1);
    }
  });
  const write = (data: string | Buffer) => new Promise<void>((resolve, reject) => child.stdin.write(data, (e) => (e ? reject(e) : resolve())));
  const send = (message: object) => write(JSON.stringify(message) + "\n");
  const answer = (id: unknown) => waitFor(() => messages.find((m) => m.id === id), answerTimeoutMs, `the answer to ${String(id)}`);
  return { child, exited, messages, write, send, answer, stderr: () => stderr };
}

/** A directory of executables put first on the server's PATH (programs that cannot run here, or
 * that must hang for a cancellation test). Each records its PID in `<dir>/<name>.pids`. */
export async function fakeBin(programs: Record<string, string>): Promise<string> {
  const dir = await tempDir("nix-warden-fake-bin-");
  for (const [name, body] of Object.entries(programs)) {
    await writeFile(join(dir, name), `#!/bin/sh\necho $$ >> '${join(dir, `${name}.pids`)}'\n${body}\n`);
    await chmod(join(dir, name), 0o755);
  }
  return dir;
}

export interface ConnectOptions {
  cwd: string;
  args?: string[];
  env?: Record<string, string>;
  /** Roots the client offers (directories); undefined: no roots capability. */
  roots?: string[];
  /** Answer elicitation requests; undefined: no elicitation capability. */
  elicit?: (message: string) => ElicitResult | Promise<ElicitResult>;
}

export interface Connected {
  client: Client;
  transport: StdioClientTransport;
  logs: LoggingMessageNotification["params"][];
  listChanged: { count: number };
  elicitations: string[];
  stderr: () => string;
  /** Change the roots the client offers and tell the server. */
  setRoots(dirs: string[]): Promise<void>;
  close(): Promise<void>;
}

export async function connect(options: ConnectOptions): Promise<Connected> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, "serve", ...(options.args ?? [])],
    cwd: options.cwd,
    env: { ...(process.env as Record<string, string>), ...options.env },
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const capabilities: Record<string, object> = {};
  if (options.roots) capabilities.roots = { listChanged: true };
  if (options.elicit) capabilities.elicitation = { form: {} };
  const client = new Client({ name: "nix-warden-test", version: "1.0.0" }, { capabilities });
  const logs: LoggingMessageNotification["params"][] = [];
  const listChanged = { count: 0 };
  const elicitations: string[] = [];
  let roots = options.roots ?? [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
    logs.push(n.params);
  });
  client.setNotificationHandler(ResourceListChangedNotificationSchema, () => {
    listChanged.count++;
  });
  if (options.roots) client.setRequestHandler(ListRootsRequestSchema, () => ({ roots: roots.map((d) => ({ uri: pathToFileURL(d).href, name: d })) }));
  if (options.elicit) {
    const elicit = options.elicit;
    client.setRequestHandler(ElicitRequestSchema, async (req) => {
      elicitations.push(req.params.message);
      return elicit(req.params.message);
    });
  }
  await client.connect(transport);
  const close = async () => {
    await client.close();
  };
  onCleanup(close);
  return {
    client,
    transport,
    logs,
    listChanged,
    elicitations,
    stderr: () => stderr,
    setRoots: async (dirs) => {
      roots = dirs;
      await client.sendRootsListChanged();
    },
    close,
  };
}

/** Whether a process is still alive. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function waitFor<T>(fn: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000, what = "condition"): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function mkdirp(p: string): Promise<string> {
  await mkdir(p, { recursive: true });
  return p;
}

/** The full report a tool answer links to (its first resource_link), parsed. */
export async function linkedReport(client: Client, result: object): Promise<unknown> {
  const link = ((result as { content?: Array<{ type: string; uri?: string }> }).content ?? []).find((x) => x.type === "resource_link");
  if (!link?.uri) throw new Error("the answer links no resource");
  return JSON.parse(((await client.readResource({ uri: link.uri })).contents[0] as { text: string }).text);
}
