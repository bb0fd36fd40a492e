// vulnix's whitelist format (TOML), so an existing vulnix whitelist works unchanged:
//
//   ["openssl-3.0.13"]          # one version ("package-version"), or ["openssl"] for every version
//   cve = ["CVE-2024-0727"]     # optional: without it, every CVE of the package is whitelisted
//   until = "2025-01-31"        # optional: the entry stops applying after this day
//   comment = "fixed by our overlay"
//   issue_url = "https://..."   # a string or a list
//
// CVE ids may be written without the "CVE-" prefix, as vulnix accepts. An expired entry no
// longer whitelists; the report says it expired.
import { parse } from "smol-toml";
import { parseDrvName } from "../drift/parse/drv-name.js";

export interface WhitelistEntry {
  /** The section name as written. */
  section: string;
  pname: string;
  /** Absent: every version. */
  version?: string;
  /** Absent: every CVE. Upper-case ids. */
  cves?: string[];
  until?: string;
  comment?: string;
  issueUrls: string[];
}

export interface Whitelist {
  file: string;
  entries: WhitelistEntry[];
  errors: string[];
}

function normaliseCve(s: string): string {
  const t = s.trim().toUpperCase();
  return /^\d{4}-\d+$/.test(t) ? `CVE-${t}` : t;
}

function dateOf(v: unknown): string | undefined {
  if (typeof v === "string") return v.slice(0, 10);
  // TOML dates parse to Date-like objects.
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (v && typeof v === "object" && "toISOString" in v && typeof (v as Date).toISOString === "function") return (v as Date).toISOString().slice(0, 10);
  return undefined;
}

export function parseWhitelist(text: string, file: string): Whitelist {
  const out: Whitelist = { file, entries: [], errors: [] };
  let data: Record<string, unknown>;
  try {
    data = parse(text) as Record<string, unknown>;
  } catch (e) {
    out.errors.push(`${file} is not valid TOML: ${(e as Error).message.split("\n")[0]}`);
    return out;
  }
  for (const [section, raw] of Object.entries(data)) {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      out.errors.push(`${file}: [${section}] is not a section`);
      continue;
    }
    const v = raw as Record<string, unknown>;
    const parsed = parseDrvName(section);
    const entry: WhitelistEntry = { section, pname: parsed.pname, issueUrls: [] };
    if (parsed.version) entry.version = parsed.version;
    if (v.cve !== undefined) {
      const list = Array.isArray(v.cve) ? v.cve : [v.cve];
      if (!list.every((c) => typeof c === "string")) {
        out.errors.push(`${file}: [${section}] cve must be a list of strings`);
        continue;
      }
      entry.cves = (list as string[]).map(normaliseCve);
    }
    if (v.until !== undefined) {
      const d = dateOf(v.until);
      if (!d || Number.isNaN(Date.parse(d))) {
        out.errors.push(`${file}: [${section}] until is not a date`);
        continue;
      }
      entry.until = d;
    }
    if (typeof v.comment === "string") entry.comment = v.comment;
    const urls = Array.isArray(v.issue_url) ? v.issue_url : v.issue_url !== undefined ? [v.issue_url] : [];
    entry.issueUrls = urls.filter((u): u is string => typeof u === "string");
    out.entries.push(entry);
  }
  return out;
}

export type WhitelistVerdict = { entry: WhitelistEntry; expired: boolean } | undefined;

/** The entry covering this package version and CVE, if any (an expired one says so). */
export function whitelisted(wl: readonly WhitelistEntry[], pname: string, version: string, cve: string, today: string): WhitelistVerdict {
  const id = cve.toUpperCase();
  let expired: WhitelistEntry | undefined;
  for (const e of wl) {
    if (e.pname !== pname) continue;
    if (e.version !== undefined && e.version !== version) continue;
    if (e.cves && !e.cves.includes(id)) continue;
    if (e.until && e.until < today) {
      expired ??= e;
      continue;
    }
    return { entry: e, expired: false };
  }
  return expired ? { entry: expired, expired: true } : undefined;
}
