// The authority: runs the real `systemd-analyze security --offline=yes` on rendered unit files and
// reads its text output. All units of a call go to one process (each in its own temp file, with
// unique names), the host's unit directories and security policy are kept out of the analysis, temp
// files are removed afterwards, and a timeout and an AbortSignal bound the run. Without the tool,
// exposureFor() falls back to the built-in scorer, which gives the same numbers.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../system/run.js";
import {
  ASSESSORS,
  type ExposureCheck,
  type ExposureOutcome,
  type Verdict,
  analysedUnitId,
  assessExposure,
  formatUnitSettings,
} from "./score.js";
import { type NixServiceDef, type ToUnitOptions, toUnitSettings } from "./unit.js";
import { validServiceUnitName } from "./syntax.js";

export type ExposureSource = "systemd-analyze" | "built-in";
export type SourcedOutcome = ExposureOutcome & { source: ExposureSource };

export interface AnalyzeOptions {
  /** Program to run; default "systemd-analyze" from PATH. */
  systemdAnalyze?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Extra environment (tests use it to point PATH elsewhere). */
  env?: Record<string, string | undefined>;
  /** Where the per-run temp dir is created; default os.tmpdir(). */
  tmpRoot?: string;
}

export interface UnitToAnalyze {
  /** Unit file name, e.g. "nginx.service" or "getty@.service". */
  name: string;
  text: string;
  unknown?: string[];
}

export interface AnalyzeRun {
  /** One outcome per input unit, in input order. */
  outcomes: ExposureOutcome[];
  /** Set when the tool could not run at all (missing, timed out, cancelled). */
  error?: string;
  notFound?: boolean;
  /** The program ran but could not analyse anything (e.g. a systemd without --offline). */
  unsupported?: boolean;
  timedOut?: boolean;
  cancelled?: boolean;
  processes: number;
}

const NA = "18446744073709551615";
const ROW_DEBUG = /^(✓|✗| ) (\S+) +(.*?) +(\d+) +(\d+) +(\d+)(?: +(\d+\.\d))? *$/;
const ROW_PLAIN = /^(✓|✗| ) (\S+) +(.*?)(?: +(\d+\.\d))? *$/;
const OVERALL = /^→ Overall exposure level for (.+): (\d+)\.(\d) (\S+)/;

interface ParsedBlock {
  unit: string;
  exposure: number;
  verdict: string;
  checks: ExposureCheck[];
}

/** A copy of a piece of a larger text that does not hold on to it: V8 makes a substring (a line of
 * `split`, a regex group) a view into its parent, so one kept description held the whole output
 * of systemd-analyze alive to the scan's end (1.6 MB on olafkfreund/nixos_config, kept through the
 * scan's shared checks). */
function own(s: string): string {
  return Buffer.from(s, "utf8").toString("utf8");
}

/** Reads the text systemd-analyze prints: per unit a table, a blank line, then the overall line. */
export function parseSecurityOutput(stdout: string): ParsedBlock[] {
  const blocks: ParsedBlock[] = [];
  let rows: ExposureCheck[] = [];
  let debug = false;
  const byId = new Map(ASSESSORS.map((a) => [a.id, a]));
  for (const line of stdout.split("\n")) {
    if (/^ {2}NAME +DESCRIPTION/.test(line)) {
      debug = /\bWEIGHT\b/.test(line);
      rows = [];
      continue;
    }
    const overall = OVERALL.exec(line);
    if (overall) {
      const tenths = Number(overall[2]) * 10 + Number(overall[3]);
      blocks.push({ unit: own(overall[1]!), exposure: tenths / 10, verdict: own(overall[4]!), checks: rows });
      rows = [];
      continue;
    }
    const m = (debug ? ROW_DEBUG : ROW_PLAIN).exec(line);
    if (!m) continue;
    const id = own(m[2]!);
    const a = byId.get(id);
    const mark = m[1]!;
    const check: ExposureCheck = {
      id,
      setting: a?.setting ?? id.replace(/[=~].*$/, ""),
      jsonField: a?.jsonField ?? "",
      description: own(m[3]!),
      weight: debug ? Number(m[4]) : (a?.weight ?? 0),
      range: debug ? Number(m[6]) : (a?.range ?? 0),
      badness: debug ? (m[5] === NA ? null : Number(m[5])) : mark === " " ? null : mark === "✓" ? 0 : null,
      exposure: (debug ? m[7] : m[4]) !== undefined ? Number(debug ? m[7] : m[4]) : null,
      passed: mark === " " ? null : mark === "✓",
    };
    rows.push(check);
  }
  return blocks;
}

/** Error lines systemd-analyze printed about one unit file. */
function errorFor(stderr: string, file: string, id: string): string {
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && (l.includes(file) || l.includes(id)));
  return lines.length > 0 ? lines.join("; ").slice(0, 2000) : "systemd-analyze did not assess the unit (it failed to load)";
}

/**
 * Runs systemd-analyze once per group of uniquely named units (usually once in all). The unit files
 * live in a fresh temp dir; SYSTEMD_UNIT_PATH="" keeps host units and drop-ins out, an empty JSON
 * policy keeps a host /etc/systemd/systemd-analyze-security.policy out.
 */
