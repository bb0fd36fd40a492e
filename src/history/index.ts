// Run history, trends and metrics: the public API.
import { join } from "node:path";
import { stateBase } from "../system/state.js";

/** Where `run` keeps, and `history` and the MCP resource read, the history by default. */
export function defaultHistoryDir(): string {
  return process.env.NIX_WARDEN_HISTORY_DIR || join(stateBase(), "history");
}

export type { HistoryEntry, HistoryKind, HistoryRead } from "./store.js";
export { HISTORY_KINDS, INDEX_FILE, readHistory } from "./store.js";
export type { HistoryFilter, SeriesSummary } from "./trend.js";
export { filterHistory, renderHistoryMarkdown, renderHistoryText, sparkline, summarizeHistory } from "./trend.js";
export { TEXTFILE_NAME, latestEntries, renderTextfile } from "./metrics.js";
