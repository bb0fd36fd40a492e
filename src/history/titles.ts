// Titles of the items that are new or fixed, read from the two latest reports of each series: the
// index keeps only ids, the reports keep what a person reads.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { HistoryEntry } from "./store.js";
import type { SeriesSummary, Titles } from "./trend.js";

const REPORT_PATH = /^reports\/[A-Za-z0-9][A-Za-z0-9._+-]*\.json$/;

async function reportItems(dir: string, rel: string): Promise<Array<{ id: string; title?: string; subject?: string; severity?: string }>> {
  // The index is ours, but a path from it is still checked before it is opened.
  if (!REPORT_PATH.test(rel)) return [];
  try {
    const r = JSON.parse(await readFile(join(dir, rel), "utf8")) as { findings?: unknown; items?: unknown };
    const items = Array.isArray(r.findings) ? r.findings : Array.isArray(r.items) ? r.items : [];
    return items.filter((i): i is { id: string } => typeof (i as { id?: unknown })?.id === "string");
  } catch {
    return [];
  }
}

export async function loadTitles(dir: string, summaries: readonly SeriesSummary[], entries: readonly HistoryEntry[]): Promise<Titles> {
  const titles: Titles = new Map();
  for (const s of summaries) {
    if (!s.newSinceLast.length && !s.fixedSinceLast.length) continue;
    const runs = entries.filter((e) => e.host === s.host && e.kind === s.kind && e.ok).slice(-2);
    for (const run of runs)
      for (const it of await reportItems(dir, run.report)) {
        const text = it.title ?? it.subject;
        if (text) titles.set(it.id, `${it.severity ? `[${it.severity}] ` : ""}${text}`);
      }
  }
  return titles;
}
