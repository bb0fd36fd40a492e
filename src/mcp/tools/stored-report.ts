// What security_scan and check_drift share about the reports they store: the resource links an
// answer carries, and the stored report a cursor pages (no new scan or check, so pages never shift).
import { CursorError, decodeCursor, type CursorTarget } from "../answer.js";
import { toolError, type ServerContext } from "../context.js";
import { reportLinks } from "../links.js";

const WHAT = {
  security: { tool: "security_scan", type: "SecurityReport", entries: "finding", again: "scan" },
  drift: { tool: "check_drift", type: "DriftReport", entries: "item", again: "check" },
} as const;

/** The resource links of a stored report: its JSON and its markdown. */
export function reportResourceLinks(kind: "security" | "drift", id: string, links: { json: string; markdown: string }) {
  const w = WHAT[kind];
  return [
    { uri: links.json, name: `${kind} report ${id}`, mimeType: "application/json", description: `The full ${w.type} (JSON): every ${w.entries} with every field` },
    { uri: links.markdown, name: `${kind} report ${id} (markdown)`, mimeType: "text/markdown", description: "The full report as markdown" },
  ];
}

type Stored = NonNullable<Awaited<ReturnType<ServerContext["store"]["get"]>>>;

/**
 * The stored report `cursor` pages, or the error answer: a cursor that is not this server's, one
 * whose report is no longer kept, or one `wrongHost` objects to (given the report's host key).
 */
export async function pagedReport(
  ctx: ServerContext,
  kind: "security" | "drift",
  cursor: string,
  wrongHost: (host: string) => string | undefined,
): Promise<{ target: CursorTarget; id: string; found: Stored; links: { json: string; markdown: string } } | { error: ReturnType<typeof toolError> }> {
  const w = WHAT[kind];
  let target: CursorTarget;
  try {
    target = decodeCursor(cursor, kind);
  } catch (e) {
    if (e instanceof CursorError) return { error: toolError(`${w.tool}: ${e.message}. Call ${w.tool} without cursor for a new ${w.again}.`) };
    throw e;
  }
  const [, host = "", id = ""] = target.ref.split("/");
  const wrong = wrongHost(host);
  if (wrong) return { error: toolError(`${w.tool}: ${wrong}`) };
  const found = await ctx.store.get(kind, host, id);
  if (!found) return { error: toolError(`${w.tool}: the report this cursor pages (${id}) is no longer kept; call ${w.tool} without cursor for a new ${w.again}.`) };
  return { target, id, found, links: reportLinks(found.meta) };
}
