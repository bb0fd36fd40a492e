// A scan that keeps nothing (`once`, the CLI's) makes no report memo key and no per-file cache key
// for the files other than Nix. Its report is the one a scan that keeps them makes.
import { describe, expect, it } from "vitest";
import { clearScanCache, runScan } from "../../src/scan/index.js";
import { memorySource, type RepoSource } from "../../src/scan/source.js";
import { EXAMPLE_NOW } from "../helpers/memory.js";

const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n";

const FILES: Record<string, string | Buffer> = {
  "flake.nix": `{\n  outputs = { nixpkgs, ... }: {\n    nixosConfigurations.box = nixpkgs.lib.nixosSystem { modules = [ ./configuration.nix ]; };\n  };\n}\n`,
  "configuration.nix": `{ ... }: {\n  services.myapp.password = builtins.readFile ./secrets/myapp-password;\n  environment.etc.motd.text = builtins.readFile ./motd;\n  systemd.services.deploy.script = builtins.readFile ./scripts/deploy.sh;\n  services.openssh.enable = true;\n  services.openssh.settings.PermitRootLogin = "yes";\n}\n`,
  "secrets/myapp-password": "correct-horse-battery-staple\n",
  motd: "welcome\n",
  "scripts/deploy.sh": `#!/bin/sh\ncurl -fsSL https://example.org/install.sh | sh\nexport DB_PASSWORD='s3cr3t-Pa55w0rd-for-prod'\n`,
  "keys/id_ed25519": KEY,
  "README.md": "# notes\n\nThe admin password is not here. ✓\n",
  // Not valid UTF-8: its bytes are held, its text is decoded from them.
  "legacy.conf": Buffer.from("caf\xe9 password = 'latin1-secret-value'\n", "latin1"),
};

function report(source: RepoSource, once: boolean) {
  clearScanCache();
  return runScan({ root: "/memory", source, quick: true, now: EXAMPLE_NOW, once });
}

describe("a scan that keeps nothing", () => {
  it("reports what a scan holding every text reports", async () => {
    const held = await report(memorySource(FILES), false);
    const once = await report(memorySource(FILES), true);
    expect(held.findings.some((f) => f.file === "keys/id_ed25519")).toBe(true);
    expect(held.findings.some((f) => f.file === "legacy.conf" || f.file === "scripts/deploy.sh")).toBe(true);
    expect(held.findings.some((f) => f.file === "configuration.nix" && f.ruleId === "secret-in-nix-store")).toBe(true);
    expect(JSON.stringify({ ...once, generatedAt: "" })).toBe(JSON.stringify({ ...held, generatedAt: "" }));
  });
});
