// The one way nix-warden runs an external program: an argument array (never a shell string), a
// timeout, an optional AbortSignal, bounded output. Failures come back as data, never as throws, so
// callers turn them into report errors.

import { execFile } from "node:child_process";

export interface RunOptions {
  /** Hard limit; the process is killed (SIGTERM, then SIGKILL) when it passes. Default 60 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Replace the environment instead of extending it. */
  extendEnv?: boolean;
  input?: string;
  /** Bytes kept of stdout and of stderr each. Default 64 MiB. */
  maxBuffer?: number;
}

export interface RunResult {
  command: string[];
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  ok: boolean;
  timedOut: boolean;
  cancelled: boolean;
  /** The program does not exist (ENOENT). */
  notFound: boolean;
  /** A one-line human explanation when not ok. */
  error?: string;
  durationMs: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_BUFFER = 64 * 1024 * 1024;

/** Counts spawned processes, so benchmarks can report them. */
export const spawnCounter = { count: 0 };

export async function run(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const started = performance.now();
  const command = [file, ...args];
  spawnCounter.count++;
  try {
    // Loaded on the first command: scans that run none start faster without execa's imports.
    const { execa } = await import("execa");
    const result = await execa(file, args, {
      timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      cancelSignal: options.signal,
      cwd: options.cwd,
      env: options.env,
      extendEnv: options.extendEnv ?? true,
      input: options.input,
      maxBuffer: options.maxBuffer ?? DEFAULT_MAX_BUFFER,
      reject: false,
      stripFinalNewline: false,
      forceKillAfterDelay: 2_000,
      encoding: "utf8",
    });
    const notFound = (result as { code?: string }).code === "ENOENT";
    const ok = !result.failed && result.exitCode === 0;
    let error: string | undefined;
    if (!ok) {
      if (notFound) error = `command not found: ${file}`;
      else if (result.timedOut) error = `${file} timed out after ${options.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`;
      else if (result.isCanceled) error = `${file} was cancelled`;
      else if (result.isMaxBuffer) error = `${file} produced more output than the ${options.maxBuffer ?? DEFAULT_MAX_BUFFER} bytes allowed`;
      else {
        const firstLine = lastMeaningfulLine(String(result.stderr ?? ""));
        error = `${file} exited with ${result.exitCode ?? result.signal ?? "an error"}${firstLine ? `: ${firstLine}` : ""}`;
      }
    }
    return {
      command,
      exitCode: result.exitCode,
      stdout: String(result.stdout ?? ""),
      stderr: String(result.stderr ?? ""),
      ok,
      timedOut: Boolean(result.timedOut),
      cancelled: Boolean(result.isCanceled),
      notFound,
      error,
      durationMs: performance.now() - started,
    };
  } catch (e) {
    // execa with reject:false only throws on invalid options; keep the contract anyway.
    return {
      command,
      exitCode: undefined,
      stdout: "",
      stderr: "",
      ok: false,
      timedOut: false,
      cancelled: false,
      notFound: false,
      error: `${file} could not be started: ${(e as Error).message}`,
      durationMs: performance.now() - started,
    };
  }
}

/**
 * `run` for a short program whose output is read whole (git listing files), on node:child_process
 * alone: loading execa costs more than the program on a scan answered from its cache. Same
 * contract: an argument array, a timeout, a signal, bounded output, failures as data.
 */
export function runCaptured(file: string, args: readonly string[], options: Pick<RunOptions, "timeoutMs" | "signal" | "cwd" | "env" | "maxBuffer"> = {}): Promise<RunResult> {
  const started = performance.now();
  const command = [file, ...args];
  spawnCounter.count++;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBuffer = options.maxBuffer ?? DEFAULT_MAX_BUFFER;
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd: options.cwd, env: { ...process.env, ...options.env }, timeout: timeoutMs, killSignal: "SIGKILL", signal: options.signal, maxBuffer, encoding: "utf8" },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { killed?: boolean; code?: string | number }) | null;
        const notFound = e?.code === "ENOENT";
        const cancelled = e?.name === "AbortError";
        const timedOut = Boolean(e?.killed) && !cancelled && e?.code !== "ERR_CHILD_PROCESS_STDIO_MAXBUFFER";
        const exitCode = typeof e?.code === "number" ? e.code : e ? undefined : 0;
        let error: string | undefined;
        if (e) {
          if (notFound) error = `command not found: ${file}`;
          else if (cancelled) error = `${file} was cancelled`;
          else if (e.code === "ERR_CHILD_PROCESS_STDIO_MAXBUFFER") error = `${file} produced more output than the ${maxBuffer} bytes allowed`;
          else if (timedOut) error = `${file} timed out after ${timeoutMs} ms`;
          else {
            const firstLine = lastMeaningfulLine(String(stderr ?? ""));
            error = `${file} exited with ${exitCode ?? "an error"}${firstLine ? `: ${firstLine}` : ""}`;
          }
        }
        resolve({ command, exitCode, stdout: String(stdout ?? ""), stderr: String(stderr ?? ""), ok: !e, timedOut, cancelled, notFound, error, durationMs: performance.now() - started });
      },
    );
  });
}

/** The first line of stderr that says something (Nix puts "error:" first, then context). */
function lastMeaningfulLine(stderr: string): string {
  const lines = stderr.split("\n").map((l) => l.trim()).filter(Boolean);
  const err = lines.find((l) => l.startsWith("error:"));
  return (err ?? lines[0] ?? "").slice(0, 500);
}

/** Whether a program is on PATH (cached). */
const whichCache = new Map<string, Promise<boolean>>();
export function hasCommand(file: string): Promise<boolean> {
  let p = whichCache.get(file);
  if (!p) {
    p = run(file, ["--version"], { timeoutMs: 10_000 }).then((r) => !r.notFound);
    whichCache.set(file, p);
  }
  return p;
}
