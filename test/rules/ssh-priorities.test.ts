// The winning definition per host (lib/modules.nix priorities) for the sshd rules, with the known
// external modules a host imports (srvos sets PasswordAuthentication = false at plain priority)
// and unknown ones named in the finding ("depends on module X") instead of silence.
import { describe, expect, it } from "vitest";
import { scanFiles } from "../helpers/scan.js";
import { flake, summary } from "../helpers/fix.js";
import { winningDefinition } from "../../src/nix/priority.js";

const SRVOS = "inputs.srvos.nixosModules.server";

describe("winningDefinition", () => {
  it("takes the lowest priority number and reports equal-priority disagreement as a conflict", () => {
    const c = (priority: number, value: string | boolean, origin: string) => ({ priority, value, origin });
    expect(winningDefinition([c(1000, true, "mkDefault"), c(100, false, "plain")])).toMatchObject({ kind: "known", value: false, at: "plain" });
    expect(winningDefinition([c(100, false, "srvos"), c(50, true, "mkForce")])).toMatchObject({ kind: "known", value: true, at: "mkForce" });
    expect(winningDefinition([c(1500, "no", "optionDefault"), c(900, "yes", "override")])).toMatchObject({ kind: "known", value: "yes" });
    expect(winningDefinition([c(100, "yes", "a"), c(100, "no", "b")])).toMatchObject({ kind: "conflict", values: ["yes", "no"] });
    expect(winningDefinition([c(100, "no", "a"), c(100, "no", "b")])).toMatchObject({ kind: "known", value: "no" });
    expect(winningDefinition([])).toEqual({ kind: "unset" });
  });
});

