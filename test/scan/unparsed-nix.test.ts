// A .nix file that does not parse is still searched for secrets, as raw text: the parse error is an
// error entry and the secrets are findings at their lines, redacted. Binary and oversized .nix files
// are error entries.
import { describe, expect, it } from "vitest";
import { SecurityReport } from "../../src/report/schema.js";
import { runCli } from "../helpers/cli.js";
import { scanFiles, withRepo } from "../helpers/scan.js";
import { scanMemory } from "../helpers/memory.js";

const PASSWORD = "hunter2-Actual-Secret-9f8e7d";
const STRIPE = `sk_live_${"4eC39HqLyjWDarjtT1zdp7dc"}`;
const COMMENTED = `sk_live_${"Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2"}`;
const BROKEN = `{
  services.x.password = "${PASSWORD}";
  # an old key, commented out: comments are not judged, as in a file that parses
  # stripeOld = "${COMMENTED}";
  stripe = "${STRIPE}";
  networking.hostName = ;
}
`;

describe("a .nix file that does not parse", () => {
  it("reports the parse error and the secrets in its raw text, at their lines, with no raw value in any output", async () => {
    await withRepo(
      { "flake.nix": "{ outputs = _: { }; }\n", "broken.nix": BROKEN },
      async (root) => {
        const json = await runCli(["scan", root, "--quick", "--format", "json"]);
        expect(json.code).toBe(0);
        const report = SecurityReport.parse(JSON.parse(json.stdout));
        expect(report.errors).toContainEqual({ source: "parse", file: "broken.nix", line: 6, column: 25, message: expect.stringMatching(/does not parse: syntax error/) });
        const secrets = report.findings.filter((f) => f.file === "broken.nix").map((f) => ({ rule: f.ruleId, line: f.line, column: f.column, evidence: f.evidence }));
        expect(secrets).toEqual(
          expect.arrayContaining([
            { rule: "hardcoded-secret", line: 2, column: 26, evidence: expect.stringContaining("services.x.password") },
            { rule: "hardcoded-secret", line: 5, column: 13, evidence: expect.stringMatching(/stripe = "sk_l…/) },
          ]),
        );
        expect(secrets).toHaveLength(2);
        for (const format of ["json", "text", "markdown", "sarif"]) {
          const out = format === "json" ? json : await runCli(["scan", root, "--quick", "--format", format]);
          for (const value of [PASSWORD, STRIPE, COMMENTED]) expect(out.stdout, format).not.toContain(value);
        }
      },
      { git: true },
    );
  });

  it("the same file once it parses: the secrets are still found (by the syntax-tree rules)", async () => {
    const fixed = BROKEN.replace("networking.hostName = ;", 'networking.hostName = "box";');
    const report = await scanFiles({ "broken.nix": fixed });
    expect(report.errors).toEqual([]);
    expect(report.findings.filter((f) => f.file === "broken.nix").map((f) => f.line).sort()).toEqual([2, 5]);
  });

  it("a binary .nix file and one over the size cap are error entries", async () => {
    const report = await scanFiles({
      "bin.nix": Buffer.from([0x7b, 0x00, 0x01, 0x7d]),
      "huge.nix": `{ x = "${"a".repeat(3 * 1024 * 1024)}"; }\n`,
      "ok.nix": "{ }\n",
    });
    expect(report.errors).toContainEqual({ source: "read", file: "bin.nix", message: "skipped: binary content in a .nix file" });
    expect(report.errors).toContainEqual({ source: "discovery", file: "huge.nix", message: expect.stringMatching(/^skipped: larger than 2048 KiB/) });
  });

  it("goes to the per-file checks of other files as raw text (ctx.unparsedNix): only the secret rules say something there", async () => {
    // Text other files' rules would report (a script's NIXPKGS_ALLOW_INSECURE=1, curl -k, nix-env -i,
    // an expired certificate) stays unreported in a .nix file that does not parse, as before the
    // hook for unparsed files was folded into checkFile.
    const broken = `{\n  script = ''\n    NIXPKGS_ALLOW_INSECURE=1 nix-env -iA nixos.htop\n    curl -k https://example.org\n  '';\n  password = "${PASSWORD}";\n  x = ;\n}\n`;
    const report = await scanMemory({ "flake.nix": "{ outputs = _: { }; }\n", "broken.nix": broken });
    expect(report.errors.map((e) => `${e.source} ${e.file}`)).toContain("parse broken.nix");
    expect(report.findings.filter((f) => f.file === "broken.nix").map((f) => `${f.ruleId} ${f.line}`)).toEqual(["hardcoded-secret 6"]);
  });
});