export async function analyzeUnits(units: readonly UnitToAnalyze[], options: AnalyzeOptions = {}): Promise<AnalyzeRun> {
  const outcomes: ExposureOutcome[] = new Array(units.length);
  const result: AnalyzeRun = { outcomes, processes: 0 };
  // Split into batches with unique file names (two hosts may both define nginx).
  const batches: number[][] = [];
  for (let i = 0; i < units.length; i++) {
    const u = units[i]!;
    if (!validServiceUnitName(u.name)) {
      outcomes[i] = { ok: false, unit: u.name, error: `not a valid service unit name: ${u.name}`, unknown: u.unknown ?? [], warnings: [] };
      continue;
    }
    let batch = batches.find((b) => !b.some((j) => units[j]!.name === u.name));
    if (!batch) {
      batch = [];
      batches.push(batch);
    }
    batch.push(i);
  }
  for (const batch of batches) {
    if (options.signal?.aborted) {
      result.cancelled = true;
      result.error = "cancelled";
      break;
    }
    const dir = await mkdtemp(join(options.tmpRoot ?? tmpdir(), "nix-warden-exposure-"));
    try {
      const policy = join(dir, "policy.json");
      await writeFile(policy, "{}\n");
      const files: string[] = [];
      for (const i of batch) {
        const u = units[i]!;
        const file = join(dir, u.name);
        await writeFile(file, u.text);
        files.push(file);
      }
      result.processes++;
      const r = await run(
        options.systemdAnalyze ?? "systemd-analyze",
        ["security", "--offline=yes", "--no-pager", `--security-policy=${policy}`, ...files],
        {
          timeoutMs: options.timeoutMs ?? 30_000,
          signal: options.signal,
          cwd: dir,
          env: {
            SYSTEMD_UNIT_PATH: "",
            SYSTEMD_ANALYZE_DEBUG: "1",
            SYSTEMD_COLORS: "0",
            SYSTEMD_PAGER: "",
            SYSTEMD_LOG_COLOR: "0",
            LC_ALL: "C.UTF-8",
            LANG: "C.UTF-8",
            ...options.env,
          },
        },
      );
      if (r.notFound || r.timedOut || r.cancelled || (r.exitCode === undefined && !r.ok)) {
        result.error = r.error ?? "systemd-analyze failed";
        result.notFound = r.notFound;
        result.timedOut = r.timedOut;
        result.cancelled = r.cancelled;
        for (const i of batch) outcomes[i] = { ok: false, unit: units[i]!.name, error: result.error, unknown: units[i]!.unknown ?? [], warnings: [] };
        if (r.notFound || r.cancelled) break;
        continue;
      }
      const blocks = new Map(parseSecurityOutput(r.stdout).map((b) => [b.unit, b]));
      const mentionsAUnit = batch.some((i, k) => r.stderr.includes(files[k]!) || r.stderr.includes(analysedUnitId(units[i]!.name)));
      if (blocks.size === 0 && !r.ok && !mentionsAUnit) {
        // Nothing assessed and no complaint about any unit: the tool itself is the problem.
        result.unsupported = true;
        result.error = r.error ?? "systemd-analyze failed";
        for (const i of batch) outcomes[i] = { ok: false, unit: units[i]!.name, error: result.error, unknown: units[i]!.unknown ?? [], warnings: [] };
        continue;
      }
      batch.forEach((i, k) => {
        const u = units[i]!;
        const id = analysedUnitId(u.name);
        const b = blocks.get(id);
        if (!b) {
          outcomes[i] = { ok: false, unit: id, error: errorFor(r.stderr, files[k]!, id), unknown: u.unknown ?? [], warnings: [] };
          return;
        }
        outcomes[i] = {
          ok: true,
          unit: id,
          exposure: b.exposure,
          verdict: b.verdict as Verdict,
          checks: b.checks,
          unknown: u.unknown ?? [],
          warnings: [],
        };
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  for (let i = 0; i < units.length; i++)
    if (!outcomes[i]) outcomes[i] = { ok: false, unit: units[i]!.name, error: result.error ?? "not analysed", unknown: units[i]!.unknown ?? [], warnings: [] };
  return result;
}

export interface ExposureForOptions extends AnalyzeOptions, ToUnitOptions {
  /** Use systemd-analyze when it is installed (default true); otherwise, or when it is missing, the built-in scorer. */
  preferSystemd?: boolean;
}

/** Exposure of many services with at most one systemd-analyze process per batch of unique names. */
export async function exposureForMany(
  services: ReadonlyArray<{ name: string; def: NixServiceDef }>,
  options: ExposureForOptions = {},
): Promise<SourcedOutcome[]> {
  const settings = services.map((s) => toUnitSettings(s.name, s.def, options));
  const builtIn = (i: number): SourcedOutcome => ({ ...assessExposure(settings[i]!), source: "built-in" });
  if (!(options.preferSystemd ?? true)) return settings.map((_, i) => builtIn(i));
  const r = await analyzeUnits(
    settings.map((s) => ({ name: s.name, text: formatUnitSettings(s), unknown: s.unknown })),
    options,
  );
  if (r.cancelled) return settings.map((s) => ({ ok: false, unit: s.name, error: "cancelled", unknown: s.unknown ?? [], warnings: [], source: "systemd-analyze" }));
  return r.outcomes.map((o, i) => {
    // A missing or hung tool is not an answer: the built-in scorer gives the same numbers.
    if (!o.ok && (r.notFound || r.timedOut || r.unsupported)) {
      const b = builtIn(i);
      b.warnings = [...b.warnings, `systemd-analyze unavailable (${r.error}); used the built-in scorer`];
      return b;
    }
    return { ...o, source: "systemd-analyze" as const };
  });
}

/** Exposure of one `systemd.services.<name>`: systemd-analyze when preferred and installed, else built-in. */
export async function exposureFor(name: string, def: NixServiceDef, options: ExposureForOptions = {}): Promise<SourcedOutcome> {
  const [r] = await exposureForMany([{ name, def }], options);
  return r!;
}