describe("sshd settings by the winning definition", () => {
  it("reports root login with a forced password login on every host, even with srvos imported", async () => {
    // The two worst settings in a module every host imports; srvos's server module on every host.
    const report = await scanFiles({
      "flake.nix": flake({ a: ["./common.nix", SRVOS], b: ["./common.nix", SRVOS] }),
      "common.nix": `{ lib, ... }: {
  services.openssh.settings = {
    PermitRootLogin = lib.mkForce "yes";
    PasswordAuthentication = lib.mkForce true;
  };
}
`,
    });
    // srvos enables sshd on these hosts (services.openssh.enable = true in its server module):
    // before, the hosts' files never enabled it and both came out "low" (inert).
    expect(summary(report, "ssh-permit-root-login")).toEqual(["common.nix:3 critical [a,b]"]);
    // srvos's server module also makes wheel's sudo passwordless: a guessed password is root.
    expect(summary(report, "ssh-password-authentication")).toEqual(["common.nix:4 critical [a]", "common.nix:4 critical [b]"]);
    expect(report.findings.find((f) => f.ruleId === "ssh-password-authentication")!.message).toMatch(/Wheel's sudo is passwordless on host [ab] \(security.sudo.wheelNeedsPassword = false by srvos/);
  });

  it("stays silent where srvos's plain false beats the host's mkDefault true", async () => {
    const report = await scanFiles({
      "flake.nix": flake({ a: ["./common.nix", SRVOS] }),
      "common.nix": `{ lib, ... }: {
  services.openssh.enable = true;
  services.openssh.settings.PasswordAuthentication = lib.mkDefault true;
  services.openssh.settings.KbdInteractiveAuthentication = lib.mkDefault true;
}
`,
    });
    expect(summary(report, "ssh-password-authentication")).toEqual([]);
    expect(summary(report, "ssh-keyboard-interactive")).toEqual([]);
  });

  it("lets an explicit value beat a hardening module's mkDefault in the repository", async () => {
    const report = await scanFiles({
      "flake.nix": flake({ a: ["./hardening.nix", "./host.nix"], b: ["./hardening.nix"] }),
      "hardening.nix": `{ lib, ... }: {
  services.openssh.enable = true;
  services.openssh.settings.PasswordAuthentication = lib.mkDefault false;
  services.openssh.settings.PermitRootLogin = lib.mkDefault "no";
}
`,
      "host.nix": `{ lib, ... }: {
  services.openssh.settings.PermitRootLogin = "yes";
  services.openssh.settings.PasswordAuthentication = lib.mkOverride 900 true;
}
`,
    });
    expect(summary(report, "ssh-permit-root-login")).toEqual(["host.nix:2 critical [a]"]);
    expect(summary(report, "ssh-password-authentication")).toEqual(["host.nix:3 high [a]"]);
  });

  it("says a conflict of equal priorities is one, instead of guessing a winner", async () => {
    const report = await scanFiles({
      "flake.nix": flake({ a: ["./one.nix", "./two.nix"] }),
      "one.nix": `{ ... }: { services.openssh.enable = true; services.openssh.settings.PermitRootLogin = "no"; }\n`,
      "two.nix": `{ ... }: { services.openssh.settings.PermitRootLogin = "yes"; }\n`,
    });
    const f = report.findings.filter((x) => x.ruleId === "ssh-permit-root-login");
    expect(f).toHaveLength(1);
    expect(f[0]!.title).toContain("conflicting");
    expect(f[0]!.message).toContain("refuses to build");
  });

  it("names an unknown external module the default depends on, rather than staying silent", async () => {
    const report = await scanFiles({
      "flake.nix": flake({ a: ["./host.nix", "inputs.corp.nixosModules.ssh"], plain: ["./host.nix"] }),
      "host.nix": `{ ... }: { services.openssh.enable = true; services.openssh.settings.PermitRootLogin = "yes"; }\n`,
    });
    expect(summary(report, "ssh-permit-root-login")).toEqual(["host.nix:1 critical [plain]", "host.nix:1 high [a]"]);
    const a = report.findings.find((x) => x.ruleId === "ssh-permit-root-login" && x.host?.includes("a"))!;
    expect(a.message).toContain("depends on module corp.nixosModules.ssh");
    const pw = report.findings.filter((x) => x.ruleId === "ssh-password-authentication" && x.host?.includes("a"));
    expect(pw.map((x) => x.severity)).toEqual(["medium"]);
    expect(pw[0]!.message).toContain("depends on module corp.nixosModules.ssh");
  });
});

describe("one finding for hosts importing different unknown modules", () => {
  it("lists every host and every module the default depends on in one finding", async () => {
    const report = await scanFiles({
      "flake.nix": flake({ alpha: ["./host.nix", "inputs.corp.nixosModules.ssh"], beta: ["./host.nix", "inputs.vpn.nixosModules.default"] }),
      "host.nix": `{ ... }: { services.openssh.enable = true; }\n`,
    });
    const pw = report.findings.filter((x) => x.ruleId === "ssh-password-authentication");
    expect(pw.map((x) => x.host)).toEqual([["alpha", "beta"]]);
    expect(pw[0]!.message).toContain("depends on modules corp.nixosModules.ssh, vpn.nixosModules.default, imported from outside the repository");
  });
});

describe("external modules recognised by the repository their flake input points at", () => {
  // A flake whose inputs are named by the user's choice, and whose hosts import their modules.
  const flakeWith = (inputs: string, modules: string) => `{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
${inputs}
  };
  outputs = inputs@{ self, nixpkgs, ... }: {
    nixosConfigurations.a = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      modules = [ ./host.nix ${modules} ];
    };
  };
}
`;
  const HOST = `{ ... }: { services.openssh.enable = true; }\n`;
  const passwordFinding = async (inputs: string, modules: string) => {
    const report = await scanFiles({ "flake.nix": flakeWith(inputs, modules), "host.nix": HOST });
    const pw = report.findings.filter((x) => x.ruleId === "ssh-password-authentication");
    expect(pw).toHaveLength(1);
    return pw[0]!;
  };

  it("knows home-manager imported through an input named hm", async () => {
    const f = await passwordFinding(`    hm = { url = "github:nix-community/home-manager"; inputs.nixpkgs.follows = "nixpkgs"; };`, "inputs.hm.nixosModules.default");
    expect(f.message).not.toContain("depends on");
    expect(f.severity).toBe("high");
  });

  it("knows modules listed by purpose under the names users give them (hyprland, chaotic's nyx)", async () => {
    const f = await passwordFinding(
      `    hypr.url = "git+https://github.com/hyprwm/Hyprland?submodules=1";\n    chaotic.url = "github:chaotic-cx/nyx/nyxpkgs-unstable";`,
      "inputs.hypr.nixosModules.default inputs.chaotic.nixosModules.default",
    );
    expect(f.message).not.toContain("depends on");
  });

  it("does not take an input named home-manager that points at another repository for home-manager", async () => {
    const f = await passwordFinding(`    home-manager.url = "github:someone/home-manager-ssh-presets";`, "inputs.home-manager.nixosModules.default");
    expect(f.message).toContain("depends on module home-manager.nixosModules.default");
    expect(f.severity).toBe("medium");
  });

  it("does not take srvos from a local path for srvos's settings", async () => {
    const f = await passwordFinding(`    srvos.url = "path:/home/me/srvos";`, "inputs.srvos.nixosModules.server");
    expect(f.message).toContain("depends on module srvos.nixosModules.server");
  });

  it("still reads srvos's settings when its input has another name, or uses srvos's former owner", async () => {
    for (const inputs of [`    sv.url = "github:nix-community/srvos";`, `    sv.url = "git+https://github.com/numtide/srvos?shallow=1";`]) {
      const report = await scanFiles({ "flake.nix": flakeWith(inputs, "inputs.sv.nixosModules.server"), "host.nix": HOST });
      expect(report.findings.filter((x) => x.ruleId === "ssh-password-authentication")).toEqual([]);
    }
  });

  it("still names a module it does not know", async () => {
    const f = await passwordFinding(`    corp.url = "github:corp/nixos-modules";`, "inputs.corp.nixosModules.ssh");
    expect(f.message).toContain("depends on module corp.nixosModules.ssh");
    expect(f.severity).toBe("medium");
  });
});
