// Findings whose argument is "this bypasses sudo's password prompt" (nix-trusted-users for wheel,
// root-equivalent-group for a wheel member), judged per host against the wheelNeedsPassword the
// host ends up with; and user-plaintext-password's empty hashedPassword, judged per host against
// sshd's password authentication.
import { describe, expect, it } from "vitest";
import { scanMemory } from "../helpers/memory.js";
import { flake, summary } from "../helpers/fix.js";
import type { SecurityReport } from "../../src/report/schema.js";

const COMMON = `{ ... }: {
  nix.settings.trusted-users = [ "root" "@wheel" ];
  users.users.alice = { isNormalUser = true; extraGroups = [ "wheel" "docker" ]; };
  virtualisation.docker.enable = true;
}
`;

const of = (report: SecurityReport, ruleId: string) => report.findings.filter((f) => f.ruleId === ruleId);

describe("wheel already has passwordless sudo", () => {
  it("says so on hosts where wheel's sudo asks no password, and keeps the prompt argument elsewhere", async () => {
    const report = await scanMemory({
      "flake.nix": flake({ alpha: ["./common.nix", "./nopw.nix"], beta: ["./common.nix", "./nopw.nix"], gamma: ["./common.nix"] }),
      "common.nix": COMMON,
      "nopw.nix": `{ ... }: { security.sudo.wheelNeedsPassword = false; }\n`,
    });
    expect(summary(report, "nix-trusted-users")).toEqual(["common.nix:2 low [alpha,beta]", "common.nix:2 low [gamma]"]);
    const [ab, c] = of(report, "nix-trusted-users").sort((x, y) => x.host!.length - y.host!.length).reverse();
    expect(ab!.message).toContain("wheel already has passwordless sudo on alpha, beta: this adds no new way to root there");
    expect(ab!.message).not.toContain("password prompt");
    expect(c!.message).toContain("without sudo's password prompt");
    expect(summary(report, "root-equivalent-group")).toEqual(["common.nix:3 low [alpha,beta]", "common.nix:3 low [gamma]"]);
    const docker = of(report, "root-equivalent-group").find((f) => f.host?.includes("alpha"))!;
    expect(docker.message).toContain("Already an administrator, and wheel already has passwordless sudo on alpha, beta");
    expect(of(report, "root-equivalent-group").find((f) => f.host?.includes("gamma"))!.message).toContain("without sudo's password prompt");
  });

  it("weighs priorities: a mkForce true beats a mkDefault false, a mkForce false beats a plain true", async () => {
    const report = await scanMemory({
      "flake.nix": flake({ alpha: ["./common.nix", "./soft.nix", "./strict.nix"], beta: ["./common.nix", "./strict.nix", "./forced.nix"] }),
      "common.nix": COMMON,
      "soft.nix": `{ lib, ... }: { security.sudo.wheelNeedsPassword = lib.mkDefault false; }\n`,
      "strict.nix": `{ lib, ... }: { security.sudo.wheelNeedsPassword = true; }\n`,
      "forced.nix": `{ lib, ... }: { security.sudo.wheelNeedsPassword = lib.mkForce false; }\n`,
    });
    const t = of(report, "nix-trusted-users");
    expect(t.find((f) => f.host?.includes("alpha"))!.message).toContain("without sudo's password prompt");
    expect(t.find((f) => f.host?.includes("beta"))!.message).toContain("wheel already has passwordless sudo on beta:");
  });

  it("keeps the full severity of a named user not known to be in wheel, and of a sudo turned off", async () => {
    const report = await scanMemory({
      "flake.nix": flake({ alpha: ["./nix.nix"], delta: ["./nix.nix", "./nosudo.nix"] }),
      "nix.nix": `{ ... }: {
  nix.settings.trusted-users = [ "root" "carol" "@wheel" ];
  security.sudo.wheelNeedsPassword = false;
}
`,
      "nosudo.nix": `{ ... }: { security.sudo.enable = false; }\n`,
    });
    expect(summary(report, "nix-trusted-users")).toEqual(["nix.nix:2 low [alpha]", "nix.nix:2 low [delta]", "nix.nix:2 medium [alpha,delta]"]);
    const wheel = of(report, "nix-trusted-users").filter((f) => f.title.includes("@wheel"));
    expect(wheel.find((f) => f.host?.includes("alpha"))!.message).toContain("passwordless sudo on alpha:");
    expect(wheel.find((f) => f.host?.includes("delta"))!.message).toContain("password prompt");
  });

  it("knows NixOS-WSL's default (mkDefault false), only for an enabled WSL distribution", async () => {
    const report = await scanMemory({
      "flake.nix": flake({ wsl: ["./common.nix", "./wsl.nix"], off: ["./common.nix", "./wsl-off.nix"] }),
      "common.nix": COMMON,
      "wsl.nix": `{ inputs, ... }: { imports = [ inputs.nixos-wsl.nixosModules.default ]; wsl.enable = true; }\n`,
      "wsl-off.nix": `{ inputs, ... }: { imports = [ inputs.nixos-wsl.nixosModules.default ]; }\n`,
    });
    const t = of(report, "nix-trusted-users");
    expect(t.find((f) => f.host?.includes("wsl"))!.message).toContain("passwordless sudo on wsl (by nixos-wsl.nixosModules.default)");
    expect(t.find((f) => f.host?.includes("off"))!.message).toContain("password prompt");
  });

  it("uses a lone module's own setting when no host includes it", async () => {
    const report = await scanMemory({
      "module.nix": `{ ... }: {
  nix.settings.trusted-users = [ "@wheel" ];
  users.users.alice = { isNormalUser = true; extraGroups = [ "wheel" "lxd" ]; };
  security.sudo.wheelNeedsPassword = false;
}
`,
    });
    expect(of(report, "nix-trusted-users")[0]!.message).toContain("passwordless sudo on the hosts using this module");
    expect(of(report, "root-equivalent-group")[0]!.message).toContain("passwordless sudo on the hosts using this module");
  });
});
