// The local advisory cache: one file, `nvd.cache`, in cacheDir("advisories"). Line 1 is a JSON
// header (format, source, updatedAt, counts, the body's size and sha256, and an index from CPE
// product to the byte range of its line in the body); the body holds one JSON line per product
// with that product's advisories in a compact array form. A scan reads the file once, checks size
// and hash, and parses only the lines of the products its packages map to, so 250,000 records load
// and match in well under a second. The file is written atomically (temp + fsync + rename): a
// reader sees the old cache or the new one. A cache that fails any check is "corrupt": the scan
// says the data is unusable, and nothing rewrites the file except a successful full update.
import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { cacheDir, writeFileAtomic } from "../system/state.js";
import type { Advisory, AdvisoryRange } from "./nvd.js";

export const CACHE_FILE = "nvd.cache";
export const CACHE_FORMAT = "nix-warden-advisories/1";

export interface CacheHeader {
  format: string;
  /** Where the records came from ("NVD CVE API 2.0", or a recorded sample). */
  source: string;
  /** Records are complete up to this instant (ISO): the end of the last completed update. */
  updatedAt: string;
  recordCount: number;
  bodyBytes: number;
  bodySha256: string;
  /** product -> [offset, length] of its line in the body. */
  index: Record<string, [number, number]>;
  /** Marks a cache that is a recorded sample, not live data (the demo's). */
  sample?: boolean;
}

// [id, score, severity, cvssVersion, score4, severity4, lastModified, summary, ranges]
type Packed = [string, number | null, string | null, string | null, number | null, string | null, string, string, PackedRange[]];
// [vendor, version, startIncluding, startExcluding, endIncluding, endExcluding]
type PackedRange = [string, string, string | null, string | null, string | null, string | null];

export type CacheLoad =
  | { status: "ok"; cache: AdvisoryCache; path: string }
  | { status: "missing"; path: string }
  | { status: "corrupt"; path: string; error: string };

export class AdvisoryCache {
  private readonly parsed = new Map<string, Advisory[]>();

  constructor(
    readonly header: CacheHeader,
    private readonly body: Buffer,
  ) {}

  get updatedAt(): string {
    return this.header.updatedAt;
  }

  products(): string[] {
    return Object.keys(this.header.index);
  }

  /** The advisories naming this CPE product (any vendor). Throws on a line that does not parse. */
  lookup(product: string): Advisory[] {
    const hit = this.parsed.get(product);
    if (hit) return hit;
    const at = Object.hasOwn(this.header.index, product) ? this.header.index[product] : undefined;
    if (!at) return [];
    const [offset, length] = at;
    const packed = JSON.parse(this.body.toString("utf8", offset, offset + length)) as Packed[];
    const list = packed.map((p) => unpack(product, p));
    this.parsed.set(product, list);
    return list;
  }

  /** Every advisory, ranges of all products merged back per id (for updates). */
  all(): Map<string, Advisory> {
    const byId = new Map<string, Advisory>();
    for (const product of this.products()) {
      for (const a of this.lookup(product)) {
        const existing = byId.get(a.id);
        if (existing) existing.ranges.push(...a.ranges);
        else byId.set(a.id, { ...a, ranges: [...a.ranges] });
      }
    }
    return byId;
  }
}

function unpack(product: string, p: Packed): Advisory {
  const a: Advisory = {
    id: p[0],
    lastModified: p[6],
    summary: p[7],
    ranges: p[8].map((r) => {
      const range: AdvisoryRange = { vendor: r[0], product, version: r[1] };
      if (r[2] !== null) range.startIncluding = r[2];
      if (r[3] !== null) range.startExcluding = r[3];
      if (r[4] !== null) range.endIncluding = r[4];
      if (r[5] !== null) range.endExcluding = r[5];
      return range;
    }),
  };
  if (p[1] !== null) a.score = p[1];
  if (p[2] !== null) a.severity = p[2];
  if (p[3] !== null) a.cvssVersion = p[3];
  if (p[4] !== null) a.score4 = p[4];
  if (p[5] !== null) a.severity4 = p[5];
  return a;
}

