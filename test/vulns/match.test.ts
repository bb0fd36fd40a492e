// Matching planted packages against the NVD-shaped fixtures: what is reported, and every
// look-alike that is not (patched CVE, other-vendor name clash, version outside the range,
// rejected CVE, whitelisted); and a corrupt cache is refused, never read as "no advisories".
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCache, type AdvisoryCache } from "../../src/vulns/cache.js";
import { matchPackages, rangeContains } from "../../src/vulns/match.js";
import { parseNvdPage } from "../../src/vulns/nvd.js";
import { importNvdFiles } from "../../src/vulns/update.js";
import { parseWhitelist, whitelisted } from "../../src/vulns/whitelist.js";
import { compareSummaries } from "../../src/vulns/tracking.js";

const NVD = join(import.meta.dirname, "..", "fixtures", "vulns", "nvd");
const PAGES = ["full-page-1.json", "full-page-2.json", "full-page-3.json"].map((f) => join(NVD, f));

let dir: string;
let cache: AdvisoryCache;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "nw-match-"));
  await importNvdFiles(PAGES, join(dir, "nvd.cache"), { updatedAt: "2025-08-01T00:00:00.000Z" });
  const load = await loadCache(join(dir, "nvd.cache"));
  if (load.status !== "ok") throw new Error(load.status);
  cache = load.cache;
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const pkg = (pname: string, version: string, patches: string[] = []) => ({ pname, version, patches });

describe("NVD 2.0 records", () => {
  it("reads paging fields, drops the rejected record, keeps vendor, product and bounds", async () => {
    const page = parseNvdPage(await readFile(PAGES[0]!, "utf8"));
    expect(page).toMatchObject({ startIndex: 0, resultsPerPage: 4, totalResults: 9 });
    expect(page.removed).toEqual(["CVE-2023-99001"]);
    const curl = page.advisories.find((a) => a.id === "CVE-2023-46218")!;
    // The Fedora platform entry (vulnerable: false) is not a vulnerable product.
    expect(curl.ranges).toEqual([{ vendor: "haxx", product: "curl", version: "*", startIncluding: "7.46.0", endExcluding: "8.5.0" }]);
    expect(curl).toMatchObject({ score: 6.5, severity: "MEDIUM", cvssVersion: "3.1" });
    expect(cache.header.recordCount).toBe(8);
  });
});

describe("matchPackages", () => {
  it("reports the planted vulnerabilities and none of the look-alikes", () => {
    const results = matchPackages(
      [pkg("openssl", "3.0.13", ["CVE-2024-0727.patch"]), pkg("curl", "8.4.0"), pkg("sudo", "1.9.15p5"), pkg("flex", "2.6.4"), pkg("curl", "8.5.0")],
      cache,
    );
    const ids = (k: string) => results.get(k)?.matches.map((m) => m.advisory.id).sort() ?? [];
    expect(ids("openssl@3.0.13")).toEqual(["CVE-2024-2511"]);
    expect(results.get("openssl@3.0.13")?.patched).toEqual([{ cve: "CVE-2024-0727", patch: "CVE-2024-0727.patch" }]);
    // CVE-2023-38545 ends before 8.4.0; the rejected CVE-2023-99001 is not in the cache.
    expect(ids("curl@8.4.0")).toEqual(["CVE-2023-46218", "CVE-2023-46219"]);
    expect(results.get("curl@8.4.0")?.matches.find((m) => m.advisory.id === "CVE-2023-46218")?.fixedIn).toBe("8.5.0");
    expect(results.has("curl@8.5.0")).toBe(false);
    // 1.9.15p5 is after 1.9.15 (CVE-2023-42465 does not apply); CVE-2025-32463 does (the whitelist's job).
    expect(ids("sudo@1.9.15p5")).toEqual(["CVE-2025-32463"]);
    // Adobe Flex is not the flex lexer: listed as another vendor's, never matched.
    expect(ids("flex@2.6.4")).toEqual([]);
    expect(results.get("flex@2.6.4")?.otherVendor).toEqual([{ cve: "CVE-2011-2461", vendor: "adobe", product: "flex" }]);
  });

  it("honours every bound and exact versions", () => {
    const r = { vendor: "v", product: "p", version: "*", startExcluding: "1.0", endIncluding: "2.0" };
    expect([rangeContains(r, "1.0"), rangeContains(r, "1.0.1"), rangeContains(r, "2.0"), rangeContains(r, "2.0.1")]).toEqual([false, true, true, false]);
    expect(rangeContains({ vendor: "v", product: "p", version: "1.9.17" }, "1.9.17")).toBe(true);
    expect(rangeContains({ vendor: "v", product: "p", version: "1.9.17" }, "1.9.17p1")).toBe(false);
  });
});

