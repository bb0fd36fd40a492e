// The scan's persistent cache (as ESLint's --cache and ruff's cache): the report of a repository
// is kept under the user's cache directory, keyed by everything it depends on: the content hash of
// every file the scan reads, the file list and what discovery skipped, the tool's version and
// build, the options, the rules, .nix-warden.yaml and the day (exceptions expire by date). An
// unchanged repository is answered from the cache without loading the parser or a single rule.
//
// Never in the repository, never trusted: each cache file carries a checksum of its body and the
// full key it was made for; a file that is truncated, garbled, made for other inputs or not ours
// is ignored and replaced. Writes are atomic (temp file and rename), so concurrent scans each
// leave a whole, valid file (the last one wins). A repository holding certificates is cached
// only until the first moment one of their findings would read differently (a certificate enters
// its warning period or expires, or its count of days moves on).
import { createHash } from "node:crypto";
import { readFileSync, realpathSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { SecurityReport } from "../report/schema.js";
import { cacheDir, writeFileAtomic } from "../system/state.js";
import { BUILD, TOOL } from "../version.js";
import { CONFIG_FILE } from "./config.js";
import { listFiles, type Discovery, type FileStamp } from "./discover.js";
import type { ScanOptions } from "./index.js";
import { diskSource } from "./source.js";
import { nextCertificateChange } from "./certificates.js";

export { nextCertificateChange };

/** Bump when the layout of a cache file changes. */
const FORMAT = 1;

/** Options of a scan that can be answered from the cache (no custom rules, no source in memory). */
export type CachedScanOptions = Omit<ScanOptions, "rules" | "source" | "onProgress"> & {
  onProgress?: ScanOptions["onProgress"];
  /** false: scan without reading or writing the cache (`--no-cache`). */
  cache?: boolean;
  /** This build of the tool (default: its version and the build of the scan): another build
   * never reads this one's cache. */
  build?: string;
  /** A process that scans again and again (the MCP server): only its first scan of a repository
   * with these options goes through the cache file; later ones find the parses and rule results of
   * the scans before in memory, which answer faster than reading and rewriting the file. */
  memoryAfterFirst?: boolean;
};

// Repositories and options this process already scanned (for memoryAfterFirst).
const scannedHere = new Set<string>();

interface CacheBody {
  format: number;
  key: string;
  /** Content hash per file, with the stamp it was read at: an unchanged stamp older than the
   * scan that wrote the cache saves reading the file next time. */
  files: Record<string, [size: string, mtimeNs: string, ctimeNs: string, ino: string, hash: string, notAfter: number[]]>;
  /** The report holds until then (ms since the epoch): the next change of a certificate's state. */
  validUntil: number | null;
  /** When the scan that wrote it started (ns since the epoch, less a margin). */
  writtenAtNs: string;
  report: SecurityReport;
}

// This build of the tool: a rebuilt tool with the same version number is another tool. The bundle
// (dist/bundle/, what the CLI runs) carries the hash of its code; the modules tsc wrote (dist/src/)
// are told apart by the scan's module file, which every build writes again.
function buildId(): string {
  if (BUILD) return `${TOOL.version}:bundle:${BUILD}`;
  try {
    const st = statSync(fileURLToPath(new URL("./index.js", import.meta.url)));
    return `${TOOL.version}:${st.size}:${st.mtimeMs}`;
  } catch {
    return TOOL.version;
  }
}

// The exposure scores of a full scan come from systemd-analyze: another systemd is another input.
function systemdId(): string {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (!dir) continue;
    try {
      const path = realpathSync(join(dir, "systemd-analyze"));
      const st = statSync(path);
      return `${path}:${st.size}:${st.mtimeMs}`;
    } catch {
      // not in this directory
    }
  }
  return "none";
}

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

/** The expiry dates (ms) of the certificates in a file's bytes, as the rule reads them. */
async function certificateDates(content: Buffer): Promise<number[]> {
  if (!content.includes("-----BEGIN CERTIFICATE-----")) return [];
  const { parseCertificates } = await import("../secrets/certs.js");
  return parseCertificates(content.toString("utf8")).certificates.map((c) => Date.parse(c.notAfter));
}

function sameStamp(entry: CacheBody["files"][string] | undefined, st: FileStamp | undefined, writtenAtNs: bigint): boolean {
  if (!entry || !st) return false;
  return entry[0] === String(st.size) && entry[1] === String(st.mtimeNs) && entry[2] === String(st.ctimeNs) && entry[3] === String(st.ino) && st.mtimeNs < writtenAtNs && st.ctimeNs < writtenAtNs;
}

