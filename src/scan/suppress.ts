// Suppression: exceptions from `.nix-warden.yaml` (rule id plus path glob and/or option path, a
// reason, an optional expiry) and inline comments on the finding's line or the line above:
//   # nix-warden: ignore ssh-permit-root-login -- only reachable over the VPN
// Suppressed findings are kept in the report (listed, not hidden). An expired exception no longer
// suppresses, and the report says so.
import type { Finding, ReportError } from "../report/schema.js";
import type { ScanException } from "./config.js";
import { globMatch } from "../text/glob.js";

export interface Suppressed extends Finding {
  suppressedBy: { kind: "config" | "inline" | "unused"; reason: string; file?: string; line?: number; expires?: string };
}

const INLINE = /nix-warden:\s*ignore\s+([\w*,\s-]+?)(?:\s+--\s*(.*?))?\s*(?:\*\/)?\s*$/;

/** The inline ignore directives of a text: line (1-based) -> rules and reason. */
export function inlineDirectives(text: string): Map<number, { rules: string[]; reason: string }> {
  const out = new Map<number, { rules: string[]; reason: string }>();
  if (!text.includes("nix-warden:")) return out;
  const lines = text.split(/\r\n|\r|\n/);
  lines.forEach((line, i) => {
    const hash = line.indexOf("#");
    const block = line.indexOf("/*");
    const at = hash >= 0 ? hash : block;
    if (at < 0 || !line.includes("nix-warden:")) return;
    const m = INLINE.exec(line.slice(at));
    if (!m) return;
    const rules = m[1]!
      .split(/[\s,]+/)
      .map((r) => r.trim())
      .filter(Boolean);
    out.set(i + 1, { rules, reason: m[2]?.trim() || "(no reason given)" });
  });
  return out;
}

export function applySuppressions(
  findings: Finding[],
  exceptions: ScanException[],
  textOf: (file: string) => string | undefined,
  today: string = new Date().toISOString().slice(0, 10),
): { findings: Finding[]; suppressed: Suppressed[]; errors: ReportError[] } {
  const kept: Finding[] = [];
  const suppressed: Suppressed[] = [];
  const errors: ReportError[] = [];
  const directives = new Map<string, Map<number, { rules: string[]; reason: string }>>();
  const expiredReported = new Set<ScanException>();
  for (const f of findings) {
    let dirs = directives.get(f.file);
    if (!dirs) {
      const text = textOf(f.file);
      dirs = text === undefined ? new Map() : inlineDirectives(text);
      directives.set(f.file, dirs);
    }
    const inline = [dirs.get(f.line), dirs.get(f.line - 1)].find((d) => d && (d.rules.includes(f.ruleId) || d.rules.includes("*")));
    if (inline) {
      const line = dirs.get(f.line) === inline ? f.line : f.line - 1;
      suppressed.push({ ...f, suppressedBy: { kind: "inline", reason: inline.reason, file: f.file, line } });
      continue;
    }
    const ex = exceptions.find(
      (e) =>
        (e.rule === f.ruleId || e.rule === "*") &&
        (!e.path || globMatch(e.path, f.file)) &&
        (!e.option || (f.optionPath !== undefined && globMatch(e.option, f.optionPath, "."))),
    );
    if (ex && ex.expires && ex.expires < today) {
      if (!expiredReported.has(ex)) {
        expiredReported.add(ex);
        errors.push({
          source: "config",
          message: `the exception for ${ex.rule}${ex.path ? ` in ${ex.path}` : ""}${ex.option ? ` at ${ex.option}` : ""} expired on ${ex.expires}: its findings are reported again`,
          file: ".nix-warden.yaml",
        });
      }
      kept.push(f);
      continue;
    }
    if (ex) {
      suppressed.push({ ...f, suppressedBy: { kind: "config", reason: ex.reason, file: ".nix-warden.yaml", expires: ex.expires } });
      continue;
    }
    kept.push(f);
  }
  return { findings: kept, suppressed, errors };
}
