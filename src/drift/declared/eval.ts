// Evaluating what a flake declares for a host: one `nix eval --json` applying the extractor shipped
// with the package (extract.nix), and host discovery (the names of nixosConfigurations). Both are
// bounded by a timeout and cancellable; Nix's own error text reaches the user.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "../../system/run.js";
import { PACKAGE_ROOT } from "../../version.js";
import { parseDeclaredState, type DeclaredState } from "./schema.js";
import { nixAttr } from "./flake-ref.js";

export const DEFAULT_EVAL_TIMEOUT_MS = 300_000;

/** The extractor's path inside the installed package (src/ ships with it: package.json "files"). */
export const EXTRACTOR_PATH = join(PACKAGE_ROOT, "src", "drift", "declared", "extract.nix");

let extractorText: string | undefined;
export function extractorSource(): string {
  extractorText ??= readFileSync(EXTRACTOR_PATH, "utf8");
  return extractorText;
}

export interface NixEvalOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** The nix binary (default "nix" on PATH). */
  nix?: string;
}

export interface EvalOutcome<T> {
  value?: T;
  /** Nix's error (its own words), or why the output was unusable. */
  error?: string;
  command: string[];
  durationMs: number;
}

// Flakes on even when the user's nix.conf lacks them; never rewrite the user's flake.lock.
const NIX_EVAL = ["eval", "--json", "--no-write-lock-file", "--extra-experimental-features", "nix-command flakes"];

/** The host names under nixosConfigurations. */
export async function listHosts(flakeRef: string, options: NixEvalOptions = {}): Promise<EvalOutcome<string[]>> {
  const args = [...NIX_EVAL, `${flakeRef}#nixosConfigurations`, "--apply", "builtins.attrNames"];
  const r = await run(options.nix ?? "nix", args, { timeoutMs: options.timeoutMs ?? DEFAULT_EVAL_TIMEOUT_MS, signal: options.signal });
  if (!r.ok) return { error: nixError(r, "listing nixosConfigurations"), command: r.command, durationMs: r.durationMs };
  try {
    const names = JSON.parse(r.stdout) as unknown;
    if (!Array.isArray(names) || !names.every((n) => typeof n === "string")) throw new Error("not a list of names");
    return { value: names as string[], command: r.command, durationMs: r.durationMs };
  } catch (e) {
    return { error: `nix eval returned unexpected output for nixosConfigurations: ${(e as Error).message}`, command: r.command, durationMs: r.durationMs };
  }
}

/** The declared state of one host: one nix eval applying extract.nix. */
export async function evalDeclared(flakeRef: string, host: string, options: NixEvalOptions = {}): Promise<EvalOutcome<DeclaredState>> {
  const args = [...NIX_EVAL, `${flakeRef}#nixosConfigurations.${nixAttr(host)}.config`, "--apply", extractorSource()];
  const r = await run(options.nix ?? "nix", args, { timeoutMs: options.timeoutMs ?? DEFAULT_EVAL_TIMEOUT_MS, signal: options.signal });
  // The extractor text is long; show the command with a placeholder.
  const command = r.command.map((a) => (a === args[args.length - 1] ? "<extract.nix>" : a));
  if (!r.ok) return { error: nixError(r, `evaluating nixosConfigurations.${nixAttr(host)}`), command, durationMs: r.durationMs };
  let json: unknown;
  try {
    json = JSON.parse(r.stdout);
  } catch (e) {
    return { error: `nix eval did not return JSON: ${(e as Error).message}`, command, durationMs: r.durationMs };
  }
  const parsed = parseDeclaredState(json);
  if (!parsed.state) return { error: parsed.error, command, durationMs: r.durationMs };
  return { value: parsed.state, command, durationMs: r.durationMs };
}

/** Nix's error message: its stderr without progress noise, bounded. */
function nixError(r: { error?: string; stderr: string; timedOut: boolean; cancelled: boolean; notFound: boolean }, what: string): string {
  if (r.notFound) return `nix is not installed (needed for ${what}); pass --declared FILE to use a declared state evaluated elsewhere`;
  if (r.timedOut || r.cancelled) return `${r.error ?? "nix eval stopped"} (${what})`;
  const lines = r.stderr
    .split("\n")
    .filter((l) => l.trim() !== "" && !/^(warning: Git tree .* is dirty|copying path|evaluating file)/.test(l.trim()));
  const text = lines.join("\n").trim();
  const bounded = text.length > 4000 ? `…${text.slice(-4000)}` : text;
  return `${what} failed: ${bounded || r.error || "nix eval failed"}`;
}