/** A cache file's body when its checksum holds and it is in this format; otherwise nothing. */
export function readCacheFile(path: string): CacheBody | undefined {
  let raw: string;
  try {
    raw = readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
  const nl = raw.indexOf("\n");
  if (nl < 0) return undefined;
  const sum = raw.slice(0, nl);
  const body = raw.slice(nl + 1);
  if (sum !== sha256(body)) return undefined;
  try {
    const parsed = JSON.parse(body) as CacheBody;
    return parsed && parsed.format === FORMAT && typeof parsed.key === "string" && parsed.report && typeof parsed.files === "object" ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Where a repository's cached report for these options lives (its directory is created). */
export async function cacheFileFor(root: string, optionsKey: string): Promise<string> {
  const dir = await cacheDir("scan");
  return join(dir, `${sha256(`${realpathSync(root)}\0${optionsKey}`).slice(0, 32)}.json`);
}

/**
 * The scan of a repository on disk, from the cache when nothing it depends on changed; otherwise
 * scanned (the parser and the rules loaded only then) and kept for next time.
 */
export async function cachedScan(options: CachedScanOptions): Promise<SecurityReport> {
  return (await cachedScanWithStatus(options)).report;
}

/** The same, saying whether the report came from the cache. */
export async function cachedScanWithStatus(options: CachedScanOptions): Promise<{ report: SecurityReport; fromCache: boolean }> {
  const root = resolve(options.root);
  const now = options.now ?? new Date();
  const scan = async (discovery?: Discovery) => {
    const { runScan } = await import("./index.js");
    // The listing already made is handed on: the scan reads the same files.
    const source = discovery ? { ...diskSource(root), list: async () => discovery } : undefined;
    const { cache: _cache, build: _build, memoryAfterFirst: _memory, ...scanOptions } = options;
    return { report: await runScan({ ...scanOptions, root, now, ...(source ? { source } : {}) }), fromCache: false };
  };
  if (options.cache === false) return scan();

  const fromFile = (placeKey: string) => fromFileOrScan(options, root, now, scan, placeKey);
  const placeKey = JSON.stringify({
    format: FORMAT,
    root,
    hosts: options.hosts ?? [],
    severityThreshold: options.severityThreshold ?? null,
    quick: options.quick === true,
    systemd: options.quick ? null : systemdId(),
    fileBudgetMs: options.fileBudgetMs ?? null,
    style: options.style ?? null,
  });
  if (options.memoryAfterFirst) {
    if (scannedHere.has(placeKey)) return scan();
    // Counted once a scan finished: a cancelled first scan leaves the next one the cache file.
    const first = await fromFile(placeKey);
    scannedHere.add(placeKey);
    return first;
  }
  return fromFile(placeKey);
}

async function fromFileOrScan(
  options: CachedScanOptions,
  root: string,
  now: Date,
  scan: (discovery?: Discovery) => Promise<{ report: SecurityReport; fromCache: boolean }>,
  placeKey: string,
): Promise<{ report: SecurityReport; fromCache: boolean }> {
  // One file per repository and options: a new build of the tool replaces it.
  const optionsKey = `${placeKey}\0${options.build ?? buildId()}`;
  let path: string;
  try {
    path = await cacheFileFor(root, placeKey);
  } catch {
    // No usable cache directory (not ours, read-only home): scan without one.
    return scan();
  }
  // Files changed after this moment (less a margin for file systems with coarse clocks) are read
  // again next time even when their stamp looks the same: they may have changed after we read them.
  const startedAtNs = BigInt(Date.now() - 2_000) * 1_000_000n;
  // git lists the files while the previous cache is read and checked.
  const listing = listFiles(root, { signal: options.signal });
  const previous = readCacheFile(path);
  const discovery = await listing;
  const writtenAtNs = previous ? BigInt(previous.writtenAtNs) : 0n;
  const files: CacheBody["files"] = {};
  const hash = createHash("sha256");
  hash.update(optionsKey);
  hash.update(`\0${now.toISOString().slice(0, 10)}\0${JSON.stringify(discovery.skipped)}\0${discovery.isGit}`);
  const expiries: number[] = [];
  for (const file of discovery.files) {
    const st = discovery.stamps.get(file);
    const known = previous?.files[file];
    let h: string;
    let notAfter: number[];
    if (known && sameStamp(known, st, writtenAtNs)) [h, notAfter] = [known[4], known[5]];
    else {
      let content: Buffer;
      try {
        content = readFileSync(join(root, file));
      } catch {
        return scan(discovery);
      }
      h = sha256(content);
      notAfter = await certificateDates(content);
    }
    expiries.push(...notAfter);
    if (st) files[file] = [String(st.size), String(st.mtimeNs), String(st.ctimeNs), String(st.ino), h, notAfter];
    hash.update(`\0${file}\0${h}`);
  }
  // .nix-warden.yaml is read even when discovery leaves it out (ignored by git).
  let config = "";
  try {
    config = sha256(readFileSync(join(root, CONFIG_FILE)));
  } catch {
    // none
  }
  hash.update(`\0config\0${config}`);
  const key = hash.digest("hex");
  const fresh = (body: CacheBody) => body.validUntil === null || (now.getTime() < body.validUntil && now.getTime() >= Date.parse(body.report.generatedAt));
  if (previous?.key === key && fresh(previous) && !previous.report.errors.some(transient)) return { report: { ...previous.report, generatedAt: now.toISOString() }, fromCache: true };

  const scanned = await scan(discovery);
  const report = scanned.report;
  if (!report.errors.some(transient)) {
    const { EXPIRY_WARNING_DAYS } = expiries.length ? await import("../secrets/certs.js") : { EXPIRY_WARNING_DAYS: 0 };
    const validUntil = expiries.length ? Math.min(...expiries.map((t) => nextCertificateChange(t, now.getTime(), EXPIRY_WARNING_DAYS))) : null;
    const body: CacheBody = { format: FORMAT, key, files, writtenAtNs: String(startedAtNs), validUntil, report };
    const text = JSON.stringify(body);
    // A failed write leaves the previous cache (or none): the next scan just scans.
    await writeFileAtomic(path, `${sha256(text)}\n${text}`).catch(() => undefined);
  }
  return scanned;
}

/** Errors that may not happen again (a budget run out, a program that failed): not cached. */
function transient(e: SecurityReport["errors"][number]): boolean {
  return e.source === "rules" || e.source.startsWith("rule ") || (e.source === "parse" && !e.message.startsWith("does not parse"));
}
