// `nix-warden advisories update`: fetches NVD CVE API 2.0 pages into the local cache.
//
// Incremental: after the first (full) download, only records modified since the cache's updatedAt
// are asked for (lastModStartDate/lastModEndDate, in windows of at most 120 days, the API's limit).
// Resumable: every completed page is appended to a staging file and a cursor (window, startIndex,
// staging length) is saved atomically, so an interrupted or failed run continues from the last
// completed page. Atomic: the cache file is replaced (temp + rename) only when every page is in;
// until then readers keep the previous cache. Rate limits (403/429/503) are retried after the
// server's Retry-After (or a growing delay). The API key (NVD_API_KEY) is sent as the `apiKey`
// header and never printed.
import { open, readFile, rm, truncate } from "node:fs/promises";
import { dirname, join } from "node:path";
import { writeJsonAtomic } from "../system/state.js";
import { defaultCachePath, loadCache, writeCache } from "./cache.js";
import { parseNvdPage, type Advisory } from "./nvd.js";

export const NVD_URL = "https://services.nvd.nist.gov/rest/json/cves/2.0";
export const NVD_SOURCE = "NVD CVE API 2.0";
const MAX_WINDOW_DAYS = 120;

export interface UpdateOptions {
  /** Default: $NIX_WARDEN_NVD_URL, else the NVD API. */
  baseUrl?: string;
  /** Default: $NVD_API_KEY. */
  apiKey?: string;
  cachePath?: string;
  /** Download everything again (also the way to replace a corrupt cache). */
  full?: boolean;
  resultsPerPage?: number;
  /** Pause between requests (NVD asks 6 s without a key). Default: $NIX_WARDEN_NVD_DELAY_MS, else 6000 / 700 with a key. */
  delayMs?: number;
  maxRetries?: number;
  /** Milliseconds waited per second of Retry-After (default 1000; tests shrink it). */
  retryAfterScaleMs?: number;
  requestTimeoutMs?: number;
  now?: Date;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export interface UpdateResult {
  ok: boolean;
  mode: "full" | "incremental" | "none";
  resumed: boolean;
  pages: number;
  updated: number;
  removed: number;
  records?: number;
  updatedAt?: string;
  cachePath: string;
  error?: string;
}

interface Cursor {
  version: 1;
  /** The cache's updatedAt this run extends (null for a full download). */
  base: string | null;
  mode: "full" | "incremental";
  until: string;
  windows: [string | null, string | null][];
  window: number;
  startIndex: number;
  stagingBytes: number;
  pages: number;
}

class HttpError extends Error {}

function windowsBetween(since: Date, until: Date): [string, string][] {
  const out: [string, string][] = [];
  let start = since.getTime();
  const end = until.getTime();
  const step = MAX_WINDOW_DAYS * 86_400_000;
  while (start < end) {
    const stop = Math.min(start + step, end);
    out.push([new Date(start).toISOString(), new Date(stop).toISOString()]);
    start = stop;
  }
  return out;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((res, rej) => {
    if (ms <= 0) return res();
    const t = setTimeout(res, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(t);
      rej(new Error("cancelled"));
    }, { once: true });
  });

export async function updateAdvisories(options: UpdateOptions = {}): Promise<UpdateResult> {
  const cachePath = options.cachePath ?? (await defaultCachePath());
  const dir = dirname(cachePath);
  const cursorPath = join(dir, "nvd-update.json");
  const stagingPath = join(dir, "nvd-update.staging.ndjson");
  const log = options.log ?? (() => undefined);
  const apiKey = options.apiKey ?? process.env.NVD_API_KEY ?? undefined;
  const baseUrl = options.baseUrl ?? process.env.NIX_WARDEN_NVD_URL ?? NVD_URL;
  const envDelay = process.env.NIX_WARDEN_NVD_DELAY_MS !== undefined ? Number(process.env.NIX_WARDEN_NVD_DELAY_MS) : undefined;
  const delayMs = options.delayMs ?? (Number.isFinite(envDelay) ? (envDelay as number) : apiKey ? 700 : 6000);
  const envScale = process.env.NIX_WARDEN_NVD_RETRY_SCALE_MS !== undefined ? Number(process.env.NIX_WARDEN_NVD_RETRY_SCALE_MS) : undefined;
  const retryScale = options.retryAfterScaleMs ?? (Number.isFinite(envScale) ? (envScale as number) : 1000);
  const maxRetries = options.maxRetries ?? 5;
  const perPage = options.resultsPerPage ?? 2000;
  const now = options.now ?? new Date();
  const result: UpdateResult = { ok: false, mode: "none", resumed: false, pages: 0, updated: 0, removed: 0, cachePath };

  const load = await loadCache(cachePath);
  if (load.status === "corrupt" && !options.full) {
    result.error = `the advisory cache ${cachePath} is unusable (${load.error}); it was left untouched. Run \`nix-warden advisories update --full\` to download it again.`;
    return result;
  }
  const base = load.status === "ok" && !options.full ? load.cache.updatedAt : null;

  // Resume a cursor that extends this very cache; anything else starts over.
  let cursor: Cursor | undefined;
  try {
    const c = JSON.parse(await readFile(cursorPath, "utf8")) as Cursor;
    if (c.version === 1 && c.base === base && Array.isArray(c.windows) && (options.full ? c.mode === "full" : true)) cursor = c;
  } catch {
    cursor = undefined;
  }
  if (cursor) {
    result.resumed = true;
    await truncate(stagingPath, cursor.stagingBytes).catch(async () => {
      cursor!.window = 0;
      cursor!.startIndex = 0;
      cursor!.stagingBytes = 0;
      cursor!.pages = 0;
      await rm(stagingPath, { force: true });
    });
    log(`resuming the ${cursor.mode} update at window ${cursor.window + 1}/${cursor.windows.length}, record ${cursor.startIndex}`);
  } else {
    await rm(stagingPath, { force: true });
    if (base) {
      const windows = windowsBetween(new Date(base), now);
      if (windows.length === 0) {
        result.ok = true;
        result.updatedAt = base;
        return result;
      }
      cursor = { version: 1, base, mode: "incremental", until: now.toISOString(), windows, window: 0, startIndex: 0, stagingBytes: 0, pages: 0 };
    } else {
      cursor = { version: 1, base: null, mode: "full", until: now.toISOString(), windows: [[null, null]], window: 0, startIndex: 0, stagingBytes: 0, pages: 0 };
    }
    await writeJsonAtomic(cursorPath, cursor);
  }
  result.mode = cursor.mode;

  const fetchPage = async (url: string): Promise<string> => {
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { accept: "application/json" };
      if (apiKey) headers.apiKey = apiKey;
      const signal = options.signal ? AbortSignal.any([options.signal, AbortSignal.timeout(options.requestTimeoutMs ?? 120_000)]) : AbortSignal.timeout(options.requestTimeoutMs ?? 120_000);
      const res = await fetch(url, { headers, signal });
      if (res.status === 200) return await res.text();
      await res.body?.cancel().catch(() => undefined);
      if ((res.status === 403 || res.status === 429 || res.status === 503) && attempt < maxRetries) {
        const ra = Number(res.headers.get("retry-after"));
        const wait = Number.isFinite(ra) && ra >= 0 ? ra * retryScale : Math.min(60, 6 * 2 ** attempt) * retryScale;
        log(`NVD answered ${res.status}; retrying in ${Math.round(wait)} ms (attempt ${attempt + 1}/${maxRetries})`);
        await sleep(wait, options.signal);
        continue;
      }
      throw new HttpError(`NVD answered HTTP ${res.status}${res.status === 403 || res.status === 429 ? " (rate limited; set NVD_API_KEY for a higher limit)" : ""}`);
    }
  };

