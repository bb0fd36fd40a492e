// The nix-warden MCP server (in the manner of the MCP reference servers): createServer() builds an
// McpServer with the tools, resources and prompts, wired to the allowed roots and the report store;
// transports (stdio.ts, http.ts) connect it. Tools only parse arguments, call the core and render.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { RootsListChangedNotificationSchema, type LoggingLevel } from "@modelcontextprotocol/sdk/types.js";
import { coreRemediation, type RemediationApi } from "../remediate/api.js";
import { ReportStore } from "./report-store.js";
import { AllowedRoots } from "./roots.js";
import { repoStateSubdir } from "../system/state.js";
import { TOOL } from "../version.js";
import type { ServerContext } from "./context.js";
import { registerPrompts } from "./prompts.js";
import { registerResources } from "./resources.js";
import { registerCheckDriftTool } from "./tools/check-drift.js";
import { registerExplainRuleTool } from "./tools/explain-rule.js";
import { registerListHostsTool } from "./tools/list-hosts.js";
import { registerRemediateTool } from "./tools/remediate.js";
import { registerSecurityScanTool } from "./tools/security-scan.js";

export interface CreateServerOptions {
  /** The directory the server was started in: the allowed root when the client sends no roots. */
  cwd?: string;
  /** Allowed roots when the client sends none (`serve --root`); default [cwd]. */
  roots?: string[];
  /** Register the MCP prompts (default true). Gemini CLI turns MCP prompts into slash commands that
   * would collide with the extension's own commands of the same name, so its extension passes false. */
  prompts?: boolean;
  /** The remediation core (default: src/remediate, the real one). */
  remediation?: RemediationApi;
  /** The `nix` binary drift evaluation runs. */
  nix?: string;
  /** How long to wait for the client's roots/list answer. */
  rootsTimeoutMs?: number;
}

export const SERVER_INSTRUCTIONS = `nix-warden keeps NixOS configurations secure and declarative.
- security_scan: security problems and anti-patterns in a flake repository (read-only).
- check_drift: does the machine still match its configuration (read-only).
- remediate: plan fixes (dry run), apply only after the user confirms, undo.
- list_hosts: the hosts a flake declares; explain_rule: why a rule matters.
Reports are kept as resources (nix-warden://reports/...), stored in nix-warden's state directory (never in the repository); the rule catalogue is nix-warden://catalogue. Paths must lie inside the client's roots.`;

export function createServer(options: CreateServerOptions = {}): { server: McpServer; context: ServerContext; cleanup: () => Promise<void> } {
  const cwd = options.cwd ?? process.cwd();
  const server = new McpServer(
    { name: TOOL.name, version: TOOL.version, title: "nix-warden" },
    {
      capabilities: { logging: {}, tools: {}, resources: { listChanged: true }, prompts: {}, completions: {} },
      instructions: SERVER_INSTRUCTIONS,
    },
  );
  const roots = new AllowedRoots(cwd);
  // Reports live in nix-warden's state directory for the first root, never inside the repository:
  // a repository cannot redirect them (a committed `.nix-warden -> ../elsewhere`), and the read-only
  // tools leave the user's working tree as it was.
  let reportsDir: { root: string; dir: Promise<string> } | undefined;
  const store = new ReportStore({
    dir: () => {
      const root = roots.primary();
      if (reportsDir?.root !== root) {
        const dir = repoStateSubdir(root, "reports");
        reportsDir = { root, dir };
        // An unusable state directory (someone else's, a symlink) is checked again next time.
        dir.catch(() => {
          if (reportsDir?.dir === dir) reportsDir = undefined;
        });
      }
      return reportsDir.dir;
    },
  });

  const log = (level: LoggingLevel, message: string, data?: Record<string, unknown>) => {
    if (!server.isConnected()) return;
    server.sendLoggingMessage({ level, logger: "nix-warden", data: data ? { message, ...data } : message }).catch(() => {});
  };

  // Roots: the client's when it has any, else --root, else the start directory. Requests wait for them.
  const fallback = async () => {
    if (options.roots?.length) await roots.setPaths(options.roots);
    else await roots.useFallback();
  };
  let ready: Promise<void> = fallback();
  const refreshRoots = async () => {
    const caps = server.server.getClientCapabilities();
    if (!caps?.roots) return fallback();
    try {
      const result = await server.server.listRoots(undefined, { timeout: options.rootsTimeoutMs ?? 10_000 });
      if (!result.roots.length) return fallback();
      const { ignored } = await roots.setFromUris(result.roots.map((r) => r.uri));
      if (ignored.length) log("warning", `roots not used (not an existing local directory): ${ignored.join(", ")}`);
      log("info", `allowed roots: ${roots.list().join(", ")}`);
    } catch (e) {
      log("warning", `could not get the client's roots (${(e as Error).message}); using ${options.roots?.join(", ") || cwd}`);
      await fallback();
    }
  };
  server.server.oninitialized = () => {
    ready = refreshRoots();
  };
  server.server.setNotificationHandler(RootsListChangedNotificationSchema, async () => {
    ready = refreshRoots();
    await ready;
  });

  const context: ServerContext = {
    server,
    roots,
    rootsReady: () => ready,
    store,
    remediation: options.remediation ?? coreRemediation,
    log,
    nix: options.nix,
  };

  registerSecurityScanTool(context);
  registerCheckDriftTool(context);
  registerRemediateTool(context);
  registerListHostsTool(context);
  registerExplainRuleTool(context);
  registerResources(context);
  if (options.prompts !== false) registerPrompts(context);

  return {
    server,
    context,
    cleanup: async () => {
      store.removeAllListeners();
      await server.close();
    },
  };
}
