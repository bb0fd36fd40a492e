// What every tool, resource and prompt of the MCP server shares: the allowed roots, the report
// store, the remediation core, MCP logging, and helpers for progress and error results.
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { CallToolResult, LoggingLevel, ServerNotification, ServerRequest, ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import type { RemediationApi } from "../remediate/api.js";
import type { ReportStore } from "./report-store.js";
import { PathArgumentError, type AllowedRoots } from "./roots.js";

export type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

export interface ServerContext {
  server: McpServer;
  roots: AllowedRoots;
  /** Resolves once the client's roots are known (or the fallback applies). */
  rootsReady(): Promise<void>;
  store: ReportStore;
  remediation: RemediationApi;
  /** MCP logging (notifications/message), filtered by the client's logging/setLevel. */
  log(level: LoggingLevel, message: string, data?: Record<string, unknown>): void;
  /** The `nix` binary for drift evaluation (tests, unusual installs). */
  nix?: string;
}

/** The annotations of a tool that only reads: it changes nothing, and calling it again answers alike. */
export function readOnlyTool(title: string): ToolAnnotations {
  return { title, readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };
}

/** A tool result that tells the agent what went wrong and what to do (isError: the call failed). */
export function toolError(message: string): CallToolResult {
  return { content: [{ type: "text", text: message }], isError: true };
}

/** Error results for the failures every tool can meet; other errors are rethrown. */
export function errorResult(tool: string, e: unknown): CallToolResult {
  if (e instanceof PathArgumentError) return toolError(`${tool}: ${e.message}. Paths must lie inside the client's roots; relative paths start at the first root.`);
  return toolError(`${tool} failed: ${(e as Error)?.message ?? String(e)}`);
}

/**
 * notifications/progress for a request, when the client sent a progress token. Progress only ever
 * increases; updates closer than `minIntervalMs` are dropped unless the message changes stage.
 */
export function progressReporter(extra: Extra, minIntervalMs = 100): (message: string, stage?: string) => void {
  const token = extra._meta?.progressToken;
  let progress = 0;
  let last = 0;
  let lastStage: string | undefined;
  return (message: string, stage?: string) => {
    if (token === undefined || extra.signal.aborted) return;
    const now = Date.now();
    if (stage === lastStage && now - last < minIntervalMs) return;
    last = now;
    lastStage = stage;
    progress++;
    extra.sendNotification({ method: "notifications/progress", params: { progressToken: token, progress, message } }).catch(() => {});
  };
}

/** nixosConfigurations names as hosts use them (letters, digits, `-`, `_`, `.`), checked before they
 * reach any command or file name. */
export const HOST_NAME = /^[A-Za-z0-9_](?!.*\.\.)[A-Za-z0-9_.-]{0,62}$/;

export function checkHostNames(hosts: string[] | undefined): string | undefined {
  const bad = (hosts ?? []).filter((h) => !HOST_NAME.test(h));
  return bad.length ? `not a valid host name: ${bad.map((h) => JSON.stringify(h)).join(", ")} (nixosConfigurations names: letters, digits, '-', '_', '.')` : undefined;
}

/**
 * The structured content of a report tool: the report as its contract (zod strips fields the
 * contract does not know, so strict clients accept it; the stored resource keeps everything). A
 * report that breaks its contract is a bug in the core: said plainly, with the text and links.
 */
export function contractContent<T extends Record<string, unknown>>(
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } },
  report: unknown,
  content: CallToolResult["content"],
): CallToolResult {
  const parsed = schema.safeParse(report);
  if (parsed.success) return { content, structuredContent: parsed.data };
  const issue = parsed.error.issues[0];
  return {
    content: [{ type: "text", text: `internal error: the report does not match its contract (${issue ? `${issue.path.join(".")}: ${issue.message}` : "invalid"}); the full report is still stored (links below).` }, ...content],
    isError: true,
  };
}
