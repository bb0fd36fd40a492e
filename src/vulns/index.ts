// `vulns`: which packages of which hosts have known vulnerabilities. Reads the packages (a machine
// root or a flake's hosts), opens the local advisory cache (never the network), matches, applies
// the vulnix whitelist and .nix-warden.yaml exceptions, and compares with the previous run's
// per-host summary (new / fixed / still open since). A missing or unusable cache is said loudly:
// such a report has no findings and never means "no vulnerabilities".
import { lstat, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { listHosts } from "../drift/declared/eval.js";
import { parseFlakeRef } from "../drift/declared/flake-ref.js";
import type { Finding, ReportError } from "../report/schema.js";
import { SEVERITIES } from "../report/severity.js";
import { loadProjectConfig } from "../scan/config.js";
import { diskSource } from "../scan/source.js";
import { applySuppressions, type Suppressed } from "../scan/suppress.js";
import { TOOL } from "../version.js";
import { ageDays, loadCache, type CacheLoad } from "./cache.js";
import { matchPackages, packageKey, type HostPackage, type PackageMatch } from "./match.js";
import { packagesFromFlake, packagesFromRoot } from "./packages.js";
import { flakeLockLocation, rootLocation, vulnerabilityFinding } from "./report.js";
import { compareAndSave, type HostTracking } from "./tracking.js";
import { parseWhitelist, whitelisted, type WhitelistEntry } from "./whitelist.js";

export { RULE_ID } from "./report.js";

export interface VulnsOptions {
  /** A flake reference (with optional #host); its hosts are evaluated. */
  flake?: string;
  hosts?: string[];
  /** A machine root ("/" for this machine). */
  root?: string;
  /** The advisory cache file (default: the user's cache, cacheDir("advisories")/nvd.cache). */
  advisories?: string;
  /** vulnix whitelist files (default: vulnix-whitelist.toml in the repository, when present). */
  whitelists?: string[];
  /** Where .nix-warden.yaml, flake.lock and the tracking state belong (default: the flake's
   * directory, else the machine root). */
  repoRoot?: string;
  /** Compare with and save the per-host summary (default true). */
  track?: boolean;
  now?: Date;
  signal?: AbortSignal;
  evalTimeoutMs?: number;
}

export interface AdvisoryStatus {
  status: CacheLoad["status"];
  path: string;
  source?: string;
  updatedAt?: string;
  ageDays?: number;
  records?: number;
  sample?: boolean;
  /** One sentence for every report: how old the data is, or why there is none. */
  note: string;
}

export interface VulnReport {
  tool: { name: string; version: string };
  generatedAt: string;
  root: string;
  from: string[];
  advisories: AdvisoryStatus;
  hosts: string[];
  packagesPerHost: Record<string, number>;
  summary: { total: number; bySeverity: Record<string, number>; byHost: Record<string, number> };
  findings: Finding[];
  suppressed: Suppressed[];
  patched: { package: string; cve: string; patch: string; hosts: string[] }[];
  otherVendor: { package: string; cve: string; vendor: string; product: string }[];
  tracking: Record<string, HostTracking>;
  errors: ReportError[];
}

export function advisoryStatus(load: CacheLoad, now: Date): AdvisoryStatus {
  if (load.status === "missing")
    return { status: "missing", path: load.path, note: `No advisory data (no cache at ${load.path}): vulnerabilities were NOT checked. Run \`nix-warden advisories update\`.` };
  if (load.status === "corrupt")
    return {
      status: "corrupt",
      path: load.path,
      note: `The advisory cache ${load.path} is unusable (${load.error}): vulnerabilities were NOT checked. The file was left as it is; \`nix-warden advisories update --full\` rebuilds it.`,
    };
  const h = load.cache.header;
  const age = ageDays(h.updatedAt, now);
  return {
    status: "ok",
    path: load.path,
    source: h.source,
    updatedAt: h.updatedAt,
    ageDays: age,
    records: h.recordCount,
    ...(h.sample ? { sample: true } : {}),
    note: `Advisory data: ${h.source}${h.sample ? " (a RECORDED SAMPLE, not live data)" : ""}, ${h.recordCount} records, updated ${h.updatedAt} (${age} day${age === 1 ? "" : "s"} old).`,
  };
}

/** A file of the scanned repository: read only when it is a regular file of the repository itself
 * (a committed symlink could otherwise point the report at any file this user can read). */
async function readRepoFile(path: string, errors: ReportError[]): Promise<string | undefined> {
  const st = await lstat(path).catch(() => undefined);
  if (!st) return undefined;
  if (!st.isFile()) {
    errors.push({ source: "repository", message: `${path} is not a regular file (a symbolic link?); it was not read` });
    return undefined;
  }
  return readSmall(path);
}

async function readSmall(path: string): Promise<string | undefined> {
  try {
    const text = await readFile(path, "utf8");
    return text.length > 4 * 1024 * 1024 ? undefined : text;
  } catch {
    return undefined;
  }
}

export async function runVulns(options: VulnsOptions): Promise<VulnReport> {
  const now = options.now ?? new Date();
  const today = now.toISOString().slice(0, 10);
  const errors: ReportError[] = [];
  const packages: HostPackage[] = [];
  const packagesPerHost: Record<string, number> = {};
  const from: string[] = [];
  let mode: "flake" | "root";
  let repoRoot: string;

  if (options.root !== undefined) {
    mode = "root";
    repoRoot = resolve(options.repoRoot ?? options.root);
    const r = await packagesFromRoot(options.root, { host: options.hosts?.[0], signal: options.signal });
    packages.push(...r.packages);
    errors.push(...r.errors);
    packagesPerHost[r.host] = r.packages.length;
    from.push(r.from);
  } else {
    mode = "flake";
    const ref = parseFlakeRef(options.flake ?? ".");
    repoRoot = resolve(options.repoRoot ?? ref.localDir ?? ".");
    let hosts = options.hosts?.length ? options.hosts : ref.host ? [ref.host] : undefined;
    if (!hosts) {
      const listed = await listHosts(ref.ref, { timeoutMs: options.evalTimeoutMs, signal: options.signal });
      if (listed.error) errors.push({ source: "nix eval", message: listed.error });
      hosts = listed.value ?? [];
    }
    for (const host of hosts) {
      const r = await packagesFromFlake(ref.ref, host, { timeoutMs: options.evalTimeoutMs, signal: options.signal });
      packages.push(...r.packages);
      errors.push(...r.errors);
      packagesPerHost[host] = r.packages.length;
      from.push(r.from);
    }
  }
  const hosts = Object.keys(packagesPerHost).sort();

  const load = await loadCache(options.advisories);
  const advisories = advisoryStatus(load, now);
  if (load.status !== "ok") errors.push({ source: "advisories", message: advisories.note });

  // Whitelists: the ones given, else the repository's vulnix-whitelist.toml when there is one.
  const given = options.whitelists !== undefined;
  const wlFiles = options.whitelists ?? [join(repoRoot, "vulnix-whitelist.toml")];
  const whitelist: WhitelistEntry[] = [];
  const wlFileOf = new Map<WhitelistEntry, string>();
  for (const file of wlFiles) {
    const text = given ? await readSmall(file) : await readRepoFile(file, errors);
    if (text === undefined) {
      if (given) errors.push({ source: "whitelist", message: `cannot read the whitelist ${file}` });
      continue;
    }
    const wl = parseWhitelist(text, file);
    for (const e of wl.errors) errors.push({ source: "whitelist", message: e });
    for (const e of wl.entries) wlFileOf.set(e, file);
    whitelist.push(...wl.entries);
  }

  const findings: Finding[] = [];
  const whitelistedFindings: Suppressed[] = [];
  const patched: VulnReport["patched"] = [];
  const otherVendor: VulnReport["otherVendor"] = [];
  if (load.status === "ok") {
    const lockText = mode === "flake" ? await readRepoFile(join(repoRoot, "flake.lock"), errors) : undefined;
    const dataNote = advisories.note;
    let results;
    try {
      results = matchPackages(packages, load.cache);
    } catch (e) {
      errors.push({ source: "advisories", message: `the advisory cache could not be read while matching: ${(e as Error).message}; vulnerabilities were NOT fully checked` });
      results = new Map();
    }
    const byKey = new Map<string, HostPackage[]>();
    for (const p of packages) {
      const k = packageKey(p);
      const list = byKey.get(k);
      if (list) list.push(p);
      else byKey.set(k, [p]);
    }
    const expiredSeen = new Set<WhitelistEntry>();
    for (const result of [...results.values()].sort((a, b) => a.key.localeCompare(b.key))) {
      const pkgs = byKey.get(result.key) ?? [];
      const pkgHosts = [...new Set(pkgs.map((p) => p.host))].sort();
      for (const p of result.patched) patched.push({ package: `${result.pname}-${result.version}`, cve: p.cve, patch: p.patch, hosts: pkgHosts });
      for (const o of result.otherVendor) otherVendor.push({ package: `${result.pname}-${result.version}`, ...o });
      if (result.matches.length === 0) continue;
      const kept: PackageMatch[] = [];
      const listed: { m: PackageMatch; entry: WhitelistEntry }[] = [];
      for (const m of result.matches) {
        const w = whitelisted(whitelist, result.pname, result.version, m.advisory.id, today);
        if (w && !w.expired) listed.push({ m, entry: w.entry });
        else {
          if (w?.expired && !expiredSeen.has(w.entry)) {
            expiredSeen.add(w.entry);
            errors.push({ source: "whitelist", message: `the whitelist entry [${w.entry.section}] expired on ${w.entry.until}: its CVEs are reported again`, file: wlFileOf.get(w.entry) });
          }
          kept.push(m);
        }
      }
      const location =
        mode === "flake" ? flakeLockLocation(lockText, pkgHosts) : rootLocation((pkgs.find((p) => !p.origin.startsWith("profile ")) ?? pkgs[0])?.origin ?? "", pkgHosts);
      if (kept.length) findings.push(vulnerabilityFinding({ result, matches: kept, packages: pkgs, location, dataNote }));
      if (listed.length) {
        const f = vulnerabilityFinding({ result, matches: listed.map((l) => l.m), packages: pkgs, location, dataNote });
        const entry = listed[0]!.entry;
        whitelistedFindings.push({
          ...f,
          id: `${f.id}-whitelisted`,
          suppressedBy: {
            kind: "config",
            reason: `vulnix whitelist [${entry.section}]${entry.comment ? `: ${entry.comment}` : ""}${entry.issueUrls.length ? ` (${entry.issueUrls.join(", ")})` : ""}`,
            file: wlFileOf.get(entry),
            ...(entry.until ? { expires: entry.until } : {}),
          },
        });
      }
    }
  }

  // .nix-warden.yaml exceptions (rule vulnerable-package; option `packages.<pname>`; path = the finding's file).
  const config = await loadProjectConfig(diskSource(repoRoot));
  for (const e of config.errors) errors.push({ source: "config", file: ".nix-warden.yaml", message: e });
  const sup = applySuppressions(findings, config.exceptions, () => undefined, today);
  errors.push(...sup.errors);

  const tracking: Record<string, HostTracking> = {};
  if (load.status === "ok" && options.track !== false) {
    try {
      Object.assign(tracking, await compareAndSave(repoRoot, hosts.filter((h) => (packagesPerHost[h] ?? 0) > 0), sup.findings, packages, now));
    } catch (e) {
      errors.push({ source: "tracking", message: `the per-host summary could not be compared or saved: ${(e as Error).message}` });
    }
  }

  const bySeverity: Record<string, number> = Object.fromEntries(SEVERITIES.map((s) => [s, 0]));
  const byHost: Record<string, number> = Object.fromEntries(hosts.map((h) => [h, 0]));
  for (const f of sup.findings) {
    bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1;
    for (const h of f.host ?? []) byHost[h] = (byHost[h] ?? 0) + 1;
  }
  const order = (f: Finding) => SEVERITIES.indexOf(f.severity);
  return {
    tool: { name: TOOL.name, version: TOOL.version },
    generatedAt: now.toISOString(),
    root: repoRoot,
    from,
    advisories,
    hosts,
    packagesPerHost,
    summary: { total: sup.findings.length, bySeverity, byHost },
    findings: sup.findings.sort((a, b) => order(a) - order(b) || a.title.localeCompare(b.title)),
    suppressed: [...whitelistedFindings, ...sup.suppressed],
    patched,
    otherVendor,
    tracking,
    errors,
  };
}
