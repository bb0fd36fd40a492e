// Bounded tool answers. An agent's context is small (Claude Code caps MCP output near 25k tokens;
// Gemini CLI reads only `content`), so every tool answers with a summary first and one page of
// items, at most ANSWER_MAX_BYTES of JSON for the whole result; `cursor` pages through the rest in a
// stable order, and the full report stays a resource. `content[0].text` is the JSON of
// `structuredContent`, so clients that read either see the same facts.
import { createHash } from "node:crypto";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";

/** The whole CallToolResult, as JSON, stays under this (about 8k tokens). */
export const ANSWER_MAX_BYTES = 32 * 1024;
/** The structured content's share: the text repeats it (with JSON escaping) and links follow. */
export const PAGE_BUDGET_BYTES = 13 * 1024;
export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 200;

export const Detail = z.enum(["summary", "findings", "full"]);
export type Detail = z.infer<typeof Detail>;

export const PagingInput = {
  detail: Detail.optional().describe(
    "summary: counts and the worst items only; findings (default): items grouped with their places, one page; full: every field of each item, one page. Every level is bounded; the full report is the linked resource.",
  ),
  limit: z.number().int().min(1).max(MAX_LIMIT).optional().describe(`Items per page (default ${DEFAULT_LIMIT}); a page also stops before it grows too large.`),
  cursor: z.string().max(512).optional().describe("nextCursor of an earlier answer: the next page of that same stored report (no new scan or check)."),
};

/** What PagingInput asks for, with its defaults. */
export type Paging = { detail: Detail; limit: number };
export function pagingOf(args: { detail?: Detail; limit?: number }): Paging {
  return { detail: args.detail ?? "findings", limit: args.limit ?? DEFAULT_LIMIT };
}

export const PageInfo = z.object({
  /** Index of the first item of this page in the report's stable order. */
  offset: z.number().int(),
  count: z.number().int(),
  /** Items in the report. */
  total: z.number().int(),
});
export type PageInfo = z.infer<typeof PageInfo>;

export const ReportRef = z.object({ id: z.string(), uri: z.string(), markdown: z.string().optional(), generatedAt: z.string() });

// ---- cursors ----

export interface CursorTarget {
  /** What the cursor pages: `security/all/<report id>`, `drift/web1/<id>`, `plan/<plan id>`. */
  ref: string;
  offset: number;
}

function digest(ref: string, offset: number): string {
  return createHash("sha256").update(`nix-warden cursor\0${ref}\0${offset}`).digest("base64url").slice(0, 16);
}

/** Opaque to the agent: base64url of the paged report, the offset, and a digest of both. */
export function encodeCursor(target: CursorTarget): string {
  return Buffer.from(JSON.stringify({ r: target.ref, o: target.offset, d: digest(target.ref, target.offset) })).toString("base64url");
}

export class CursorError extends Error {}

/** The target of a cursor; `kind` is the first part its ref must have (`security`, `drift`, `plan`). */
export function decodeCursor(cursor: string, kind: string): CursorTarget {
  let parsed: { r?: unknown; o?: unknown; d?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as typeof parsed;
  } catch {
    throw new CursorError("not a cursor of this server (pass nextCursor exactly as it was given)");
  }
  const { r, o, d } = parsed ?? {};
  if (typeof r !== "string" || typeof o !== "number" || !Number.isSafeInteger(o) || o < 0 || typeof d !== "string" || d !== digest(r, o))
    throw new CursorError("not a cursor of this server (pass nextCursor exactly as it was given)");
  if (r.split("/")[0] !== kind) throw new CursorError(`this cursor pages a ${r.split("/")[0]} answer, not a ${kind} one`);
  return { ref: r, offset: o };
}

// ---- size ----

export function jsonBytes(v: unknown): number {
  return Buffer.byteLength(JSON.stringify(v));
}

