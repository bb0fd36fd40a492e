// The vulns report as text (the JSON is the VulnReport itself). The advisory data's age (or its
// absence) is the first thing said, always.
import type { VulnReport } from "./index.js";

export function renderVulnsText(r: VulnReport): string {
  const out: string[] = [];
  out.push(`nix-warden vulns: ${r.from.join("; ") || r.root}`);
  out.push(r.advisories.status === "ok" ? r.advisories.note : `!! ${r.advisories.note}`);
  out.push(`hosts: ${r.hosts.map((h) => `${h} (${r.packagesPerHost[h] ?? 0} packages)`).join(", ") || "none"}`);
  if (r.advisories.status === "ok") {
    const sev = Object.entries(r.summary.bySeverity)
      .filter(([, n]) => n > 0)
      .map(([s, n]) => `${n} ${s}`)
      .join(", ");
    out.push(`${r.summary.total} vulnerable package version${r.summary.total === 1 ? "" : "s"}${sev ? ` (${sev})` : ""}`);
  }
  out.push("");
  for (const f of r.findings) {
    out.push(`[${f.severity.toUpperCase()}] ${f.title}`);
    out.push(`  hosts: ${(f.host ?? []).join(", ")}`);
    for (const l of f.message.split("\n").slice(1, -1)) out.push(`  ${l.length > 220 ? `${l.slice(0, 219)}…` : l}`);
    out.push(`  at: ${f.file}:${f.line}`);
    if (f.fix) out.push(`  fix: ${f.fix.description}`);
    out.push("");
  }
  if (r.suppressed.length) {
    out.push("suppressed (listed, not counted):");
    for (const s of r.suppressed) out.push(`  ${s.title}: ${s.suppressedBy.reason}${s.suppressedBy.expires ? ` (until ${s.suppressedBy.expires})` : ""}`);
    out.push("");
  }
  if (r.patched.length) {
    out.push("fixed by a nixpkgs patch (not reported):");
    for (const p of r.patched) out.push(`  ${p.package} ${p.cve}: ${p.patch}`);
    out.push("");
  }
  if (r.otherVendor.length) {
    out.push("same product name, other vendor (not reported; add a reviewed mapping if this is the same software):");
    for (const o of r.otherVendor) out.push(`  ${o.package}: ${o.cve} is filed for ${o.vendor}:${o.product}`);
    out.push("");
  }
  for (const [host, t] of Object.entries(r.tracking)) {
    if (!t.previousRun) out.push(`${host}: first run, ${t.new.length} open CVE(s) recorded`);
    else {
      const since = t.stillOpen.map((s) => s.since).sort()[0];
      out.push(`${host} since ${t.previousRun.slice(0, 10)}: ${t.new.length} new, ${t.fixed.length} fixed, ${t.stillOpen.length} still open${since ? ` (oldest since ${since})` : ""}`);
      for (const k of t.new) out.push(`  new: ${k}`);
      for (const k of t.fixed) out.push(`  fixed: ${k}`);
    }
  }
  if (r.errors.length) {
    out.push("");
    out.push("errors:");
    for (const e of r.errors) out.push(`  ${e.source}: ${e.message}`);
  }
  return out.join("\n") + "\n";
}
