// Framework pieces the secrets/TLS rules rely on: repoFile lookups, segment-wise option path
// matching for host rules, explicit ranges, and evidence redaction in Nix files.
import { describe, expect, it } from "vitest";
import { parseNix } from "../../src/nix/index.js";
import { buildOptionIndex } from "../../src/nix/options.js";
import type { Rule } from "../../src/rules/types.js";
import { optionPathMatches } from "../../src/scan/index.js";
import { scanFiles } from "../helpers/scan.js";

function defs(text: string) {
  return buildOptionIndex(parseNix(text).root).definitions;
}

describe("optionPathMatches", () => {
  it("matches `*` against whole segments, dots inside quoted names included", () => {
    const [d] = defs('{ services.nginx.virtualHosts."files.example.org".enableACME = true; }');
    expect(optionPathMatches("services.nginx.virtualHosts.*.enableACME", d!)).toBe(true);
    expect(optionPathMatches("services.nginx.*.enableACME", d!)).toBe(false);
    expect(optionPathMatches("services.*.virtualHosts.*.enable*", d!)).toBe(true);
    expect(optionPathMatches("services.**", d!)).toBe(true);
  });
});

const probe: Rule = {
  id: "probe",
  name: "probe",
  category: "secrets",
  severity: "low",
  rationale: "test",
  fix: "test",
  references: [],
  compliance: { cis: [], nist: [] },
  checkNix(ctx) {
    const other = ctx.repoFile("m/../data.txt");
    const escape = ctx.repoFile("../../etc/passwd");
    for (const def of ctx.index.definitions) {
      ctx.report({ node: def.binding, range: { line: 9, column: 2, endLine: 9, endColumn: 5 }, message: `${other?.text?.trim()} ${escape === undefined}`, optionPath: def.path });
    }
  },
};

describe("rule context", () => {
  it("repoFile resolves inside the root only; an explicit range wins over the node", async () => {
    const report = await scanFiles({ "m/a.nix": "{ x = 1; }\n", "data.txt": "hello\n" }, { rules: [probe] });
    expect(report.findings.map((f) => [f.line, f.column, f.message])).toEqual([[9, 2, "hello true"]]);
  });

  it("evidence: Nix code is not redacted, literals under password names are", async () => {
    const evidenceRule: Rule = {
      ...probe,
      checkNix(ctx) {
        for (const def of ctx.index.definitions) ctx.report({ node: def.binding, message: def.path, optionPath: def.path });
      },
    };
    const report = await scanFiles(
      {
        "a.nix": `{ ... }:
let pw = builtins.readFile ./pw; in
{
  services.a.password = pw;
  services.b.smtpPassword = builtins.readFile ./pw;
  services.c.password = "hunter2hunter2";
  services.d.extraConfig = "password = hunter2hunter2";
}
`,
        pw: "x\n",
      },
      { rules: [evidenceRule] },
    );
    const ev = Object.fromEntries(report.findings.map((f) => [f.optionPath, f.evidence]));
    expect(ev["services.a.password"]).toBe("services.a.password = pw;");
    expect(ev["services.b.smtpPassword"]).toBe("services.b.smtpPassword = builtins.readFile ./pw;");
    expect(ev["services.c.password"]).not.toContain("hunter2");
    expect(ev["services.d.extraConfig"]).not.toContain("hunter2");
  });
});