/** A string cut to `max` characters, saying so. */
export function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}… (${s.length - max} more chars in the full report)` : s;
}

/** One line, cut. */
export function oneLine(s: string, max = 200): string {
  return clip(s.replace(/\s*\n\s*/g, " ").trim(), max);
}

/**
 * The longest run of `items` from `offset` (at most `limit`, at least one) whose page, built by
 * `build`, keeps the structured answer within the budget. Sizes grow with the count, so the count
 * doubles until a page is too large (or every item fits), then a binary search between the last
 * count that fit and the first that did not finds it: a handful of renderings, none much larger
 * than the page (a page of `full` detail holds a few items of a limit of 200).
 */
export function fitPage<T, P>(items: readonly T[], offset: number, limit: number, build: (page: readonly T[]) => P, budget = PAGE_BUDGET_BYTES): { page: P; count: number } {
  const max = Math.max(0, Math.min(limit, items.length - offset));
  const at = (n: number) => build(items.slice(offset, offset + n));
  let best = at(Math.min(1, max));
  let count = Math.min(1, max);
  if (max <= 1) return { page: best, count };
  let hi: number;
  for (let n = 2; ; n *= 2) {
    const k = Math.min(n, max);
    const p = at(k);
    if (jsonBytes(p) > budget) {
      hi = k - 1;
      break;
    }
    best = p;
    count = k;
    if (k === max) return { page: best, count };
  }
  let lo = count + 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const p = at(mid);
    if (jsonBytes(p) <= budget) {
      best = p;
      count = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return { page: best, count };
}

export interface ResourceLinkItem {
  uri: string;
  name: string;
  mimeType: string;
  description: string;
}

/** The result: the structured answer, the same as JSON text, and links to the full report. */
export function answer(structured: Record<string, unknown>, links: ResourceLinkItem[] = []): CallToolResult {
  return {
    content: [{ type: "text", text: JSON.stringify(structured) }, ...links.map((l) => ({ type: "resource_link" as const, ...l }))],
    structuredContent: structured,
  };
}

/** Structured content checked against its contract (zod strips what the contract does not know);
 * a mismatch is a bug, said plainly. */
export function contractAnswer<T extends Record<string, unknown>>(
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } },
  structured: unknown,
  links: ResourceLinkItem[] = [],
): CallToolResult {
  const parsed = schema.safeParse(structured);
  if (parsed.success) return answer(parsed.data, links);
  const issue = parsed.error.issues[0];
  return {
    content: [
      { type: "text", text: `internal error: the answer does not match its contract (${issue ? `${issue.path.join(".")}: ${issue.message}` : "invalid"}); the full report is still stored (links below).` },
      ...links.map((l) => ({ type: "resource_link" as const, ...l })),
    ],
    isError: true,
  };
}

// ---- names ----

/** Edit distance with adjacent transpositions (optimal string alignment): `wbe1` is one step from `web1`. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  return d[a.length]![b.length]!;
}

/** The known name closest to `name` (case-insensitive, edit distance at most 2), if any. */
export function nearestName(name: string, known: readonly string[]): string | undefined {
  const q = name.toLowerCase();
  let best: { name: string; d: number } | undefined;
  for (const k of known) {
    const d = editDistance(q, k.toLowerCase());
    if (d <= 2 && (!best || d < best.d)) best = { name: k, d };
  }
  return best?.name;
}

/** An error message for host names a repository does not declare, or undefined when all are known. */
export function unknownHostsMessage(asked: readonly string[], known: readonly string[], where: string): string | undefined {
  known = [...known].sort();
  const unknown = asked.filter((h) => !known.includes(h));
  if (!unknown.length) return undefined;
  const hints = unknown.map((h) => {
    const near = nearestName(h, known);
    return `'${h}'${near ? ` (did you mean '${near}'?)` : ""}`;
  });
  const list = known.length ? `The hosts ${where} declares: ${known.join(", ")}.` : `${where} declares no host nix-warden can read.`;
  return `unknown host${unknown.length > 1 ? "s" : ""} ${hints.join(", ")}. ${list} (list_hosts shows them.)`;
}
