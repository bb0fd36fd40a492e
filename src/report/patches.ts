// remediation-patches/NNN-<rule>-<short-id>.patch: one `git apply`-able file per auto-fixable
// finding. Names are sanitised and numbered worst-first; every file is written to a temporary name
// (O_EXCL, so a planted symlink is never followed) and renamed into place only once all of them are
// written, so a failure leaves the directory as it was. Nothing is ever written outside it.
import { createHash, randomBytes } from "node:crypto";
import { mkdir, open, readdir, realpath, rename, rm } from "node:fs/promises";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { INVALID_PATH, parseUnifiedDiff, patchContainsSecret, sortFindings } from "./format.js";
import { escapeControls } from "../text/safe-text.js";
import type { Finding, FixSafety, ReportError } from "./schema.js";

export interface PlannedPatch {
  /** File name inside the output directory. */
  name: string;
  finding: Finding;
}

/** Lowercase letters, digits and single dashes; never empty, never longer than `max`. */
export function sanitizeNamePart(value: string, max = 48): string {
  const s = value
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, max)
    .replace(/-+$/g, "");
  return s === "" ? "x" : s;
}

/** The first 8 hex digits of sha256(finding id): stable, and safe whatever the id contains. */
export function shortId(id: string): string {
  return createHash("sha256").update(id).digest("hex").slice(0, 8);
}

export function patchFileName(index: number, finding: Pick<Finding, "ruleId" | "id">): string {
  return `${String(index).padStart(3, "0")}-${sanitizeNamePart(finding.ruleId)}-${shortId(finding.id)}.patch`;
}

export interface PlanOptions {
  /** Fix safeties that get a file (default: "auto" only). */
  safeties?: readonly FixSafety[];
  /**
   * Write patches whose lines hold a secret (default false). A patch that removes a plaintext
   * password contains it; such fixes are applied by `nix-warden remediate`, not shipped as files.
   */
  allowSecrets?: boolean;
}

/** Findings whose patch is withheld because it holds a secret. */
export function withheldPatches(findings: readonly Finding[], opts: PlanOptions = {}): Finding[] {
  if (opts.allowSecrets) return [];
  const safeties = opts.safeties ?? ["auto"];
  return sortFindings(findings).filter((f) => f.fix?.patch && safeties.includes(f.fix.safety) && patchContainsSecret(f.fix.patch));
}

/**
 * Which findings get a patch file and under which name: those with `fix.patch` whose safety is in
 * `safeties`, holding no secret unless allowed, worst first, numbered from 001.
 */
export function planPatches(findings: readonly Finding[], opts: PlanOptions = {}): PlannedPatch[] {
  const safeties = opts.safeties ?? ["auto"];
  const fixable = sortFindings(findings).filter(
    (f) => f.fix?.patch && safeties.includes(f.fix.safety) && (opts.allowSecrets || !patchContainsSecret(f.fix.patch)),
  );
  return fixable.map((finding, i) => ({ name: patchFileName(i + 1, finding), finding }));
}

/** Why a patch must not be written: not a unified diff, or a path that leaves the repository. */
export function patchProblem(patch: string): string | undefined {
  const files = parseUnifiedDiff(patch);
  if (files.length === 0 || files.some((f) => f.hunks.length === 0)) return "not a unified diff (no ---/+++ headers with @@ hunks)";
  for (const f of files) {
    for (const p of [f.oldPath, f.newPath]) {
      if (p === undefined) continue;
      if (p === INVALID_PATH) return "patch has a quoted path that does not parse";
      if (isAbsolute(p) || p.split(/[\\/]/).includes("..")) return `patch path '${escapeControls(p)}' leaves the repository`;
    }
  }
  return undefined;
}

export interface WritePatchesOptions extends PlanOptions {
  /** Remove NNN-*.patch files of earlier runs that this run did not write (default true). */
  removeStale?: boolean;
}

export interface WritePatchesResult {
  /** Absolute path of the output directory (after resolving symlinks). */
  dir: string;
  written: Array<{ file: string; findingId: string; ruleId: string }>;
  removed: string[];
  errors: ReportError[];
}

const PATCH_FILE = /^\d{3}-[a-z0-9-]+-[0-9a-f]{8}\.patch$/;

/** Writes one patch file per auto-fixable finding into `outDir` (created if missing). */
export async function writeRemediationPatches(
  findings: readonly Finding[],
  outDir: string,
  opts: WritePatchesOptions = {},
): Promise<WritePatchesResult> {
  const errors: ReportError[] = withheldPatches(findings, opts).map((f) => ({
    source: "remediation-patches",
    message: `${f.id}: no patch file written: the patch contains the secret it removes; apply the fix with nix-warden remediate`,
    file: f.file,
    line: f.line,
  }));
  const plan: PlannedPatch[] = [];
  for (const p of planPatches(findings, opts)) {
    const problem = patchProblem(p.finding.fix!.patch!);
    if (problem) errors.push({ source: "remediation-patches", message: `${p.finding.id}: ${problem}; no patch written`, file: p.finding.file, line: p.finding.line });
    else plan.push(p);
  }

  let dir: string;
  try {
    await mkdir(outDir, { recursive: true });
    dir = await realpath(resolve(outDir));
  } catch (e) {
    return { dir: resolve(outDir), written: [], removed: [], errors: [...errors, { source: "remediation-patches", message: `cannot use output directory ${outDir}: ${(e as Error).message}` }] };
  }
  const inside = (target: string) => {
    const rel = relative(dir, target);
    return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) && !rel.includes(sep);
  };

  const temps: Array<{ temp: string; target: string; p: PlannedPatch }> = [];
  try {
    for (const p of plan) {
      const target = join(dir, p.name);
      const temp = join(dir, `.${p.name}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
      if (!inside(target) || !inside(temp)) throw new Error(`refusing to write '${p.name}' outside ${dir}`);
      const content = p.finding.fix!.patch!.endsWith("\n") ? p.finding.fix!.patch! : p.finding.fix!.patch! + "\n";
      const handle = await open(temp, "wx", 0o644);
      temps.push({ temp, target, p });
      try {
        await handle.writeFile(content, "utf8");
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
    for (const t of temps) await rename(t.temp, t.target);
  } catch (e) {
    await Promise.all(temps.map((t) => rm(t.temp, { force: true })));
    return { dir, written: [], removed: [], errors: [...errors, { source: "remediation-patches", message: `writing patches failed: ${(e as Error).message}` }] };
  }

  const removed: string[] = [];
  if (opts.removeStale ?? true) {
    const keep = new Set(plan.map((p) => p.name));
    for (const name of await readdir(dir)) {
      if (PATCH_FILE.test(name) && !keep.has(name)) {
        await rm(join(dir, name), { force: true });
        removed.push(name);
      }
    }
  }
  return {
    dir,
    written: temps.map((t) => ({ file: t.target, findingId: t.p.finding.id, ruleId: t.p.finding.ruleId })),
    removed,
    errors,
  };
}
