// Turning match results into Findings (category `vulnerability`, rule `vulnerable-package`): one
// finding per package version, naming every host that has it, its CVEs with CVSS scores, the fixed
// version when the advisory gives one, and the update to make. Packages of an evaluated host have no
// source line; their finding points at the nixpkgs input's node in flake.lock (the thing the fix
// updates), else flake.nix; packages read from a machine root point at run/current-system or the
// profile that holds them (paths relative to that root).
import { createHash } from "node:crypto";
import type { Finding } from "../report/schema.js";
import type { Severity } from "../report/severity.js";
import type { HostPackage, PackageMatch, PackageResult } from "./match.js";
import { compareVersions } from "./version.js";

export const RULE_ID = "vulnerable-package";

export interface Location {
  file: string;
  line: number;
  /** How to get the fix, one sentence (depends on where the package comes from). */
  fix: string;
}

export function severityFromScore(score: number | undefined): Severity {
  if (score === undefined) return "medium";
  if (score >= 9) return "critical";
  if (score >= 7) return "high";
  if (score >= 4) return "medium";
  return "low";
}

/** The score a match is ranked by: CVSS v3.x (else v2), else v4.0. */
export function scoreOf(m: PackageMatch): number | undefined {
  return m.advisory.score ?? m.advisory.score4;
}

function fingerprint(...parts: string[]): string {
  return createHash("sha256").update(parts.join("\0")).digest("hex").slice(0, 16);
}

function cvssText(m: PackageMatch): string {
  const a = m.advisory;
  const parts: string[] = [];
  if (a.score !== undefined) parts.push(`CVSS ${a.cvssVersion ?? "3.x"} ${a.score.toFixed(1)}${a.severity ? ` ${a.severity}` : ""}`);
  if (a.score4 !== undefined) parts.push(`CVSS 4.0 ${a.score4.toFixed(1)}${a.severity4 ? ` ${a.severity4}` : ""}`);
  return parts.length ? parts.join(", ") : "no CVSS score";
}

export interface FindingInput {
  result: PackageResult;
  /** The advisories left after the whitelist. */
  matches: PackageMatch[];
  packages: HostPackage[];
  location: Location;
  dataNote: string;
}

export function vulnerabilityFinding({ result, matches, packages, location, dataNote }: FindingInput): Finding {
  const sorted = [...matches].sort((a, b) => (scoreOf(b) ?? -1) - (scoreOf(a) ?? -1) || a.advisory.id.localeCompare(b.advisory.id));
  const top = sorted[0];
  const hosts = [...new Set(packages.map((p) => p.host))].sort();
  const fixedIn = sorted.map((m) => m.fixedIn).filter((v): v is string => v !== undefined);
  const highestFix = fixedIn.length ? fixedIn.reduce((a, b) => (compareVersions(a, b) >= 0 ? a : b)) : undefined;
  const ids = sorted.map((m) => m.advisory.id);
  const title = `${result.pname} ${result.version}: ${ids.length} known ${ids.length === 1 ? "vulnerability" : "vulnerabilities"} (${ids.slice(0, 3).join(", ")}${ids.length > 3 ? ", …" : ""})`;
  const lines = sorted.map((m) => `- ${m.advisory.id} (${cvssText(m)})${m.fixedIn ? `, fixed in ${m.fixedIn}` : ""}: ${m.advisory.summary || "(no description)"}`);
  const example = packages[0];
  const message = [
    `${result.pname} ${result.version} is affected by ${ids.length} CVE${ids.length === 1 ? "" : "s"} on ${hosts.length === 1 ? "host" : "hosts"} ${hosts.join(", ")}.`,
    ...lines,
    `Matched as CPE ${top ? `${top.range.vendor}:${top.range.product}` : "?"} (${result.reviewedMapping ? "reviewed mapping" : "package name"}); name and version from ${example?.source ?? "?"}. ${dataNote}`,
  ].join("\n");
  return {
    id: fingerprint(RULE_ID, result.pname, result.version),
    ruleId: RULE_ID,
    category: "vulnerability",
    severity: severityFromScore(top ? scoreOf(top) : undefined),
    title,
    message,
    file: location.file,
    line: location.line,
    column: 1,
    endLine: location.line,
    endColumn: 1,
    host: hosts,
    optionPath: `packages.${result.pname}`,
    evidence: `${result.pname}-${result.version}${example?.storePath ? ` (${example.storePath})` : ""} via ${[...new Set(packages.map((p) => p.origin))].join("; ")}`,
    fix: {
      safety: "review",
      description: `${highestFix ? `Move to ${result.pname} ${highestFix} or later. ` : ""}${location.fix}`,
    },
    references: ids.map((id) => ({ title: id, url: `https://nvd.nist.gov/vuln/detail/${id}` })),
  };
}

/** Where a flake's fix is made: the nixpkgs input in flake.lock (its line), with its lock date. */
export function flakeLockLocation(lockText: string | undefined, hosts: string[]): Location & { input?: string; lockedAt?: string } {
  const redeploy = `rebuild and redeploy ${hosts.join(", ")}`;
  if (lockText === undefined) return { file: "flake.nix", line: 1, fix: `Update nixpkgs to a revision with the fix, then ${redeploy}.` };
  let lockedAt: string | undefined;
  try {
    const lock = JSON.parse(lockText) as { root?: string; nodes?: Record<string, { inputs?: Record<string, unknown>; locked?: { lastModified?: number; rev?: string } }> };
    const rootNode = lock.nodes?.[lock.root ?? "root"];
    const named = rootNode?.inputs ? Object.entries(rootNode.inputs).find(([k]) => k === "nixpkgs") ?? Object.entries(rootNode.inputs).find(([k]) => /nixpkgs/i.test(k)) : undefined;
    if (named) {
      const input = named[0];
      const nodeName = typeof named[1] === "string" ? named[1] : input;
      const locked = lock.nodes?.[nodeName]?.locked;
      if (locked?.lastModified) lockedAt = new Date(locked.lastModified * 1000).toISOString().slice(0, 10);
      const lines = lockText.split("\n");
      const at = lines.findIndex((l) => l.trim().startsWith(`${JSON.stringify(nodeName)}: {`));
      const line = at >= 0 ? at + 1 : 1;
      return {
        file: "flake.lock",
        line,
        input,
        lockedAt,
        fix: `Update the flake input '${input}'${lockedAt ? ` (locked at ${lockedAt})` : ""}: \`nix flake lock --update-input ${input}\` (\`nix flake update ${input}\` on Nix 2.19+), check the new revision carries the fixed version, then ${redeploy}.`,
      };
    }
  } catch {
    // An unreadable lock file: the scan reports it elsewhere; point at flake.nix.
  }
  return { file: "flake.nix", line: 1, fix: `Update nixpkgs to a revision with the fix, then ${redeploy}.` };
}

/** Where a machine root's fix is made: its system or the profile holding the package. */
export function rootLocation(origin: string, hosts: string[]): Location {
  if (origin.startsWith("profile ")) {
    const path = origin.slice("profile ".length);
    return { file: path.replace(/^\/+/, ""), line: 1, fix: `Upgrade it in the profile ${path} (\`nix profile upgrade\` / \`nix-env -u\`) or remove it.` };
  }
  return { file: "run/current-system", line: 1, fix: `Rebuild ${hosts.join(", ")} from a nixpkgs revision with the fix (update the configuration's nixpkgs input) and switch to it.` };
}