  let first = true;
  try {
    while (cursor.window < cursor.windows.length) {
      const [start, end] = cursor.windows[cursor.window]!;
      const params = new URLSearchParams({ resultsPerPage: String(perPage), startIndex: String(cursor.startIndex) });
      if (start && end) {
        params.set("lastModStartDate", start);
        params.set("lastModEndDate", end);
      }
      if (!first) await sleep(delayMs, options.signal);
      first = false;
      const url = `${baseUrl}?${params.toString()}`;
      log(`GET ${url}`);
      let text: string;
      try {
        text = await fetchPage(url);
      } catch (e) {
        throw new Error(e instanceof HttpError ? e.message : `download failed: ${(e as Error).message}`, { cause: e });
      }
      let page;
      try {
        page = parseNvdPage(text);
      } catch (e) {
        throw new Error(`an unusable page (truncated or not NVD JSON: ${(e as Error).message})`, { cause: e });
      }
      const line = Buffer.from(JSON.stringify({ advisories: page.advisories, removed: page.removed }) + "\n", "utf8");
      const fh = await open(stagingPath, "a", 0o600);
      try {
        await fh.write(line);
        await fh.sync();
      } finally {
        await fh.close();
      }
      const got = page.advisories.length + page.removed.length;
      cursor.stagingBytes += line.length;
      cursor.pages++;
      result.pages++;
      const next = page.startIndex + Math.max(got, 0);
      if (got === 0 || next >= page.totalResults) {
        cursor.window++;
        cursor.startIndex = 0;
      } else cursor.startIndex = next;
      await writeJsonAtomic(cursorPath, cursor);
    }
  } catch (e) {
    result.error = `${(e as Error).message}. The ${cursor.pages} completed page(s) are kept; the next \`nix-warden advisories update\` resumes from there. The cache was not changed.`;
    return result;
  }

  // Every page is in: merge onto the previous cache (or nothing, for a full download) and replace it.
  const merged: Map<string, Advisory> = base && load.status === "ok" ? load.cache.all() : new Map();
  const staging = await readFile(stagingPath, "utf8").catch(() => "");
  for (const l of staging.split("\n")) {
    if (!l) continue;
    const { advisories, removed } = JSON.parse(l) as { advisories: Advisory[]; removed: string[] };
    for (const id of removed) if (merged.delete(id)) result.removed++;
    for (const a of advisories) {
      merged.set(a.id, a);
      result.updated++;
    }
  }
  await writeCache(cachePath, merged.values(), { source: NVD_SOURCE, updatedAt: cursor.until });
  await rm(cursorPath, { force: true });
  await rm(stagingPath, { force: true });
  result.ok = true;
  result.records = merged.size;
  result.updatedAt = cursor.until;
  return result;
}

/** Builds a cache from NVD JSON files (pages or feeds downloaded elsewhere, or a recorded sample). */
export async function importNvdFiles(files: string[], cachePath: string, meta: { updatedAt: string; source?: string; sample?: boolean }): Promise<{ records: number }> {
  const merged = new Map<string, Advisory>();
  for (const f of files) {
    const page = parseNvdPage(await readFile(f, "utf8"));
    for (const id of page.removed) merged.delete(id);
    for (const a of page.advisories) merged.set(a.id, a);
  }
  await writeCache(cachePath, merged.values(), { source: meta.source ?? NVD_SOURCE, updatedAt: meta.updatedAt, sample: meta.sample });
  return { records: merged.size };
}
