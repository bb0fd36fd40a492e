// The Prometheus textfile (for node_exporter's textfile collector): the latest run of each host and
// kind in the history, with stable metric names. The numbers are the ones drift-metrics.json and
// the history index carry.
import { DRIFT_CATEGORIES } from "../report/schema.js";
import { SEVERITIES } from "../report/severity.js";
import type { HistoryEntry, HistoryKind } from "./store.js";

export const TEXTFILE_NAME = "nix-warden.prom";

/** The newest successful entry per (host, kind). */
export function latestEntries(entries: readonly HistoryEntry[]): HistoryEntry[] {
  const latest = new Map<string, HistoryEntry>();
  for (const e of entries) {
    if (!e.ok) continue;
    const key = `${e.host}\0${e.kind}`;
    const prev = latest.get(key);
    if (!prev || Date.parse(e.time) >= Date.parse(prev.time)) latest.set(key, e);
  }
  return [...latest.values()].sort((a, b) => a.host.localeCompare(b.host) || a.kind.localeCompare(b.kind));
}

/** Label values: backslash, double quote and newline escaped, as the exposition format requires. */
function label(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function labels(pairs: Record<string, string>): string {
  return `{${Object.entries(pairs)
    .map(([k, v]) => `${k}="${label(v)}"`)
    .join(",")}}`;
}

interface Family {
  name: string;
  help: string;
  samples: string[];
}

export function renderTextfile(entries: readonly HistoryEntry[]): string {
  const latest = latestEntries(entries);
  const of = (kind: HistoryKind) => latest.filter((e) => e.kind === kind);
  const families: Family[] = [
    {
      name: "nix_warden_findings",
      help: "Security findings in the latest scan of the host, by severity.",
      samples: of("security").flatMap((e) => SEVERITIES.map((s) => `nix_warden_findings${labels({ host: e.host, severity: s })} ${e.bySeverity[s] ?? 0}`)),
    },
    {
      name: "nix_warden_drift_items",
      help: "Drift items in the latest drift check of the host, by category.",
      samples: of("drift").flatMap((e) => DRIFT_CATEGORIES.map((c) => `nix_warden_drift_items${labels({ host: e.host, category: c })} ${e.byCategory[c] ?? 0}`)),
    },
    {
      name: "nix_warden_drift_items_by_severity",
      help: "Drift items in the latest drift check of the host, by severity.",
      samples: of("drift").flatMap((e) => SEVERITIES.map((s) => `nix_warden_drift_items_by_severity${labels({ host: e.host, severity: s })} ${e.bySeverity[s] ?? 0}`)),
    },
    {
      name: "nix_warden_score",
      help: "Security score of the host in the latest scan (0..100, higher is better).",
      samples: of("security")
        .filter((e) => e.score !== null)
        .map((e) => `nix_warden_score${labels({ host: e.host })} ${e.score}`),
    },
    {
      name: "nix_warden_last_run_timestamp_seconds",
      help: "When the latest successful run of this kind finished (Unix time).",
      samples: latest.map((e) => `nix_warden_last_run_timestamp_seconds${labels({ host: e.host, kind: e.kind })} ${Math.floor(Date.parse(e.time) / 1000)}`),
    },
  ];
  const out: string[] = [];
  for (const f of families) {
    if (!f.samples.length) continue;
    out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} gauge`, ...f.samples);
  }
  return out.join("\n") + "\n";
}
