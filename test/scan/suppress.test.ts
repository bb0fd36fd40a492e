// Suppression: .nix-warden.yaml exceptions and inline comments; suppressed findings are listed.
import { describe, expect, it } from "vitest";
import { ruleById } from "../../src/rules/index.js";
import type { SecurityReport } from "../../src/report/schema.js";
import { scanFiles } from "../helpers/scan.js";

// The fixtures repeat `systemd.services.*` keys, which the style rule repeated-keys reports; these
// tests are about the security findings.
const notStyle = (report: SecurityReport) => report.findings.filter((f) => ruleById(f.ruleId)?.group !== "style");

const ROOT_SERVICE = (name: string, comment = "") => `  systemd.services.${name} = { ${comment}
    description = "x";
    script = "run-job --loop";
  };`;

describe("suppressions", () => {
  it("honours an inline comment on the line or the line above, for the named rule only", async () => {
    const report = await scanFiles({
      "a.nix": `{ ... }: {
${ROOT_SERVICE("one", "# nix-warden: ignore systemd-service-exposure -- legacy job, being replaced")}
  # nix-warden: ignore systemd-service-exposure -- another reason
${ROOT_SERVICE("two")}
  # nix-warden: ignore some-other-rule -- not this one
${ROOT_SERVICE("three")}
  /* a string is no comment */ x = "# nix-warden: ignore systemd-service-exposure";
${ROOT_SERVICE("four")}
}`,
    });
    const active = notStyle(report).map((f) => f.optionPath).sort();
    expect(active).toEqual(["systemd.services.four", "systemd.services.three"]);
    const sup = Object.fromEntries(report.suppressed.map((s) => [s.optionPath, s.suppressedBy]));
    expect(sup["systemd.services.one"]).toMatchObject({ kind: "inline", reason: "legacy job, being replaced", line: 2 });
    expect(sup["systemd.services.two"]).toMatchObject({ kind: "inline", reason: "another reason" });
  });

  it("applies .nix-warden.yaml exceptions by rule, path glob and option glob, until they expire", async () => {
    const report = await scanFiles(
      {
        ".nix-warden.yaml": `exceptions:
  - rule: systemd-service-exposure
    path: "hosts/*/legacy.nix"
    reason: legacy host
  - rule: systemd-service-exposure
    option: "systemd.services.batch-*"
    reason: batch jobs run in a VM
    expires: 2099-12-31
  - rule: systemd-service-exposure
    option: "systemd.services.old"
    reason: was fine once
    expires: 2020-01-01
`,
        "hosts/a/legacy.nix": `{ ... }: {\n${ROOT_SERVICE("legacy")}\n}`,
        "b.nix": `{ ... }: {\n${ROOT_SERVICE("batch-nightly")}\n${ROOT_SERVICE("old")}\n${ROOT_SERVICE("other")}\n}`,
      },
      { now: new Date("2026-11-22T00:00:00Z") },
    );
    expect(notStyle(report).map((f) => f.optionPath).sort()).toEqual(["systemd.services.old", "systemd.services.other"]);
    expect(report.suppressed.map((s) => [s.optionPath, s.suppressedBy.kind, s.suppressedBy.reason]).sort()).toEqual([
      ["systemd.services.batch-nightly", "config", "batch jobs run in a VM"],
      ["systemd.services.legacy", "config", "legacy host"],
    ]);
    expect(report.errors.map((e) => e.message).join("\n")).toMatch(/expired on 2020-01-01/);
  });

  it("reports a malformed .nix-warden.yaml as an error and scans anyway", async () => {
    const report = await scanFiles({
      ".nix-warden.yaml": "exceptions:\n  - rule: x\n",
      "a.nix": `{ ... }: {\n${ROOT_SERVICE("s")}\n}`,
    });
    expect(report.errors.find((e) => e.source === "config")?.message).toMatch(/reason/);
    expect(report.findings).toHaveLength(1);
  });
});
