// The trend over a week of recorded runs (pure: the index entries are written here, with times days apart).
import { describe, expect, it } from "vitest";
import { renderTextfile } from "../../src/history/metrics.js";
import type { HistoryEntry } from "../../src/history/store.js";
import { renderHistoryText, sparkline, summarizeHistory } from "../../src/history/trend.js";

function entry(day: number, host: string, ids: string[], extra: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    schemaVersion: 1,
    time: new Date(Date.UTC(2026, 11, day, 3, 0, 0)).toISOString(),
    host,
    kind: "drift",
    report: `reports/x-${host}-${day}.json`,
    ok: true,
    total: ids.length,
    bySeverity: { critical: 0, high: ids.length, medium: 0, low: 0 },
    byCategory: { package: ids.length },
    score: null,
    ids,
    severities: Object.fromEntries(ids.map((i) => [i, "high"])),
    errors: 0,
    alerted: false,
    ...extra,
  };
}

const week: HistoryEntry[] = [
  entry(1, "nas", ["a"]),
  entry(2, "nas", ["a"]),
  entry(3, "nas", ["a", "b"]),
  entry(4, "nas", ["a", "b", "c"]),
  entry(5, "nas", ["b", "c", "d", "e"]),
  entry(5, "web1", [], { ok: false }),
  entry(3, "web1", ["x"]),
];

describe("history trend", () => {
  it("drift on nas has grown in each of the last three runs; new, fixed and the rate per day", () => {
    const [nas] = summarizeHistory(week, { host: "nas" });
    expect(nas!.growingRuns).toBe(3);
    expect(nas!.headline).toBe("drift on nas has grown in each of the last 3 runs (1 -> 4 since 2026-12-02, over 3 day(s))");
    expect(nas!.newSinceLast).toEqual(["d", "e"]);
    expect(nas!.fixedSinceLast).toEqual(["a"]);
    // b, c, d, e appeared over 4 days: 1 per day; the total went 1 -> 4: net +0.8/day.
    expect(nas!.newPerDay).toBe(1);
    expect(nas!.netPerDay).toBe(0.8);
    expect(nas!.sparkline).toBe("▁▁▃▆█");
  });

  it("--since and --host select runs; a failed run is listed but not counted", () => {
    const s = summarizeHistory(week, { since: new Date(Date.UTC(2026, 11, 3)) });
    expect(s.map((x) => `${x.host}:${x.runs.length}`)).toEqual(["nas:3", "web1:2"]);
    const web1 = s.find((x) => x.host === "web1")!;
    expect(web1.last).toBe(1);
    const text = renderHistoryText([web1]);
    expect(text).toMatch(/2026-12-05 03:00 +failed/);
    expect(text).toContain("not enough runs yet");
  });

  it("sparkline: flat series, empty series", () => {
    expect(sparkline([])).toBe("");
    expect(sparkline([0, 0])).toBe("▁▁");
    expect(sparkline([5, 5, 5])).toBe("▄▄▄");
  });

  it("the textfile uses the latest successful run per host and escapes label values", () => {
    const text = renderTextfile([...week, entry(6, 'we"ird\\host\n', ["q"])]);
    expect(text).toContain('nix_warden_drift_items{host="nas",category="package"} 4');
    expect(text).toContain('nix_warden_drift_items{host="web1",category="package"} 1');
    expect(text).toContain('host="we\\"ird\\\\host\\n"');
  });
});
