// The MCP resource `nix-warden://history`: the trend of every host and kind from the history
// directory the timers write (headlines first, for an agent to quote: "drift on nas has grown in
// each of the last 3 runs"). Read-only; the directory is the default one unless the server's
// environment names another (NIX_WARDEN_HISTORY_DIR).
import { defaultHistoryDir } from "./index.js";
import { readHistory } from "./store.js";
import { summarizeHistory } from "./trend.js";

export const HISTORY_URI = "nix-warden://history";
export const HISTORY_RESOURCE = {
  title: "nix-warden run history",
  description: "Trends of the scheduled and manual runs (nix-warden run, the NixOS module's timers): per host and kind, the counts over time, what is new since the last run and what was fixed, the drift rate, and a one-line headline.",
  mimeType: "application/json",
};

export async function historyResourceText(dir = defaultHistoryDir()): Promise<string> {
  const { entries, skipped } = await readHistory(dir);
  const series = summarizeHistory(entries).map((s) => ({ ...s, runs: s.runs.slice(-30) }));
  return JSON.stringify({ dir, headlines: series.map((s) => s.headline), series, ...(skipped ? { skippedLines: skipped } : {}) }, null, 2);
}
