// Data the build derives from shipped source files (validated there) and writes as JSON under
// dist/, so that commands that run often (scan, the prompt hook) skip YAML parsing and schema
// libraries at start-up. The JSON is used only when it is at least as new as every source; a
// source checkout between an edit and the next build falls back to the sources.
import { readFileSync, statSync } from "node:fs";

function mtime(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/** The parsed JSON at `path`, or undefined when it is missing, unreadable or older than a source. */
export function readBuilt<T>(path: string, sources: readonly string[]): T | undefined {
  const built = mtime(path);
  if (built === undefined) return undefined;
  for (const s of sources) {
    const m = mtime(s);
    if (m !== undefined && m > built) return undefined;
  }
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T;
  } catch {
    return undefined;
  }
}
