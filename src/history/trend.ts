// The trend over the run history: per host and kind, the runs in order, a sparkline of the totals,
// what is new since the previous run and what was fixed, the drift rate, and a one-line sentence an
// agent can quote ("drift on nas has grown in each of the last 3 runs"). Pure over the index.
import { SEVERITIES } from "../report/severity.js";
import type { HistoryEntry, HistoryKind } from "./store.js";

export interface HistoryFilter {
  host?: string;
  kind?: HistoryKind;
  /** Only runs at or after this time. */
  since?: Date;
}

export function filterHistory(entries: readonly HistoryEntry[], f: HistoryFilter): HistoryEntry[] {
  return entries.filter((e) => (!f.host || e.host === f.host) && (!f.kind || e.kind === f.kind) && (!f.since || Date.parse(e.time) >= f.since.getTime()));
}

export interface SeriesSummary {
  host: string;
  kind: HistoryKind;
  runs: Array<Pick<HistoryEntry, "time" | "total" | "bySeverity" | "score" | "ok" | "report" | "alerted">>;
  sparkline: string;
  first: number;
  last: number;
  /** Ids in the latest run that the run before did not have, and the reverse. */
  newSinceLast: string[];
  fixedSinceLast: string[];
  newBySeverity: Record<string, number>;
  /** Days between the first and the last successful run. */
  days: number;
  /** New items per day over the window (every item that appeared between two runs counts once). */
  newPerDay: number | null;
  /** Net change of the total per day over the window. */
  netPerDay: number | null;
  /** How many runs in a row, ending with the latest, had a higher total than the one before. */
  growingRuns: number;
  /** A sentence for people and agents. */
  headline: string;
}

const BARS = "▁▂▃▄▅▆▇█";

export function sparkline(values: readonly number[]): string {
  if (!values.length) return "";
  const min = Math.min(...values);
  const max = Math.max(...values);
  return values.map((v) => (max === min ? BARS[values.length > 1 && max > 0 ? 3 : 0] : BARS[Math.round(((v - min) / (max - min)) * (BARS.length - 1))])).join("");
}

const MIN_RATE_DAYS = 1 / 24;

const round1 = (n: number) => Math.round(n * 10) / 10;

function describeDays(days: number): string {
  if (days >= 1) return `${round1(days)} day(s)`;
  if (days >= MIN_RATE_DAYS) return `${round1(days * 24)} hour(s)`;
  return `${Math.round(days * 1440)} minute(s)`;
}

export function summarizeSeries(runsAll: readonly HistoryEntry[]): SeriesSummary | undefined {
  const first = runsAll[0];
  if (!first) return undefined;
  const runs = runsAll.filter((r) => r.ok);
  const totals = runs.map((r) => r.total);
  const last = runs.at(-1);
  const prev = runs.at(-2);
  const lastIds = new Set(last?.ids ?? []);
  const prevIds = new Set(prev?.ids ?? []);
  const newSinceLast = prev ? [...lastIds].filter((id) => !prevIds.has(id)) : [];
  const fixedSinceLast = prev ? [...prevIds].filter((id) => !lastIds.has(id)) : [];
  const newBySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, newSinceLast.filter((id) => last?.severities[id] === s).length]));

  let appeared = 0;
  for (let i = 1; i < runs.length; i++) {
    const before = new Set(runs[i - 1]!.ids);
    appeared += runs[i]!.ids.filter((id) => !before.has(id)).length;
  }
  const days = runs.length > 1 ? (Date.parse(last!.time) - Date.parse(runs[0]!.time)) / 86_400_000 : 0;
  // A rate per day over minutes of runs says nothing: an hour is the shortest window that counts.
  const long = days >= MIN_RATE_DAYS;
  const newPerDay = long ? round1(appeared / days) : null;
  const netPerDay = long ? round1((last!.total - runs[0]!.total) / days) : null;

  let growingRuns = 0;
  for (let i = runs.length - 1; i > 0 && runs[i]!.total > runs[i - 1]!.total; i--) growingRuns++;

  const what = first.kind === "drift" ? "drift" : "security findings";
  let headline: string;
  if (!last) headline = `${what} on ${first.host}: no successful run yet`;
  else if (growingRuns >= 2) {
    const since = runs[runs.length - 1 - growingRuns]!;
    headline = `${what} on ${first.host} has grown in each of the last ${growingRuns} runs (${since.total} -> ${last.total} since ${since.time.slice(0, 10)}, over ${describeDays((Date.parse(last.time) - Date.parse(since.time)) / 86_400_000)})`;
  } else if (!prev) headline = `${what} on ${first.host}: ${last.total} in the only run`;
  else {
    const d = last.total - prev.total;
    headline = `${what} on ${first.host}: ${last.total} (${d > 0 ? `+${d}` : d === 0 ? "unchanged" : d} since the previous run; ${newSinceLast.length} new, ${fixedSinceLast.length} fixed)`;
  }

  return {
    host: first.host,
    kind: first.kind,
    runs: runsAll.map((r) => ({ time: r.time, total: r.total, bySeverity: r.bySeverity, score: r.score, ok: r.ok, report: r.report, alerted: r.alerted })),
    sparkline: sparkline(totals),
    first: totals[0] ?? 0,
    last: totals.at(-1) ?? 0,
    newSinceLast,
    fixedSinceLast,
    newBySeverity,
    days: Math.round(days * 1000) / 1000,
    newPerDay,
    netPerDay,
    growingRuns,
    headline,
  };
}

