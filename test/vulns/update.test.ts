// The advisory updater against a local HTTP server (127.0.0.1, a free port) serving recorded NVD
// CVE API 2.0 pages: paging, rate-limit answers honoured through Retry-After, a truncated
// download resumed from the cursor, incremental windows, and a corrupt cache left untouched.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadCache } from "../../src/vulns/cache.js";
import { updateAdvisories, type UpdateOptions } from "../../src/vulns/update.js";
import { execFile } from "node:child_process";
import { CLI, runCli } from "../helpers/cli.js";

/** The built CLI, asynchronously: this process's server must keep answering while it runs. */
function cliAsync(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, timeout: 60_000, encoding: "utf8" }, (err, stdout, stderr) => {
      res({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

const NVD = join(import.meta.dirname, "..", "fixtures", "vulns", "nvd");
const page = (name: string) => readFile(join(NVD, name), "utf8");

type Handler = (url: URL, req: IncomingMessage, res: ServerResponse, n: number) => Promise<void> | void;
let server: Server;
let base: string;
let handler: Handler;
let requests: URL[];
let headers: IncomingMessage["headers"][];
let dir: string;

beforeEach(async () => {
  requests = [];
  headers = [];
  dir = await mkdtemp(join(tmpdir(), "nw-update-"));
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    requests.push(url);
    headers.push(req.headers);
    void Promise.resolve(handler(url, req, res, requests.length)).catch((e: unknown) => {
      res.statusCode = 500;
      res.end(String(e));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rest/json/cves/2.0`;
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await rm(dir, { recursive: true, force: true });
});

/** Serves the three full pages by startIndex. */
async function fullPages(url: URL, res: ServerResponse): Promise<void> {
  const start = Number(url.searchParams.get("startIndex"));
  const name = { 0: "full-page-1.json", 4: "full-page-2.json", 8: "full-page-3.json" }[start];
  if (!name) {
    res.statusCode = 404;
    res.end();
    return;
  }
  res.setHeader("content-type", "application/json");
  res.end(await page(name));
}

const opts = (extra: Partial<UpdateOptions> = {}): UpdateOptions => ({
  baseUrl: base,
  cachePath: join(dir, "nvd.cache"),
  resultsPerPage: 4,
  delayMs: 0,
  retryAfterScaleMs: 1,
  apiKey: "secret-key-123",
  now: new Date("2025-08-01T00:00:00.000Z"),
  ...extra,
});

describe("advisories update", () => {
  it("pages through a full download, retries 429 and 403 after Retry-After, and writes the cache once", async () => {
    handler = async (url, _req, res, n) => {
      if (n === 2) {
        res.writeHead(429, { "retry-after": "2" });
        res.end("slow down");
        return;
      }
      if (n === 3) {
        res.writeHead(403, { "retry-after": "1" });
        res.end();
        return;
      }
      await fullPages(url, res);
    };
    const r = await updateAdvisories(opts());
    expect(r).toMatchObject({ ok: true, mode: "full", pages: 3, records: 8, updatedAt: "2025-08-01T00:00:00.000Z" });
    expect(requests.map((u) => u.searchParams.get("startIndex"))).toEqual(["0", "4", "4", "4", "8"]);
    expect(requests.every((u) => u.searchParams.get("resultsPerPage") === "4" && !u.searchParams.has("lastModStartDate"))).toBe(true);
    // The key travels as NVD's apiKey header, never in the URL.
    expect(headers[0]?.apikey).toBe("secret-key-123");
    expect(requests.some((u) => u.toString().includes("secret-key-123"))).toBe(false);
    const load = await loadCache(join(dir, "nvd.cache"));
    expect(load.status === "ok" && load.cache.lookup("openssl").map((a) => a.id).sort()).toEqual(["CVE-2024-0727", "CVE-2024-2511"]);
    // Nothing of the update's own state is left behind.
    await expect(stat(join(dir, "nvd-update.json"))).rejects.toThrow();
    await expect(stat(join(dir, "nvd-update.staging.ndjson"))).rejects.toThrow();
  });

  it("gives up after the retries with the status, and writes no cache", async () => {
    handler = (_u, _r, res) => {
      res.writeHead(429, { "retry-after": "1" });
      res.end();
    };
    const r = await updateAdvisories(opts({ maxRetries: 2 }));
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/HTTP 429.*rate limited/);
    expect(r.error).not.toContain("secret-key-123");
    expect(requests).toHaveLength(3);
    expect((await loadCache(join(dir, "nvd.cache"))).status).toBe("missing");
  });

  it("a truncated download fails without touching the cache, and the next run resumes from the last completed page", async () => {
    handler = async (url, _req, res) => {
      if (url.searchParams.get("startIndex") === "4") {
        const text = await page("full-page-2.json");
        // Promise the whole page, send half of it, then drop the connection.
        res.writeHead(200, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)) });
        res.write(text.slice(0, Math.floor(text.length / 2)));
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      await fullPages(url, res);
    };
    const first = await updateAdvisories(opts());
    expect(first.ok).toBe(false);
    expect(first.error).toMatch(/download failed|unusable page/);
    expect(first.error).toMatch(/resumes/);
    expect((await loadCache(join(dir, "nvd.cache"))).status).toBe("missing");
    const cursor = JSON.parse(await readFile(join(dir, "nvd-update.json"), "utf8")) as { startIndex: number; pages: number };
    expect(cursor).toMatchObject({ startIndex: 4, pages: 1 });

    requests = [];
    handler = (url, _req, res) => fullPages(url, res);
    const second = await updateAdvisories(opts());
    expect(second).toMatchObject({ ok: true, resumed: true, records: 8 });
    expect(requests.map((u) => u.searchParams.get("startIndex"))).toEqual(["4", "8"]);
  });

  it("an incremental update asks only for records modified since the cache's date, in windows of at most 120 days", async () => {
    handler = (url, _req, res) => fullPages(url, res);
    expect((await updateAdvisories(opts())).ok).toBe(true);
    const before = await readFile(join(dir, "nvd.cache"));

    requests = [];
    handler = async (_url, _req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(await page("incremental-page-1.json"));
    };
    const r = await updateAdvisories(opts({ resultsPerPage: 2000, now: new Date("2026-01-01T00:00:00.000Z") }));
    expect(r).toMatchObject({ ok: true, mode: "incremental", pages: 2, updatedAt: "2026-01-01T00:00:00.000Z", records: 7 });
    const windows = requests.map((u) => [u.searchParams.get("lastModStartDate"), u.searchParams.get("lastModEndDate")]);
    expect(windows[0]![0]).toBe("2025-08-01T00:00:00.000Z");
    expect(windows.at(-1)![1]).toBe("2026-01-01T00:00:00.000Z");
    for (const [s, e] of windows) expect((Date.parse(e!) - Date.parse(s!)) / 86_400_000).toBeLessThanOrEqual(120);
    expect(windows[1]![0]).toBe(windows[0]![1]);
    const load = await loadCache(join(dir, "nvd.cache"));
    if (load.status !== "ok") throw new Error("cache");
    expect(load.cache.lookup("openssl").find((a) => a.id === "CVE-2024-2511")).toMatchObject({ score: 7.5, severity: "HIGH" });
    // Rejected since: gone.
    expect(load.cache.lookup("curl").map((a) => a.id)).not.toContain("CVE-2023-46219");
    expect(before.equals(await readFile(join(dir, "nvd.cache")))).toBe(false);
  });

  it("a corrupt cache is reported and left untouched; scans say the data is unusable", async () => {
    const path = join(dir, "nvd.cache");
    await writeFile(path, "this is not an advisory cache\n");
    handler = (url, _req, res) => fullPages(url, res);
    const r = await updateAdvisories(opts());
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/unusable.*left untouched.*--full/);
    expect(requests).toHaveLength(0);
    expect(await readFile(path, "utf8")).toBe("this is not an advisory cache\n");

    const status = await runCli(["advisories", "status", "--cache", path]);
    expect(status.code).toBe(3);
    expect(status.stdout).toMatch(/unusable/);
    // --full replaces it, atomically, only once every page is in.
    const full = await updateAdvisories(opts({ full: true }));
    expect(full).toMatchObject({ ok: true, records: 8 });
  });

  it("the CLI takes the URL from NIX_WARDEN_NVD_URL and never prints the API key", async () => {
    handler = (url, _req, res) => fullPages(url, res);
    const r = await cliAsync(["advisories", "update", "--cache", join(dir, "nvd.cache")], { NIX_WARDEN_NVD_URL: base, NVD_API_KEY: "secret-key-123", NIX_WARDEN_NVD_DELAY_MS: "0" });
    expect(r.stderr + r.stdout).not.toContain("secret-key-123");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/full update, \d+ page\(s\)/);
  });
});
