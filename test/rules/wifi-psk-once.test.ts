// One Wi-Fi passphrase literal is one finding: not one per network sharing it, not one for a
// network whose psk `//` replaces, and not again under hardcoded-secret (Lehmanator-nix-configs'
// piwc/network.nix, judged a duplicate).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { scanMemory } from "../helpers/memory.js";

const DIR = join(import.meta.dirname, "../fixtures/rules/secret-in-config-text/fire/shared-wifi-profile");

describe("Wi-Fi passphrases", () => {
  it("are reported once per literal, by secret-in-config-text alone", async () => {
    const report = await scanMemory({
      "flake.nix": readFileSync(join(DIR, "flake.nix"), "utf8"),
      "configuration.nix": readFileSync(join(DIR, "configuration.nix"), "utf8"),
    });
    const psk = report.findings.filter((f) => f.file === "configuration.nix" && /secret/.test(f.ruleId));
    expect(psk.map((f) => `${f.ruleId}:${f.line}`).sort()).toEqual(["secret-in-config-text:14", "secret-in-config-text:7"]);
  });
});