/** One summary per (host, kind), hosts in name order, drift before security. */
export function summarizeHistory(entries: readonly HistoryEntry[], f: HistoryFilter = {}): SeriesSummary[] {
  const groups = new Map<string, HistoryEntry[]>();
  for (const e of filterHistory(entries, f)) {
    const key = `${e.host}\0${e.kind}`;
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  return [...groups.keys()]
    .sort()
    .map((k) => summarizeSeries(groups.get(k)!))
    .filter((s): s is SeriesSummary => s !== undefined);
}

/** Titles of items by id, when the reports are at hand (the CLI loads them); ids otherwise. */
export type Titles = Map<string, string>;

function listItems(ids: readonly string[], titles: Titles | undefined, max = 10): string[] {
  const shown = ids.slice(0, max).map((id) => `    - ${titles?.get(id) ?? id}`);
  if (ids.length > max) shown.push(`    ... and ${ids.length - max} more`);
  return shown;
}

function rate(s: SeriesSummary): string {
  if (s.runs.filter((r) => r.ok).length < 2) return "not enough runs yet (two are needed)";
  if (s.newPerDay === null || s.netPerDay === null) return `the runs span ${describeDays(s.days)}; a rate needs at least an hour`;
  const net = s.netPerDay > 0 ? `+${s.netPerDay}` : `${s.netPerDay}`;
  return `${s.newPerDay} new item(s)/day, net ${net}/day over ${describeDays(s.days)}`;
}

const SEV_SHORT: Record<string, string> = { critical: "crit", high: "high", medium: "med", low: "low", info: "info" };

export function renderHistoryText(summaries: readonly SeriesSummary[], titles?: Titles): string {
  if (!summaries.length) return "No runs recorded yet (nix-warden run writes them; the NixOS module's timers run it).\n";
  const out: string[] = [];
  for (const s of summaries) {
    out.push(`${s.kind} · ${s.host} · ${s.runs.length} run(s)`);
    out.push(`  trend  ${s.sparkline}  (${s.first} -> ${s.last})`);
    out.push(`  ${"time".padEnd(20)} ${"total".padStart(5)} ${SEVERITIES.map((x) => SEV_SHORT[x]!.padStart(4)).join(" ")}${s.kind === "security" ? " score" : ""}`);
    for (const r of s.runs) {
      const time = r.time.slice(0, 16).replace("T", " ");
      if (!r.ok) {
        out.push(`  ${time.padEnd(20)} failed (see ${r.report})`);
        continue;
      }
      const sev = SEVERITIES.map((x) => String(r.bySeverity[x] ?? 0).padStart(4)).join(" ");
      out.push(`  ${time.padEnd(20)} ${String(r.total).padStart(5)} ${sev}${s.kind === "security" ? ` ${String(r.score ?? "-").padStart(5)}` : ""}${r.alerted ? "  (alert sent)" : ""}`);
    }
    out.push(`  new since the previous run: ${s.newSinceLast.length}${s.newSinceLast.length ? ` (${SEVERITIES.filter((x) => s.newBySeverity[x]).map((x) => `${x}: ${s.newBySeverity[x]}`).join(", ")})` : ""}`);
    out.push(...listItems(s.newSinceLast, titles));
    out.push(`  fixed since the previous run: ${s.fixedSinceLast.length}`);
    out.push(...listItems(s.fixedSinceLast, titles));
    out.push(`  ${s.kind === "drift" ? "drift rate" : "rate"}: ${rate(s)}`);
    out.push(`  ${s.headline}`, "");
  }
  return out.join("\n");
}

export function renderHistoryMarkdown(summaries: readonly SeriesSummary[], titles?: Titles): string {
  const out: string[] = ["# nix-warden history", ""];
  if (!summaries.length) return out.concat("No runs recorded yet.", "").join("\n");
  for (const s of summaries) {
    const ok = s.runs.filter((r) => r.ok);
    out.push(`## ${s.kind} · ${s.host}`, "", `${s.headline}.`, "");
    out.push("```mermaid", "xychart-beta", `  title "${s.kind} on ${s.host}"`, `  x-axis [${ok.map((r) => `"${r.time.slice(5, 16).replace("T", " ")}"`).join(", ")}]`, `  y-axis "items"`, `  line [${ok.map((r) => r.total).join(", ")}]`, "```", "");
    out.push(`| time | total | ${SEVERITIES.join(" | ")} |${s.kind === "security" ? " score |" : ""}`, `|---|---:|${SEVERITIES.map(() => "---:").join("|")}|${s.kind === "security" ? "---:|" : ""}`);
    for (const r of s.runs) {
      if (!r.ok) out.push(`| ${r.time} | failed | ${SEVERITIES.map(() => "").join(" | ")} |${s.kind === "security" ? " |" : ""}`);
      else out.push(`| ${r.time} | ${r.total} | ${SEVERITIES.map((x) => r.bySeverity[x] ?? 0).join(" | ")} |${s.kind === "security" ? ` ${r.score ?? "-"} |` : ""}`);
    }
    out.push("", `**New since the previous run:** ${s.newSinceLast.length}. **Fixed:** ${s.fixedSinceLast.length}. **${s.kind === "drift" ? "Drift rate" : "Rate"}:** ${rate(s)}.`, "");
    for (const [label, ids] of [["New", s.newSinceLast], ["Fixed", s.fixedSinceLast]] as const) if (ids.length) out.push(`${label}:`, "", ...ids.slice(0, 20).map((id) => `- ${titles?.get(id) ?? id}`), "");
  }
  return out.join("\n");
}
