// `nix-warden history`: the trend over the kept runs (what `nix-warden run` and the timers record).
import { resolve } from "node:path";
import { defaultHistoryDir, readHistory, renderHistoryMarkdown, renderHistoryText, summarizeHistory, HISTORY_KINDS } from "../history/index.js";
import { loadTitles } from "../history/titles.js";
import { EXIT_OK, parseChoice, parseCommandOrHelp, UsageError } from "./args.js";

export const summary = "show the trend of the kept runs: counts over time, new and fixed since the last run, the drift rate";

const HELP = `usage: nix-warden history [options]

  --dir DIR             the history directory (default: $NIX_WARDEN_HISTORY_DIR, else <state>/history;
                        the NixOS module uses /var/lib/nix-warden)
  --host H              only this host
  --kind drift|security only this kind of run
  --since DATE          only runs at or after DATE (2026-12-01, an ISO time, or 7d / 24h ago)
  --format text|json|markdown   (default text; markdown has a chart)
  -h, --help`;

export function parseSince(value: string, now = new Date()): Date {
  const rel = value.match(/^(\d+)([dh])$/);
  if (rel) return new Date(now.getTime() - Number(rel[1]) * (rel[2] === "d" ? 86_400_000 : 3_600_000));
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new UsageError(`--since must be a date (2026-12-01), an ISO time or a span like 7d or 24h (got '${value}')`);
  return new Date(t);
}

export async function run(argv: string[]): Promise<number> {
  const args = parseCommandOrHelp(
    argv,
    HELP,
    {
      dir: { type: "string" },
      host: { type: "string" },
      kind: { type: "string" },
      since: { type: "string" },
      format: { type: "string" },
    },
    false,
  );
  if (!args) return EXIT_OK;
  const { values } = args;
  const format = parseChoice(values.format, "--format", ["text", "json", "markdown"] as const, "text");
  const kind = values.kind === undefined ? undefined : parseChoice(values.kind, "--kind", HISTORY_KINDS, "drift");
  const since = values.since === undefined ? undefined : parseSince(values.since);
  const dir = resolve(values.dir ?? defaultHistoryDir());
  const { entries, skipped } = await readHistory(dir);
  const summaries = summarizeHistory(entries, { host: values.host, kind, since });
  if (skipped) console.error(`nix-warden history: ${skipped} unreadable line(s) in ${dir}/history.jsonl skipped`);
  if (format === "json") {
    console.log(JSON.stringify({ dir, series: summaries }, null, 2));
    return EXIT_OK;
  }
  const titles = await loadTitles(dir, summaries, entries);
  process.stdout.write(format === "markdown" ? renderHistoryMarkdown(summaries, titles) : renderHistoryText(summaries, titles));
  return EXIT_OK;
}
