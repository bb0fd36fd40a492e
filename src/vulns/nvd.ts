// NVD CVE API 2.0 records (https://services.nvd.nist.gov/rest/json/cves/2.0) reduced to what
// matching needs: the CVE id, its CVSS base scores (v3.1/v3.0, v4.0, v2 as a last resort), a short
// description, and the vulnerable application/OS CPE matches with their version ranges. Rejected
// CVEs are recognised so an update removes them from the cache instead of reporting them.

/** One vulnerable product range of an advisory (a cpeMatch with `vulnerable: true`). */
export interface AdvisoryRange {
  vendor: string;
  product: string;
  /** The CPE's version field: "*" (any, then the bounds decide) or one exact version. */
  version: string;
  startIncluding?: string;
  startExcluding?: string;
  endIncluding?: string;
  endExcluding?: string;
}

export interface Advisory {
  id: string;
  /** CVSS v3.1 (else v3.0, else v2) base score and NVD's severity word for it. */
  score?: number;
  severity?: string;
  cvssVersion?: string;
  /** CVSS v4.0 when NVD gives one. */
  score4?: number;
  severity4?: string;
  lastModified: string;
  summary: string;
  ranges: AdvisoryRange[];
}

/** What a page of the API says beyond its records. */
export interface NvdPage {
  resultsPerPage: number;
  startIndex: number;
  totalResults: number;
  timestamp?: string;
  advisories: Advisory[];
  /** Ids to drop from the cache: Rejected records, and records that no longer name a vulnerable application. */
  removed: string[];
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** Splits a CPE 2.3 formatted string on unescaped ':' (a '\:' belongs to the value). */
export function splitCpe(cpe: string): string[] {
  const parts: string[] = [];
  let cur = "";
  for (let i = 0; i < cpe.length; i++) {
    const c = cpe[i];
    if (c === "\\" && i + 1 < cpe.length) {
      cur += cpe[i + 1];
      i++;
    } else if (c === ":") {
      parts.push(cur);
      cur = "";
    } else cur += c;
  }
  parts.push(cur);
  return parts;
}

function bestMetric(metrics: Json, key: string): { score: number; severity?: string; version?: string } | undefined {
  const list = metrics[key];
  if (!Array.isArray(list) || list.length === 0) return undefined;
  // NVD's own ("Primary") assessment first, then whatever a CNA gave.
  const sorted = [...list].filter(isObj).sort((a, b) => (a.type === "Primary" ? 0 : 1) - (b.type === "Primary" ? 0 : 1));
  for (const m of sorted) {
    const data = isObj(m.cvssData) ? m.cvssData : undefined;
    const score = data?.baseScore;
    if (typeof score !== "number") continue;
    const severity = str(data?.baseSeverity) ?? str(m.baseSeverity);
    return { score, severity, version: str(data?.version) };
  }
  return undefined;
}

const MAX_SUMMARY = 300;

/** One `vulnerabilities[].cve` object; undefined when it names no vulnerable application. */
export function advisoryFromCve(cve: Json): Advisory | undefined {
  const id = str(cve.id);
  if (!id) return undefined;
  const ranges: AdvisoryRange[] = [];
  const seen = new Set<string>();
  for (const conf of Array.isArray(cve.configurations) ? cve.configurations : []) {
    if (!isObj(conf)) continue;
    for (const node of Array.isArray(conf.nodes) ? conf.nodes : []) {
      if (!isObj(node) || node.negate === true) continue;
      for (const m of Array.isArray(node.cpeMatch) ? node.cpeMatch : []) {
        if (!isObj(m) || m.vulnerable !== true) continue;
        const criteria = str(m.criteria);
        if (!criteria) continue;
        const f = splitCpe(criteria);
        // cpe:2.3:part:vendor:product:version:...; hardware ('h') is never a Nix package.
        if (f[0] !== "cpe" || f[1] !== "2.3" || (f[2] !== "a" && f[2] !== "o")) continue;
        const vendor = f[3];
        const product = f[4];
        const version = f[5] ?? "*";
        if (!vendor || !product || version === "-") continue;
        const r: AdvisoryRange = { vendor, product, version };
        if (str(m.versionStartIncluding)) r.startIncluding = str(m.versionStartIncluding);
        if (str(m.versionStartExcluding)) r.startExcluding = str(m.versionStartExcluding);
        if (str(m.versionEndIncluding)) r.endIncluding = str(m.versionEndIncluding);
        if (str(m.versionEndExcluding)) r.endExcluding = str(m.versionEndExcluding);
        const key = JSON.stringify(r);
        if (seen.has(key)) continue;
        seen.add(key);
        ranges.push(r);
      }
    }
  }
  if (ranges.length === 0) return undefined;
  const metrics = isObj(cve.metrics) ? cve.metrics : {};
  const v3 = bestMetric(metrics, "cvssMetricV31") ?? bestMetric(metrics, "cvssMetricV30") ?? bestMetric(metrics, "cvssMetricV2");
  const v4 = bestMetric(metrics, "cvssMetricV40");
  const descriptions = Array.isArray(cve.descriptions) ? cve.descriptions.filter(isObj) : [];
  const en = str(descriptions.find((d) => d.lang === "en")?.value) ?? str(descriptions[0]?.value) ?? "";
  const adv: Advisory = {
    id,
    lastModified: str(cve.lastModified) ?? "",
    summary: en.length > MAX_SUMMARY ? `${en.slice(0, MAX_SUMMARY - 1)}…` : en,
    ranges,
  };
  if (v3) {
    adv.score = v3.score;
    adv.severity = v3.severity;
    adv.cvssVersion = v3.version;
  }
  if (v4) {
    adv.score4 = v4.score;
    adv.severity4 = v4.severity;
  }
  return adv;
}

/** A whole API response page. Throws when it is not one (truncated, an HTML error page...). */
export function parseNvdPage(text: string): NvdPage {
  const data = JSON.parse(text) as unknown;
  if (!isObj(data) || !Array.isArray(data.vulnerabilities)) throw new Error("not an NVD CVE API 2.0 response (no vulnerabilities array)");
  const num = (k: string): number => {
    const v = data[k];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0) throw new Error(`not an NVD CVE API 2.0 response (${k} missing)`);
    return v;
  };
  const page: NvdPage = {
    resultsPerPage: num("resultsPerPage"),
    startIndex: num("startIndex"),
    totalResults: num("totalResults"),
    timestamp: str(data.timestamp),
    advisories: [],
    removed: [],
  };
  for (const v of data.vulnerabilities) {
    const cve = isObj(v) && isObj(v.cve) ? v.cve : undefined;
    if (!cve) continue;
    const id = str(cve.id);
    if (!id) continue;
    if (cve.vulnStatus === "Rejected") {
      page.removed.push(id);
      continue;
    }
    const adv = advisoryFromCve(cve);
    // A record that no longer names a vulnerable application replaces (removes) an older one.
    if (adv) page.advisories.push(adv);
    else page.removed.push(id);
  }
  return page;
}
