// The server's resources: stored reports per kind and host (latest and history, as JSON and
// markdown), and the rule catalogue (an index and each rule's documentation). Host names complete
// from the stored reports and the flake's declarations. A new report sends list_changed.
import { ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import { McpError, ErrorCode, type ReadResourceResult } from "@modelcontextprotocol/sdk/types.js";
import { renderMarkdown as renderDriftMarkdown } from "../drift/render/markdown.js";
import type { DriftReportX } from "../drift/model.js";
import type { SecurityReport } from "../report/schema.js";
import { renderSecurityMarkdown } from "../report/security-markdown.js";
import { HISTORY_RESOURCE, HISTORY_URI, historyResourceText } from "../history/resource.js";
import { REPORT_KINDS, type ReportKind } from "./report-store.js";
import { antiPatternCatalogue, ruleDocumentationMarkdown } from "../report/rule-docs.js";
import { ALL_RULES } from "../rules/index.js";
import type { ServerContext } from "./context.js";
import { CATALOGUE_URI, REPORTS_INDEX_URI, REPORT_TEMPLATE, RULE_TEMPLATE, reportLinks, reportUri, ruleUri } from "./links.js";
import { PLAN_TEMPLATE, redactPlan } from "./plan-answer.js";
import { repositoryHosts } from "../scan/host-list.js";
import { stringify as yamlStringify } from "yaml";

const REPORT_NAME = /^(latest|\d{8}T\d{9}Z-[0-9a-f]{6})\.(json|md)$/;

function notFound(uri: string, why: string): McpError {
  return new McpError(ErrorCode.InvalidParams, `resource ${uri} not found: ${why}`);
}

function one(v: string | string[] | undefined): string {
  return decodeURIComponent(Array.isArray(v) ? (v[0] ?? "") : (v ?? ""));
}

export function registerResources(ctx: ServerContext): void {
  const { server, store } = ctx;

  server.registerResource(
    "reports",
    REPORTS_INDEX_URI,
    { title: "nix-warden reports", description: "Every stored security and drift report, newest first, with their URIs. Reports are kept in nix-warden's state directory for the first root, not in the repository.", mimeType: "application/json" },
    async (uri) => {
      await ctx.rootsReady();
      const reports = (await store.list()).map((r) => ({ ...r, uri: reportLinks(r).json, markdown: reportLinks(r).markdown }));
      const body = { reports, latest: Object.fromEntries(reports.filter((r, i) => reports.findIndex((x) => x.kind === r.kind && x.host === r.host) === i).map((r) => [`${r.kind}/${r.host}`, r.uri])), loadErrors: store.errors() };
      return { contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(body, null, 2) }] };
    },
  );

  const hostCandidates = async (kind?: string): Promise<string[]> => {
    await ctx.rootsReady();
    const stored = await store.hosts(REPORT_KINDS.includes(kind as ReportKind) ? (kind as ReportKind) : undefined);
    const declared = (await repositoryHosts(ctx.roots.primary())).hosts.map((h) => h.name);
    return [...new Set([...stored, ...declared])].sort();
  };

  server.registerResource(
    "report",
    new ResourceTemplate(REPORT_TEMPLATE, {
      list: async () => {
        await ctx.rootsReady();
        const all = await store.list();
        const resources = [];
        const seen = new Set<string>();
        for (const r of all) {
          const key = `${r.kind}/${r.host}`;
          if (!seen.has(key)) {
            seen.add(key);
            for (const fmt of ["json", "md"] as const)
              resources.push({
                uri: reportUri(r.kind, r.host, "latest", fmt),
                name: `latest ${r.kind} report, ${r.host}${fmt === "md" ? " (markdown)" : ""}`,
                mimeType: fmt === "json" ? "application/json" : "text/markdown",
                description: `${r.total} item(s), ${r.generatedAt}`,
              });
          }
          resources.push({ uri: reportUri(r.kind, r.host, r.id, "json"), name: `${r.kind} report ${r.id}, ${r.host}`, mimeType: "application/json", description: `${r.total} item(s), ${r.generatedAt}` });
        }
        return { resources };
      },
      complete: {
        kind: (value) => REPORT_KINDS.filter((k) => k.startsWith(value)),
        host: async (value, context) => (await hostCandidates(context?.arguments?.kind)).filter((h) => h.startsWith(value)),
        report: async (value, context) => {
          const kind = context?.arguments?.kind as ReportKind | undefined;
          const host = context?.arguments?.host;
          const ids = kind && host && REPORT_KINDS.includes(kind) ? (await store.list({ kind, host })).map((r) => `${r.id}.json`) : [];
          return ["latest.json", "latest.md", ...ids].filter((n) => n.startsWith(value));
        },
      },
    }),
    { title: "A stored report", description: "nix-warden://reports/{kind}/{host}/{latest|id}.{json|md}: kind is security or drift; host is a host name, or `all` for whole-repository scans.", mimeType: "application/json" },
    async (uri, vars): Promise<ReadResourceResult> => {
      await ctx.rootsReady();
      const kind = one(vars.kind);
      const host = one(vars.host);
      const name = one(vars.report);
      if (!REPORT_KINDS.includes(kind as ReportKind)) throw notFound(uri.href, `kind must be one of ${REPORT_KINDS.join(", ")}`);
      const m = REPORT_NAME.exec(name);
      if (!m) throw notFound(uri.href, "the last part must be latest.json, latest.md, <id>.json or <id>.md");
      const found = await store.get(kind as ReportKind, host, m[1]!);
      if (!found) throw notFound(uri.href, `no ${kind} report for ${host}${m[1] === "latest" ? "" : ` with id ${m[1]}`}; run ${kind === "security" ? "security_scan" : "check_drift"} first`);
      if (m[2] === "json") return { contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(found.report, null, 2) }] };
      const md = kind === "security" ? renderSecurityMarkdown(found.report as SecurityReport) : renderDriftMarkdown(found.report as DriftReportX);
      return { contents: [{ uri: uri.href, mimeType: "text/markdown", text: md }] };
    },
  );

  server.registerResource(
    "catalogue",
    CATALOGUE_URI,
    { title: "nix-warden rule catalogue", description: "Every rule nix-warden checks: id, name, category, default severity, with links to each rule's documentation.", mimeType: "text/markdown" },
    async (uri) => {
      const rows = [...ALL_RULES]
        .sort((a, b) => a.category.localeCompare(b.category) || a.id.localeCompare(b.id))
        .map((r) => `| [${r.id}](${ruleUri(r.id)}) | ${r.name} | ${r.category} | ${r.severity} |`);
      const text = ["# nix-warden rule catalogue", "", `${ALL_RULES.length} rule(s).`, "", "| rule | name | category | default severity |", "|---|---|---|---|", ...rows, ""].join("\n");
      return { contents: [{ uri: uri.href, mimeType: "text/markdown", text }] };
    },
  );

  // Generated from the rule modules (their metadata and examples), like everything else here.
  server.registerResource(
    "anti-pattern-catalogue",
    `${CATALOGUE_URI}/anti-patterns.yaml`,
    { title: "Anti-pattern catalogue (YAML)", description: "The anti-pattern rules with their metadata and a bad and a good example each.", mimeType: "application/yaml" },
    async (uri) => ({ contents: [{ uri: uri.href, mimeType: "application/yaml", text: yamlStringify(antiPatternCatalogue(ALL_RULES), { lineWidth: 0 }) }] }),
  );

  server.registerResource(
    "rule",
    new ResourceTemplate(RULE_TEMPLATE, {
      list: async () => ({
        resources: ALL_RULES.map((r) => ({ uri: ruleUri(r.id), name: r.id, title: r.name, mimeType: "text/markdown", description: `${r.category}, ${r.severity}` })),
      }),
      complete: { ruleId: (value) => ALL_RULES.map((r) => r.id).filter((id) => id.startsWith(value)) },
    }),
    { title: "A rule's documentation", description: "Why the rule matters, how to fix it, references and compliance controls.", mimeType: "text/markdown" },
    async (uri, vars) => {
      const id = one(vars.ruleId);
      const rule = ALL_RULES.find((r) => r.id === id);
      if (!rule) throw notFound(uri.href, `no rule ${id}`);
      return { contents: [{ uri: uri.href, mimeType: "text/markdown", text: `# ${rule.name}\n\n${ruleDocumentationMarkdown(rule)}\n` }] };
    },
  );

  server.registerResource(
    "plan",
    new ResourceTemplate(PLAN_TEMPLATE, { list: undefined }),
    { title: "A remediation plan", description: "nix-warden://plans/{planId}: every action of a plan remediate made, with the complete diff (secrets redacted; apply goes by plan id).", mimeType: "application/json" },
    async (uri, vars): Promise<ReadResourceResult> => {
      await ctx.rootsReady();
      const id = one(vars.planId);
      const plan = await ctx.remediation.getPlan(id, { root: ctx.roots.primary() }).catch(() => undefined);
      if (!plan) throw notFound(uri.href, `no plan ${id} (unknown or expired); run remediate for a new one`);
      return { contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(redactPlan(plan), null, 2) }] };
    },
  );
  server.registerResource("history", HISTORY_URI, HISTORY_RESOURCE, async (uri) => ({ contents: [{ uri: uri.href, mimeType: "application/json", text: await historyResourceText() }] }));

  store.on("added", () => {
    if (server.isConnected()) server.sendResourceListChanged();
  });
}
