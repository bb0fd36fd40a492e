// A fix's patch is offered only where the edited file still parses as Nix 2.8 reads it
// (scan/findings.ts editsBreakNix): an insertion can clash with a definition of the same set
// written elsewhere in the file, which Nix rejects ("attribute 'openssh' already defined").
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { scanMemory } from "../helpers/memory.js";

const host = (services: string) => `{ ... }:
{
  services.openssh.enable = true;
${services}
  networking.hostName = "desk";
}
`;

const FLAKE = `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.11";
  outputs = { nixpkgs, ... }: {
    nixosConfigurations.desk = nixpkgs.lib.nixosSystem { system = "x86_64-linux"; modules = [ ./configuration.nix ]; };
  };
}
`;

async function passwordFix(text: string) {
  const report = await scanMemory({ "flake.nix": FLAKE, "configuration.nix": text });
  const finding = report.findings.find((f) => f.ruleId === "ssh-password-authentication");
  expect(finding, "the rule fires on sshd left at its default").toBeDefined();
  return finding!.fix!;
}

describe("patches that would not parse are withheld", () => {
  it("a services set beside a dotted services.openssh definition: no patch, and the text says why", async () => {
    const text = host(`  services = {\n    fstrim.enable = true;\n    blueman.enable = true;\n  };`);
    // The shape Nix accepts as it is.
    expect(() => execFileSync("nix-instantiate", ["--parse", "-E", text.replace("{ ... }:", "")], { stdio: "pipe" })).not.toThrow();
    const fix = await passwordFix(text);
    expect(fix.patch).toBeUndefined();
    expect(fix.description).toMatch(/No patch: the edit would not parse/);
  });

  it("look-alike: without the clashing set the patch is there", async () => {
    const fix = await passwordFix(host(""));
    expect(fix.patch).toMatch(/PasswordAuthentication = false/);
    expect(fix.description).not.toMatch(/No patch/);
  });
});
