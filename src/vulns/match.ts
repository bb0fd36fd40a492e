// Matching packages against advisories: pure, over explicit inputs. A package is affected by an
// advisory when one of the advisory's vulnerable CPE ranges has the package's vendor and product
// (mapping.ts) and contains its version under Nix's version ordering (version.ts). A CVE whose id
// appears in the name of a patch the package applies is fixed (as vulnix reads nixpkgs' patches).
import type { AdvisoryCache } from "./cache.js";
import { cpeIdsFor } from "./mapping.js";
import type { Advisory, AdvisoryRange } from "./nvd.js";
import { compareVersions } from "./version.js";

/** How a package's name and version were learnt. */
export type PackageSource = "derivation" | "store-name" | "eval-pname" | "eval-name" | "profile-manifest";

export interface HostPackage {
  host: string;
  pname: string;
  version: string;
  /** The full name (`openssl-3.0.13`). */
  name: string;
  source: PackageSource;
  storePath?: string;
  drvPath?: string;
  /** Names of the patches the derivation applies (file names, not contents). */
  patches: string[];
  /** Where on the host it was found: "/run/current-system closure", "environment.systemPackages", a profile. */
  origin: string;
}

export interface PackageMatch {
  advisory: Advisory;
  range: AdvisoryRange;
  /** The first fixed version when the advisory's range says (versionEndExcluding). */
  fixedIn?: string;
}

export interface PackageResult {
  /** pname@version */
  key: string;
  pname: string;
  version: string;
  matches: PackageMatch[];
  /** CVEs this version is in range of but a patch of the package names. */
  patched: { cve: string; patch: string }[];
  /** CVEs filed for the same product name under a vendor this package is not (name clashes). */
  otherVendor: { cve: string; vendor: string; product: string }[];
  /** Matched through a reviewed mapping (else by its own name). */
  reviewedMapping: boolean;
}

export const packageKey = (p: { pname: string; version: string }): string => `${p.pname}@${p.version}`;

export function rangeContains(r: AdvisoryRange, version: string): boolean {
  if (r.version !== "*" && r.version !== "") return compareVersions(version, r.version) === 0;
  if (r.startIncluding !== undefined && compareVersions(version, r.startIncluding) < 0) return false;
  if (r.startExcluding !== undefined && compareVersions(version, r.startExcluding) <= 0) return false;
  if (r.endIncluding !== undefined && compareVersions(version, r.endIncluding) > 0) return false;
  if (r.endExcluding !== undefined && compareVersions(version, r.endExcluding) >= 0) return false;
  return true;
}

const CVE_IN_NAME = /CVE-\d{4}-\d{4,}/gi;

/** CVE ids named by a package's patches: patch file name -> ids. */
export function patchedCves(patches: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of patches) for (const m of p.matchAll(CVE_IN_NAME)) if (!out.has(m[0].toUpperCase())) out.set(m[0].toUpperCase(), p);
  return out;
}

/**
 * Matches distinct package versions (the same pname@version on many hosts is matched once).
 * Packages without a version are skipped: nothing can be said about their ranges.
 */
export function matchPackages(packages: Iterable<Pick<HostPackage, "pname" | "version" | "patches">>, cache: AdvisoryCache): Map<string, PackageResult> {
  const results = new Map<string, PackageResult>();
  const patchesByKey = new Map<string, Set<string>>();
  for (const p of packages) {
    if (!p.version) continue;
    const key = packageKey(p);
    const set = patchesByKey.get(key) ?? new Set<string>();
    for (const x of p.patches) set.add(x);
    patchesByKey.set(key, set);
  }
  for (const [key, patchSet] of patchesByKey) {
    const at = key.lastIndexOf("@");
    const pname = key.slice(0, at);
    const version = key.slice(at + 1);
    const { ids, reviewed } = cpeIdsFor(pname);
    const fixedByPatch = patchedCves([...patchSet]);
    const result: PackageResult = { key, pname, version, matches: [], patched: [], otherVendor: [], reviewedMapping: reviewed };
    const seen = new Set<string>();
    const products = new Set(ids.map((i) => i.product));
    for (const product of products) {
      const vendors = new Set(ids.filter((i) => i.product === product).map((i) => i.vendor));
      for (const adv of cache.lookup(product)) {
        if (seen.has(adv.id)) continue;
        const mine = adv.ranges.find((r) => vendors.has(r.vendor) && rangeContains(r, version));
        if (!mine) {
          const other = adv.ranges.find((r) => !vendors.has(r.vendor) && rangeContains(r, version));
          if (other && !result.otherVendor.some((o) => o.cve === adv.id)) result.otherVendor.push({ cve: adv.id, vendor: other.vendor, product });
          continue;
        }
        seen.add(adv.id);
        const patch = fixedByPatch.get(adv.id.toUpperCase());
        if (patch) {
          result.patched.push({ cve: adv.id, patch });
          continue;
        }
        const fixedIn = adv.ranges.find((r) => vendors.has(r.vendor) && rangeContains(r, version) && r.endExcluding !== undefined)?.endExcluding;
        result.matches.push({ advisory: adv, range: mine, ...(fixedIn ? { fixedIn } : {}) });
      }
    }
    if (result.matches.length || result.patched.length || result.otherVendor.length) results.set(key, result);
  }
  return results;
}
