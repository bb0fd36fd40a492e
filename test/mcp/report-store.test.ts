// The report store: reports per (kind, host), latest and history, on disk and back, bounded history,
// invalid files skipped with an error, host names that could escape the directory refused, ids that
// sort in creation order even within one millisecond.
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ReportStore, isValidHostKey, newReportId, securityHostKey } from "../../src/mcp/report-store.js";
import type { SecurityReport } from "../../src/report/schema.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "nix-warden-store-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

function report(total: number, generatedAt = "2026-01-01T00:00:00.000Z"): SecurityReport {
  return {
    tool: { name: "nix-warden", version: "0" },
    generatedAt,
    root: "/r",
    hosts: ["web1"],
    summary: { total, bySeverity: { critical: 0, high: total, medium: 0, low: 0 }, byCategory: {}, score: { web1: 90 } },
    findings: [],
    suppressed: [],
    inventory: { services: [] },
    errors: [],
  };
}

describe("ReportStore", () => {
  it("keeps reports per kind and host, latest last, on disk, and reads them back in a new store", async () => {
    const reports = join(dir, "reports");
    await mkdir(reports, { mode: 0o700 });
    const store = new ReportStore({ dir: async () => reports });
    const added: string[] = [];
    store.on("added", (m) => added.push(m.id));
    const a = await store.add("security", "all", report(1));
    const b = await store.add("security", "all", report(2));
    const c = await store.add("security", "web1", report(3));
    expect(added).toEqual([a.id, b.id, c.id]);
    expect(b.id > a.id).toBe(true);
    expect((await store.get("security", "all", "latest"))!.meta.id).toBe(b.id);
    expect((await store.get("security", "all", a.id))!.report.summary.total).toBe(1);
    expect(await store.hosts()).toEqual(["all", "web1"]);
    expect((await store.list()).map((m) => m.id)).toEqual([c.id, b.id, a.id]);
    // Nothing next to the reports (the store used to write a .gitignore there); owner-only files.
    expect(await readdir(dir)).toEqual(["reports"]);
    expect((await stat(join(reports, "security", "all"))).mode & 0o777).toBe(0o700);
    expect((await stat(join(reports, "security", "all", `${a.id}.json`))).mode & 0o777).toBe(0o600);

    const again = new ReportStore({ dir: () => reports });
    expect((await again.list()).map((m) => m.id)).toEqual([c.id, b.id, a.id]);
    expect((await again.get("security", "web1", "latest"))!.report.summary.total).toBe(3);
    expect(await again.get("drift", "web1", "latest")).toBeUndefined();
  });

  it("keeps a bounded history, deleting the oldest files", async () => {
    const store = new ReportStore({ dir: () => dir, keep: 2 });
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push((await store.add("security", "web1", report(i))).id);
    expect((await store.list()).map((m) => m.id)).toEqual([ids[3], ids[2]]);
    expect((await readdir(join(dir, "security", "web1"))).sort()).toEqual([`${ids[2]}.json`, `${ids[3]}.json`]);
  });

  it("skips stored files that are not valid reports, with an error, and ignores stray names", async () => {
    await mkdir(join(dir, "security", "web1"), { recursive: true });
    const id = newReportId(new Date("2026-02-03T04:05:06.007Z"));
    expect(id).toMatch(/^20260203T040506007Z-[0-7][0-9a-f]{5}$/);
    await writeFile(join(dir, "security", "web1", `${id}.json`), JSON.stringify({ not: "a report" }));
    await writeFile(join(dir, "security", "web1", "notes.txt"), "x");
    await mkdir(join(dir, "security", "..hidden"), { recursive: true });
    const store = new ReportStore({ dir: () => dir });
    expect(await store.list()).toEqual([]);
    expect(store.errors()).toEqual([expect.stringContaining(`security/web1/${id}.json: not a security report`)]);
  });

  it("refuses host keys and ids that could leave the directory", async () => {
    const store = new ReportStore({ dir: () => dir });
    await expect(store.add("security", "../x", report(1))).rejects.toThrow(/not a valid host name/);
    expect(await store.get("security", "..", "latest")).toBeUndefined();
    expect(await store.get("security", "all", "../../etc/passwd")).toBeUndefined();
    expect(isValidHostKey("web1")).toBe(true);
    expect(isValidHostKey("db1+web1")).toBe(true);
    expect(isValidHostKey("a/b")).toBe(false);
    expect(isValidHostKey("a..b")).toBe(false);
    expect(securityHostKey(undefined)).toBe("all");
    expect(securityHostKey(["web1", "db1", "web1"])).toBe("db1+web1");
  });
});

describe("newReportId", () => {
  it("sorts in creation order within one millisecond, across a clock that goes back, and past the sequence's end", () => {
    const now = new Date("2026-02-03T04:05:06.007Z");
    const ids = [newReportId(now)];
    for (let i = 0; i < 1000; i++) ids.push(newReportId(now, ids[ids.length - 1]));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => id.startsWith("20260203T040506007Z-"))).toBe(true);
    // The clock went back a second: still after the newest id.
    const back = newReportId(new Date("2026-02-03T04:05:05.007Z"), ids[ids.length - 1]);
    expect(back > ids[ids.length - 1]!).toBe(true);
    // A later millisecond starts afresh, still after.
    const later = newReportId(new Date("2026-02-03T04:05:06.008Z"), ids[ids.length - 1]);
    expect(later).toMatch(/^20260203T040506008Z-[0-7][0-9a-f]{5}$/);
    // The sequence's end carries into the next millisecond.
    expect(newReportId(now, "20260203T040506007Z-ffffff")).toBe("20260203T040506008Z-000000");
  });

  it("gives a store's reports added in a burst ids in the order they were added (list and latest agree)", async () => {
    const store = new ReportStore({ dir: () => dir });
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push((await store.add("security", "web1", report(i))).id);
    expect([...ids].sort()).toEqual(ids);
    expect((await store.get("security", "web1", "latest"))!.report.summary.total).toBe(29);
    // A new store (a restarted server) continues after the stored ids, whatever the clock says:
    // here a report stored with an id from the future.
    const future = "20991231T235959999Z-00000a";
    await writeFile(join(dir, "security", "web1", `${future}.json`), JSON.stringify(report(99)));
    const again = new ReportStore({ dir: () => dir });
    const next = await again.add("security", "web1", report(30));
    expect(next.id).toBe("20991231T235959999Z-00000b");
    expect((await again.get("security", "web1", "latest"))!.meta.id).toBe(next.id);
  });
});
