// URIs of the server's resources: reports per kind and host, and the rule catalogue.
import type { ReportKind, StoredReport } from "./report-store.js";

export const REPORTS_INDEX_URI = "nix-warden://reports";
export const REPORT_TEMPLATE = "nix-warden://reports/{kind}/{host}/{report}";
export const CATALOGUE_URI = "nix-warden://catalogue";
export const RULE_TEMPLATE = "nix-warden://catalogue/{ruleId}";

export function reportUri(kind: ReportKind, host: string, id: string, format: "json" | "md"): string {
  return `nix-warden://reports/${kind}/${host}/${id}.${format}`;
}

export function reportLinks(meta: Pick<StoredReport, "kind" | "host" | "id">): { json: string; markdown: string } {
  return { json: reportUri(meta.kind, meta.host, meta.id, "json"), markdown: reportUri(meta.kind, meta.host, meta.id, "md") };
}

export function ruleUri(ruleId: string): string {
  return `nix-warden://catalogue/${encodeURIComponent(ruleId)}`;
}
