// Findings whose argument is "this bypasses sudo's password prompt" (nix-trusted-users for wheel,
// root-equivalent-group for a wheel member), judged per host against the wheelNeedsPassword the
// host ends up with (where it asks none, nothing is reported); and user-plaintext-password's empty hashedPassword, judged per host against
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
  it("reports nothing on hosts where wheel's sudo asks no password (no new way to root), and keeps the prompt argument elsewhere", async () => {
    const report = await scanMemory({
      "flake.nix": flake({ alpha: ["./common.nix", "./nopw.nix"], beta: ["./common.nix", "./nopw.nix"], gamma: ["./common.nix"] }),
      "common.nix": COMMON,
      "nopw.nix": `{ ... }: { security.sudo.wheelNeedsPassword = false; }\n`,
    });
    expect(summary(report, "nix-trusted-users")).toEqual(["common.nix:2 low [gamma]"]);
    expect(of(report, "nix-trusted-users")[0]!.message).toContain("without sudo's password prompt");
    // alice is also a Nix trusted user (through @wheel): the docker group adds no new way to root.
    expect(summary(report, "root-equivalent-group")).toEqual([]);
    // Without trusted-users, docker keeps the prompt argument where sudo asks.
    const docker = await scanMemory({
      "flake.nix": flake({ alpha: ["./common.nix", "./nopw.nix"], gamma: ["./common.nix"] }),
      "common.nix": COMMON.replace(` "@wheel" ]`, " ]"),
      "nopw.nix": `{ ... }: { security.sudo.wheelNeedsPassword = false; }\n`,
    });
    expect(summary(docker, "root-equivalent-group")).toEqual(["common.nix:3 info [gamma]"]);
    expect(of(docker, "root-equivalent-group")[0]!.message).toContain("without sudo's password prompt");
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
    expect(t.map((f) => f.host)).toEqual([["alpha"]]);
    expect(t[0]!.message).toContain("without sudo's password prompt");
  });

  it("keeps a named user not known to be in wheel at full severity, and a sudo turned off", async () => {
    const report = await scanMemory({
      "flake.nix": flake({ alpha: ["./nix.nix"], delta: ["./nix.nix", "./nosudo.nix"] }),
      "nix.nix": `{ ... }: {
  nix.settings.trusted-users = [ "root" "carol" "@wheel" ];
  security.sudo.wheelNeedsPassword = false;
}
`,
      "nosudo.nix": `{ ... }: { security.sudo.enable = false; }\n`,
    });
    expect(summary(report, "nix-trusted-users")).toEqual(["nix.nix:2 low [delta]", "nix.nix:2 medium [alpha,delta]"]);
    const wheel = of(report, "nix-trusted-users").filter((f) => f.title.includes("@wheel"));
    expect(wheel.map((f) => f.host)).toEqual([["delta"]]);
    expect(wheel[0]!.message).toContain("password prompt");
  });

  it("knows NixOS-WSL's default (mkDefault false), only for an enabled WSL distribution", async () => {
    const report = await scanMemory({
      "flake.nix": flake({ wsl: ["./common.nix", "./wsl.nix"], off: ["./common.nix", "./wsl-off.nix"], desk: ["./common.nix", "./nopw.nix"] }),
      "common.nix": COMMON,
      "nopw.nix": `{ ... }: { security.sudo.wheelNeedsPassword = false; }\n`,
      "wsl.nix": `{ inputs, ... }: { imports = [ inputs.nixos-wsl.nixosModules.default ]; wsl.enable = true; }\n`,
      "wsl-off.nix": `{ inputs, ... }: { imports = [ inputs.nixos-wsl.nixosModules.default ]; }\n`,
    });
    const t = of(report, "nix-trusted-users");
    expect(t.map((f) => f.host)).toEqual([["off"]]);
    expect(t[0]!.message).toContain("password prompt");
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
    expect(of(report, "nix-trusted-users")).toEqual([]);
    expect(of(report, "root-equivalent-group")).toEqual([]);
    // The look-alike: the same module without the sudo setting keeps both findings.
    const asks = await scanMemory({
      "module.nix": `{ ... }: {
  nix.settings.trusted-users = [ "@wheel" ];
  users.users.alice = { isNormalUser = true; extraGroups = [ "wheel" "lxd" ]; };
}
`,
    });
    expect(of(asks, "nix-trusted-users")).toHaveLength(1);
    // alice is a Nix trusted user there (@wheel): lxd adds no new way to root.
    expect(of(asks, "root-equivalent-group")).toHaveLength(0);
  });
});

describe("user-plaintext-password: an empty hashedPassword", () => {
  const MEDIA = `{ ... }: {
  users.users.media = { isNormalUser = true; hashedPassword = ""; };
  users.users.admin = { isNormalUser = true; hashedPassword = ""; extraGroups = [ "wheel" ]; };
}
`;
  const SSHD_ON = `{ ... }: { services.openssh.enable = true; }\n`;
  it("is low for a non-wheel user on hosts whose sshd takes no passwords or does not run, medium elsewhere and for wheel", async () => {
    const report = await scanMemory({
      "flake.nix": flake({ keyonly: ["./media.nix", "./sshd.nix", "./keys.nix"], passwords: ["./media.nix", "./sshd.nix"], nossh: ["./media.nix"], forced: ["./media.nix", "./sshd.nix", "./soft.nix"] }),
      "media.nix": MEDIA,
      "sshd.nix": SSHD_ON,
      "keys.nix": `{ ... }: { services.openssh.settings.PasswordAuthentication = false; }\n`,
      // A mkDefault false wins over NixOS's own default (the option default): off.
      "soft.nix": `{ lib, ... }: { services.openssh.settings.PasswordAuthentication = lib.mkDefault false; }\n`,
    });
    expect(summary(report, "user-plaintext-password")).toEqual([
      // The reasons differ (password authentication off, sshd not enabled): a finding each.
      "media.nix:2 low [forced,keyonly]",
      "media.nix:2 low [nossh]",
      "media.nix:2 medium [passwords]",
      "media.nix:3 medium [forced,keyonly,nossh,passwords]",
    ]);
    const fs = of(report, "user-plaintext-password");
    for (const f of fs) {
      expect(f.title).toBe("User with an empty password");
      expect(f.title).not.toContain("hash");
      expect(f.fix?.description).toContain('"!" instead locks');
      expect(f.fix?.description).toContain("autologin");
    }
    const low = fs.find((f) => f.severity === "low" && f.host?.includes("keyonly"))!;
    expect(low.message).toContain("at the console only");
    expect(low.message).toContain("password authentication is off");
    expect(low.message).toContain("on hosts forced, keyonly");
    expect(fs.find((f) => f.host?.includes("nossh") && f.severity === "low")!.message).toContain("sshd is not enabled on host nossh");
  });

  it("keeps medium when a mkForce true wins over a hardening mkDefault false", async () => {
    const report = await scanMemory({
      "flake.nix": flake({ server: ["./media.nix", "./sshd.nix", "./soft.nix", "./force.nix"] }),
      "media.nix": MEDIA,
      "sshd.nix": SSHD_ON,
      "soft.nix": `{ lib, ... }: { services.openssh.settings.PasswordAuthentication = lib.mkDefault false; }\n`,
      "force.nix": `{ lib, ... }: { services.openssh.settings.PasswordAuthentication = lib.mkForce true; }\n`,
    });
    expect(summary(report, "user-plaintext-password")).toEqual(["media.nix:2 medium [server]", "media.nix:3 medium [server]"]);
  });
});
