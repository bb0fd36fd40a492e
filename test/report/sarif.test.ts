import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { artifactUri, FINGERPRINT_KEY, primaryLocationLineHash, renderSarif, renderSarifJson, SECURITY_SEVERITY } from "../../src/report/sarif.js";
import type { SecurityReport } from "../../src/report/schema.js";
import { loadReport } from "./fixture.js";

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The official OASIS schema (draft-04); its only draft-04-specific keyword is the top-level `id`. */
function sarifValidator(): ValidateFunction {
  const schema = JSON.parse(readFileSync(join(import.meta.dirname, "../fixtures/sarif/sarif-schema-2.1.0.json"), "utf8"));
  const { id, $schema: _draft, ...rest } = schema;
  const ajv = new Ajv({ allErrors: true, strict: false });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  return ajv.compile({ $id: id, ...rest });
}

const validate = sarifValidator();

function expectValid(log: unknown): void {
  const ok = validate(log);
  expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 1)).toEqual([]);
  expect(ok).toBe(true);
}

describe("SARIF 2.1.0", () => {
  const report = loadReport();
  const log = renderSarif(report) as Any;
  const run = log.runs[0];

  it("is valid against the official OASIS schema", () => {
    expectValid(log);
    expectValid(JSON.parse(renderSarifJson(loadReport("security-report-clean.json"))));
  });

  it("the schema validator really rejects broken logs", () => {
    expect(validate({ version: "2.1.0", runs: [{ tool: { driver: {} } }] })).toBe(false);
    const broken = structuredClone(log);
    broken.runs[0].results[0].level = "critical";
    expect(validate(broken)).toBe(false);
  });

  it("has what GitHub requires: $schema, version, tool.driver name and rules", () => {
    expect(log.$schema).toBe("https://json.schemastore.org/sarif-2.1.0.json");
    expect(log.version).toBe("2.1.0");
    expect(log.runs).toHaveLength(1);
    expect(run.tool.driver).toMatchObject({ name: "nix-warden", version: "0.1.0", semanticVersion: "0.1.0" });
    expect(run.tool.driver.informationUri).toMatch(/^https:\/\//);
  });

  it("one rule per rule id, sorted, with descriptions, markdown help, tags and security-severity", () => {
    const ids = run.tool.driver.rules.map((r: Any) => r.id);
    expect(ids).toEqual([...new Set([...report.findings, ...report.suppressed].map((f) => f.ruleId))].sort());
    for (const r of run.tool.driver.rules) {
      expect(r.shortDescription.text.length).toBeGreaterThan(0);
      expect(r.shortDescription.text.length).toBeLessThanOrEqual(1024);
      expect(r.fullDescription.text.length).toBeGreaterThan(0);
      expect(r.help.text.length).toBeGreaterThan(0);
      expect(r.help.markdown.length).toBeGreaterThan(0);
      expect(r.properties.tags).toContain("security");
      expect(Number(r.properties["security-severity"])).toBeGreaterThan(0);
      expect(Number(r.properties["security-severity"])).toBeLessThanOrEqual(10);
    }
    const pw = run.tool.driver.rules.find((r: Any) => r.id === "access/plaintext-password");
    expect(pw.properties["security-severity"]).toBe("9.5");
    expect(pw.properties.tags).toEqual(["security", "access"]);
    expect(pw.defaultConfiguration.level).toBe("error");
    expect(pw.help.markdown).toContain("[NixOS manual: user management](https://nixos.org/manual/nixos/stable/#sec-user-management)");
    expect(pw.helpUri).toBe("https://nixos.org/manual/nixos/stable/#sec-user-management");
  });

  it("security-severity maps onto GitHub's bands (>9.0 critical, 7-8.9 high, 4-6.9 medium, 0.1-3.9 low)", () => {
    expect(Number(SECURITY_SEVERITY.critical)).toBeGreaterThan(9.0);
    expect(Number(SECURITY_SEVERITY.high)).toBeGreaterThanOrEqual(7.0);
    expect(Number(SECURITY_SEVERITY.high)).toBeLessThanOrEqual(8.9);
    expect(Number(SECURITY_SEVERITY.medium)).toBeGreaterThanOrEqual(4.0);
    expect(Number(SECURITY_SEVERITY.medium)).toBeLessThanOrEqual(6.9);
    expect(Number(SECURITY_SEVERITY.low)).toBeGreaterThanOrEqual(0.1);
    expect(Number(SECURITY_SEVERITY.low)).toBeLessThanOrEqual(3.9);
  });

  it("results point at their rule by index, with level, region and fingerprint", () => {
    expect(run.results).toHaveLength(report.findings.length + report.suppressed.length);
    for (const r of run.results) expect(run.tool.driver.rules[r.ruleIndex].id).toBe(r.ruleId);
    const fw = run.results.find((r: Any) => r.ruleId === "firewall/disabled");
    expect(fw.level).toBe("error");
    expect(fw.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: "hosts/db/configuration.nix", uriBaseId: "%SRCROOT%" },
      region: { startLine: 13, startColumn: 3, endLine: 13, endColumn: 38 },
    });
    const id = "firewall/disabled:hosts/db/configuration.nix:networking.firewall.enable";
    expect(fw.partialFingerprints).toEqual({ [FINGERPRINT_KEY]: id, primaryLocationLineHash: primaryLocationLineHash(id) });
    expect(primaryLocationLineHash(id)).toMatch(/^[0-9a-f]{16}:1$/);
    // Same finding id, same fingerprint, wherever the line moves.
    const moved = renderSarif({ ...report, findings: report.findings.map((f) => ({ ...f, line: f.line + 10, endLine: f.endLine + 10 })) }) as Any;
    expect(moved.runs[0].results.find((r: Any) => r.ruleId === "firewall/disabled").partialFingerprints).toEqual(fw.partialFingerprints);
    expect(fw.message.text).toBe("Firewall disabled. networking.firewall.enable = false exposes every listening service (PostgreSQL listens on TCP here).");
    const levels = Object.fromEntries(run.results.filter((r: Any) => !r.suppressions).map((r: Any) => [r.properties.severity, r.level]));
    expect(levels).toEqual({ critical: "error", high: "error", medium: "warning", low: "note" });
  });

  it("paths are relative references, percent-encoded", () => {
    const ssh = run.results.find((r: Any) => r.ruleId === "access/ssh-root-login");
    expect(ssh.locations[0].physicalLocation.artifactLocation.uri).toBe("hosts/web/odd%20name.nix");
    expect(artifactUri("./a b/c#d.nix")).toBe("a%20b/c%23d.nix");
    expect(run.originalUriBaseIds["%SRCROOT%"].uri).toBe("file:///home/ops/infra/");
  });

  it("suppressed findings carry suppressions (config: external, inline: inSource) with the justification", () => {
    const sup = run.results.filter((r: Any) => r.suppressions);
    expect(sup.map((r: Any) => [r.ruleId, r.suppressions[0].kind, r.suppressions[0].status, r.suppressions[0].justification])).toEqual([
      ["firewall/open-port", "inSource", "accepted", "reverse proxy health check, reviewed 2026-10"],
      ["anti-pattern/with-pkgs", "external", "accepted", "style choice of this repository"],
    ]);
    const external = sup.find((r: Any) => r.suppressions[0].kind === "external").suppressions[0];
    expect(external.location.physicalLocation).toEqual({ artifactLocation: { uri: ".nix-warden.toml", uriBaseId: "%SRCROOT%" }, region: { startLine: 4 } });
    expect(external.properties).toEqual({ expires: "2027-01-01" });
  });

  it("scan errors become tool execution notifications and mark the run unsuccessful", () => {
    const inv = run.invocations[0];
    expect(inv.executionSuccessful).toBe(false);
    expect(inv.toolExecutionNotifications.map((n: Any) => n.message.text)).toEqual([
      "parse: unexpected '}' (expected an expression)",
      "nix eval: evaluation of nixosConfigurations.db timed out after 120 s",
    ]);
    expect(inv.toolExecutionNotifications[0].locations[0].physicalLocation.region).toEqual({ startLine: 7, startColumn: 1 });
  });

  it("a clean report is a valid run with no results", () => {
    const clean = renderSarif(loadReport("security-report-clean.json")) as Any;
    expect(clean.runs[0].results).toEqual([]);
    expect(clean.runs[0].tool.driver.rules).toEqual([]);
    expect(clean.runs[0].invocations[0].executionSuccessful).toBe(true);
  });

  it("rule docs from the registry replace derived text", () => {
    const custom = renderSarif(report, {
      rules: { "firewall/disabled": { name: "FirewallDisabled", shortDescription: "The NixOS firewall is off", help: "Turn it **on**.", tags: ["network"] } },
      automationId: "nix-warden/",
    }) as Any;
    const rule = custom.runs[0].tool.driver.rules.find((r: Any) => r.id === "firewall/disabled");
    expect(rule).toMatchObject({ name: "FirewallDisabled", shortDescription: { text: "The NixOS firewall is off" }, help: { text: "Turn it on.", markdown: "Turn it **on**." } });
    expect(rule.properties.tags).toEqual(["security", "firewall", "network"]);
    expect(custom.runs[0].automationDetails).toEqual({ id: "nix-warden/" });
    expectValid(custom);
  });

  it("keeps at most 25,000 results per run (GitHub's limit), worst first, and says so", () => {
    const base = report.findings[0]!;
    const many: SecurityReport = {
      ...report,
      suppressed: [],
      findings: Array.from({ length: 25_010 }, (_, i) => ({ ...base, id: `${base.id}#${i}`, severity: i < 10 ? "critical" : "low" })),
    };
    const big = renderSarif(many) as Any;
    expect(big.runs[0].results).toHaveLength(25_000);
    expect(big.runs[0].results.filter((r: Any) => r.properties.severity === "critical")).toHaveLength(10);
    expect(big.runs[0].invocations[0].toolExecutionNotifications.at(-1).message.text).toMatch(/^10 results were left out/);
  });
});