describe("the cache file", () => {
  it("a truncated or altered cache is refused with the reason, and left as it is", async () => {
    const good = await readFile(join(dir, "nvd.cache"));
    const cut = join(dir, "cut.cache");
    await writeFile(cut, good.subarray(0, good.length - 10));
    const a = await loadCache(cut);
    expect(a).toMatchObject({ status: "corrupt" });
    expect(a.status === "corrupt" && a.error).toMatch(/truncated/);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 20] = flipped[flipped.length - 20]! ^ 1;
    const alt = join(dir, "alt.cache");
    await writeFile(alt, flipped);
    const b = await loadCache(alt);
    expect(b.status === "corrupt" && b.error).toMatch(/sha256/);
    expect((await readFile(alt)).equals(flipped)).toBe(true);
    expect(await loadCache(join(dir, "absent.cache"))).toMatchObject({ status: "missing" });
  });
});

describe("vulnix whitelist", () => {
  const text = `
["sudo-1.9.15p5"]
cve = ["CVE-2025-32463"]
comment = "chroot option disabled by policy"
issue_url = "https://example.invalid/1"

["curl"]
cve = ["2023-46218"]
until = 2025-01-01

[openssl]
comment = "every CVE, every version"
`;
  it("reads package-version and package sections, bare CVE numbers, until and comment", () => {
    const wl = parseWhitelist(text, "w.toml");
    expect(wl.errors).toEqual([]);
    expect(wl.entries.map((e) => [e.pname, e.version, e.cves, e.until])).toEqual([
      ["sudo", "1.9.15p5", ["CVE-2025-32463"], undefined],
      ["curl", undefined, ["CVE-2023-46218"], "2025-01-01"],
      ["openssl", undefined, undefined, undefined],
    ]);
    expect(whitelisted(wl.entries, "sudo", "1.9.15p5", "CVE-2025-32463", "2025-06-01")).toMatchObject({ expired: false });
    expect(whitelisted(wl.entries, "sudo", "1.9.16", "CVE-2025-32463", "2025-06-01")).toBeUndefined();
    expect(whitelisted(wl.entries, "curl", "8.4.0", "CVE-2023-46218", "2025-06-01")).toMatchObject({ expired: true });
    expect(whitelisted(wl.entries, "openssl", "3.0.13", "CVE-2024-2511", "2025-06-01")).toMatchObject({ expired: false });
  });

  it("a malformed whitelist is an error, not a crash", () => {
    expect(parseWhitelist("[broken", "w.toml").errors[0]).toMatch(/not valid TOML/);
  });
});

describe("tracking", () => {
  it("new, fixed and still open since the first sighting", () => {
    const first = compareSummaries(undefined, ["curl CVE-1", "openssl CVE-2"], "2025-08-01");
    expect(first.tracking).toMatchObject({ new: ["curl CVE-1", "openssl CVE-2"], fixed: [], stillOpen: [] });
    const second = compareSummaries({ host: "a", savedAt: "2025-08-01T00:00:00Z", packages: 3, open: first.next }, ["openssl CVE-2", "sudo CVE-3"], "2025-09-01");
    expect(second.tracking).toMatchObject({ previousRun: "2025-08-01T00:00:00Z", new: ["sudo CVE-3"], fixed: ["curl CVE-1"], stillOpen: [{ key: "openssl CVE-2", since: "2025-08-01" }] });
  });
});
