// The bundled example repository has planted anti-patterns: each is found, at its line, and its
// look-alikes (the comment in deploy.sh, the rec set in monitoring.nix) stay silent.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ALL_RULES } from "../../../src/rules/index.js";
import { clearScanCache, runScan } from "../../../src/scan/index.js";

const HOMELAB = fileURLToPath(new URL("../../../examples/homelab", import.meta.url));

describe("anti-patterns in examples/homelab", () => {
  it("finds every planted instance and nothing else", async () => {
    clearScanCache();
    const report = await runScan({ root: HOMELAB, quick: true, rules: ALL_RULES.filter((r) => r.category === "anti-pattern" && r.group !== "style") });
    const found = report.findings.map((f) => `${f.ruleId} ${f.file}:${f.line}${f.host ? ` [${f.host.join(",")}]` : ""}`).sort();
    expect(found).toEqual(
      [
        "installphase-without-runhook pkgs/backup-tool.nix:13",
        "missing-home-stateversion flake.nix:27 [workstation]",
        "import-from-derivation modules/extras.nix:8 [nas]",
        // modules/extras.nix:6 lists ./extra flat, with no hand-kept exclusions: the convention,
        // which readdir-module-discovery leaves alone.
        "rec-let-shadow modules/extras.nix:16 [nas]",
        "missing-nix-gc flake.nix:25 [workstation]",
        "mkif-constant modules/monitoring.nix:34 [nas]",
        "nested-with home/alice.nix:11 [workstation]",
        "nix-env-install-in-script scripts/deploy.sh:12",
        "rebuild-upgrade-in-script scripts/deploy.sh:10",
        "trivial-wrapper pkgs/backup-tool.nix:3",
        "types-str-merge modules/monitoring.nix:18 [nas]",
        "unquoted-url modules/monitoring.nix:35 [nas]",
        // `mkIf cfg.enable true` inside `config = mkIf cfg.enable { … }`
        "mkif-trivial modules/monitoring.nix:34 [nas]",
        // firefox in the system list of a host whose user has her own package list
        "user-packages-in-system hosts/workstation/default.nix:11 [workstation]",
      ].sort(),
    );
    expect(report.errors).toEqual([]);
    // The documentation lints (options, packages) are style lints (off unless asked for): asked, it finds its
    // planted instance.
    const style = await runScan({ root: HOMELAB, quick: true, style: "on", rules: ALL_RULES.filter((r) => r.id === "mkoption-without-description" || r.id === "package-without-meta") });
    expect(style.findings.map((f) => `${f.ruleId} ${f.file}:${f.line}${f.host ? ` [${f.host.join(",")}]` : ""}`).sort()).toEqual([
      "mkoption-without-description modules/monitoring.nix:13 [nas]",
      // a package with a description and no license
      "package-without-meta pkgs/backup-tool.nix:5",
    ]);
    // missing-nix-gc: the nas imports modules by listing a directory and through an import from
    // derivation, so not all of its modules can be followed and the host-level rule stays silent.
    // The laptop's is planted too, and suppressed inline in flake.nix (listed, not hidden).
    expect(report.suppressed.map((f) => `${f.ruleId} ${f.file}:${f.line} ${f.suppressedBy.kind}`)).toContain("missing-nix-gc flake.nix:30 inline");
  });
});
