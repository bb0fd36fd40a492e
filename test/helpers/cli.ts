// Running the CLI in tests. `cli` runs the built CLI as a user would, in its own process (npm test
// builds before running vitest): for what only a process shows (exit status, signals, stdin, start-up).
// `runCli` runs the same command in this process (src/cli/dispatch.ts, output captured): for what the
// command says and writes, at a fraction of the cost of starting node and importing the tool again.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { format } from "node:util";
import { exitCodeOf, main } from "../../src/cli/dispatch.js";
import { clearScanCache } from "../../src/scan/index.js";

/** The CLI as users run it: the bundle `npm run build` makes (package.json's bin). */
export const CLI = join(import.meta.dirname, "..", "..", "dist", "bundle", "main.js");

export type CliResult = { code: number | null; stdout: string; stderr: string };

export function cli(args: string[], options: { cwd?: string; env?: Record<string, string>; input?: string } = {}): CliResult {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    input: options.input,
    encoding: "utf8",
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * `nix-warden <args>` in this process: stdout and stderr captured (console and process streams), the
 * exit code as the process would end with, the working directory and environment set for the run and
 * put back after it. Like a fresh process, it starts without the scan's in-memory memo. Not for
 * commands that read stdin or end the process themselves.
 */
export async function runCli(args: string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const streamWrite = (append: (s: string) => void) =>
    function (chunk: string | Uint8Array, encoding?: unknown, callback?: unknown): boolean {
      append(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      const done = typeof encoding === "function" ? encoding : callback;
      if (typeof done === "function") queueMicrotask(() => (done as () => void)());
      return true;
    };
  const toOut = (s: string) => (stdout += s);
  const toErr = (s: string) => (stderr += s);
  const saved = {
    outWrite: process.stdout.write,
    errWrite: process.stderr.write,
    outTty: Object.getOwnPropertyDescriptor(process.stdout, "isTTY"),
    inTty: Object.getOwnPropertyDescriptor(process.stdin, "isTTY"),
    console: { log: console.log, info: console.info, debug: console.debug, error: console.error, warn: console.warn },
    cwd: process.cwd(),
    env: { ...process.env },
  };
  process.stdout.write = streamWrite(toOut) as typeof process.stdout.write;
  process.stderr.write = streamWrite(toErr) as typeof process.stderr.write;
  // Pipes, as in a spawned process: no colours, no questions.
  Object.defineProperty(process.stdout, "isTTY", { value: undefined, configurable: true, writable: true });
  Object.defineProperty(process.stdin, "isTTY", { value: undefined, configurable: true, writable: true });
  console.log = console.info = console.debug = (...a: unknown[]) => toOut(format(...a) + "\n");
  console.error = console.warn = (...a: unknown[]) => toErr(format(...a) + "\n");
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  if (options.cwd) process.chdir(options.cwd);
  clearScanCache();
  let code: number;
  try {
    code = await main(args);
  } catch (err) {
    code = exitCodeOf(err);
  } finally {
    process.stdout.write = saved.outWrite;
    process.stderr.write = saved.errWrite;
    if (saved.outTty) Object.defineProperty(process.stdout, "isTTY", saved.outTty);
    else delete (process.stdout as { isTTY?: boolean }).isTTY;
    if (saved.inTty) Object.defineProperty(process.stdin, "isTTY", saved.inTty);
    else delete (process.stdin as { isTTY?: boolean }).isTTY;
    Object.assign(console, saved.console);
    process.chdir(saved.cwd);
    for (const k of Object.keys(process.env)) if (!(k in saved.env)) delete process.env[k];
    Object.assign(process.env, saved.env);
  }
  return { code, stdout, stderr };
}