/** The cache file's bytes for a set of advisories. */
export function encodeCache(advisories: Iterable<Advisory>, meta: { source: string; updatedAt: string; sample?: boolean }): Buffer {
  const byProduct = new Map<string, Packed[]>();
  let recordCount = 0;
  for (const a of advisories) {
    recordCount++;
    const perProduct = new Map<string, PackedRange[]>();
    for (const r of a.ranges) {
      const list = perProduct.get(r.product) ?? [];
      list.push([r.vendor, r.version, r.startIncluding ?? null, r.startExcluding ?? null, r.endIncluding ?? null, r.endExcluding ?? null]);
      perProduct.set(r.product, list);
    }
    for (const [product, ranges] of perProduct) {
      const entry: Packed = [a.id, a.score ?? null, a.severity ?? null, a.cvssVersion ?? null, a.score4 ?? null, a.severity4 ?? null, a.lastModified, a.summary, ranges];
      const list = byProduct.get(product);
      if (list) list.push(entry);
      else byProduct.set(product, [entry]);
    }
  }
  const index: Record<string, [number, number]> = {};
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const product of [...byProduct.keys()].sort()) {
    const line = Buffer.from(JSON.stringify(byProduct.get(product)) + "\n", "utf8");
    index[product] = [offset, line.length - 1];
    chunks.push(line);
    offset += line.length;
  }
  const body = Buffer.concat(chunks);
  const header: CacheHeader = {
    format: CACHE_FORMAT,
    source: meta.source,
    updatedAt: meta.updatedAt,
    recordCount,
    bodyBytes: body.length,
    bodySha256: createHash("sha256").update(body).digest("hex"),
    index,
    ...(meta.sample ? { sample: true } : {}),
  };
  return Buffer.concat([Buffer.from(JSON.stringify(header) + "\n", "utf8"), body]);
}

/** Checks and opens cache bytes; throws with the reason when they are not a usable cache. */
export function decodeCache(bytes: Buffer): AdvisoryCache {
  const nl = bytes.indexOf(0x0a);
  if (nl < 0) throw new Error("no header line");
  let header: CacheHeader;
  try {
    header = JSON.parse(bytes.toString("utf8", 0, nl)) as CacheHeader;
  } catch (e) {
    throw new Error(`header is not JSON: ${(e as Error).message}`, { cause: e });
  }
  if (typeof header !== "object" || header === null || header.format !== CACHE_FORMAT) throw new Error(`unknown format (expected ${CACHE_FORMAT})`);
  if (typeof header.updatedAt !== "string" || Number.isNaN(Date.parse(header.updatedAt))) throw new Error("header has no valid updatedAt");
  if (typeof header.index !== "object" || header.index === null) throw new Error("header has no index");
  const body = bytes.subarray(nl + 1);
  if (body.length !== header.bodyBytes) throw new Error(`body is ${body.length} bytes, the header says ${header.bodyBytes} (truncated or appended to)`);
  const sha = createHash("sha256").update(body).digest("hex");
  if (sha !== header.bodySha256) throw new Error("body does not match its sha256 (the file was changed or damaged)");
  return new AdvisoryCache(header, body);
}

export async function defaultCachePath(): Promise<string> {
  return join(await cacheDir("advisories"), CACHE_FILE);
}

/** Reads the cache; never throws (a missing or corrupt cache is a status the report shows). */
export async function loadCache(path?: string): Promise<CacheLoad> {
  let file: string;
  try {
    file = path ?? (await defaultCachePath());
  } catch (e) {
    return { status: "corrupt", path: path ?? "(advisory cache directory)", error: (e as Error).message };
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { status: "missing", path: file };
    return { status: "corrupt", path: file, error: `cannot read: ${(e as Error).message}` };
  }
  try {
    return { status: "ok", cache: decodeCache(bytes), path: file };
  } catch (e) {
    return { status: "corrupt", path: file, error: (e as Error).message };
  }
}

export async function writeCache(path: string, advisories: Iterable<Advisory>, meta: { source: string; updatedAt: string; sample?: boolean }): Promise<void> {
  await writeFileAtomic(path, encodeCache(advisories, meta), 0o644);
}

/** Age of the data in whole days at `now`. */
export function ageDays(updatedAt: string, now = new Date()): number {
  return Math.max(0, Math.floor((now.getTime() - Date.parse(updatedAt)) / 86_400_000));
}

export async function cacheExists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
