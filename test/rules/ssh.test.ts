// The sshd rules with NixOS's semantics: ssh-permit-root-login (severity from the host's password
// authentication), ssh-password-authentication (explicit, and the NixOS default on hosts that
// enable openssh, reported at the enable line), ssh-keyboard-interactive (PAM semantics).
import { describe, expect, it } from "vitest";
import { scanFiles } from "../helpers/scan.js";
import { applyFix, flake, summary } from "../helpers/fix.js";
import { nixAvailable } from "../helpers/nix.js";

const HOSTS = {
  "flake.nix": flake(
    {
      // default password auth, root login yes: critical
      web: ["./common.nix", "./web.nix"],
      // passwords off: root login yes is low
      keys: ["./common.nix", "./keys.nix"],
      // srvos sets PasswordAuthentication = false
      srv: ["./common.nix", "inputs.srvos.nixosModules.server"],
      // AuthenticationMethods publickey only
      methods: ["./common.nix", "./methods.nix"],
      // sshd off: nothing
      off: ["./common.nix", "./off.nix"],
      // no sshd at all
      desk: ["./desk.nix"],
      // legacy options
      old: ["./old.nix"],
    },
    { keys: "({ ... }: { services.openssh.settings.PasswordAuthentication = false; })" },
  ),
  "common.nix": `{ ... }: {
  services.openssh = {
    enable = true;
    settings.PermitRootLogin = "yes";
  };
}
`,
  "web.nix": `{ ... }: { services.nginx.enable = true; }
`,
  "keys.nix": `{ ... }: { networking.hostName = "keys"; }
`,
  "methods.nix": `{ ... }: { services.openssh.settings.AuthenticationMethods = "publickey"; }
`,
  "off.nix": `{ lib, ... }: { services.openssh.enable = lib.mkForce false; }
`,
  "desk.nix": `{ ... }: {
  # services.openssh.settings.PermitRootLogin = "yes";
  services.openssh.settings.PermitRootLogin = "prohibit-password";
  services.xserver.enable = true;
}
`,
  "old.nix": `{ ... }: {
  services.openssh.enable = true;
  services.openssh.permitRootLogin = "yes";
  services.openssh.passwordAuthentication = true;
  services.openssh.challengeResponseAuthentication = true;
}
`,
};

describe("ssh-permit-root-login", () => {
  it("rates root login by what the host lets root log in with", async () => {
    const report = await scanFiles(HOSTS);
    expect(summary(report, "ssh-permit-root-login")).toEqual([
      "common.nix:4 critical [web]",
      "common.nix:4 low [keys]",
      "common.nix:4 low [methods]",
      "common.nix:4 low [srv]",
      "old.nix:3 critical [old]",
    ]);
    const web = report.findings.find((f) => f.ruleId === "ssh-permit-root-login" && f.host?.includes("web"))!;
    expect(web.message).toContain("NixOS defaults it to true");
    expect(web.fix?.safety).toBe("auto");
  });

  it("is low on a host whose files never enable sshd (inert until some module does)", async () => {
    const report = await scanFiles({
      "flake.nix": flake({ quiet: ["./quiet.nix"] }),
      "quiet.nix": `{ ... }: { services.openssh.settings = { PermitRootLogin = "yes"; PasswordAuthentication = true; }; }\n`,
    });
    expect(summary(report, "ssh-permit-root-login")).toEqual(["quiet.nix:1 low [quiet]"]);
    expect(summary(report, "ssh-password-authentication")).toEqual(["quiet.nix:1 low [quiet]"]);
    expect(report.findings.find((f) => f.ruleId === "ssh-permit-root-login")!.message).toContain("sshd is not enabled in this host's files");
  });

  it.skipIf(!nixAvailable)("fixes it to prohibit-password automatically", async () => {
    const report = await scanFiles(HOSTS);
    const f = report.findings.find((x) => x.ruleId === "ssh-permit-root-login" && x.file === "old.nix")!;
    const fixed = await applyFix(HOSTS, f);
    expect(fixed.files["old.nix"]).toContain('services.openssh.permitRootLogin = "prohibit-password";');
    expect(summary(fixed.rescan, "ssh-permit-root-login").some((s) => s.startsWith("old.nix"))).toBe(false);
  });
});

describe("ssh-password-authentication", () => {
  it("reports explicit true, and the NixOS default at the line enabling openssh", async () => {
    const report = await scanFiles(HOSTS);
    expect(summary(report, "ssh-password-authentication")).toEqual(["common.nix:3 high [web]", "old.nix:4 high [old]"]);
    const web = report.findings.find((f) => f.ruleId === "ssh-password-authentication" && f.file === "common.nix")!;
    expect(web.optionPath).toBe("services.openssh.settings.PasswordAuthentication");
    expect(web.message).toContain("not set anywhere in host web");
    expect(web.evidence).toBe("enable = true;");
  });

  it("is medium when openFirewall is off, and silent for lone modules and VM tests that only enable openssh", async () => {
    const report = await scanFiles({
      "flake.nix": flake({ lan: ["./lan.nix"] }),
      "lan.nix": `{ ... }: { services.openssh = { enable = true; openFirewall = false; }; }
`,
      "modules/ssh.nix": `{ ... }: { services.openssh.enable = true; }
`,
      "tests/vm.nix": `{ pkgs }: pkgs.testers.runNixOSTest { name = "t"; nodes.m = { ... }: { services.openssh.enable = true; }; testScript = ""; }
`,
    });
    expect(summary(report, "ssh-password-authentication")).toEqual(["lan.nix:1 medium [lan]"]);
  });

  it("reads PasswordAuthentication = null as OpenSSH's default (yes)", async () => {
    const report = await scanFiles({ "m.nix": `{ ... }: { services.openssh.settings.PasswordAuthentication = null; }\n` });
    expect(summary(report, "ssh-password-authentication")).toEqual(["m.nix:1 high"]);
  });

  it.skipIf(!nixAvailable)("adds PasswordAuthentication and KbdInteractiveAuthentication = false next to the enable", async () => {
    const report = await scanFiles(HOSTS);
    const f = report.findings.find((x) => x.ruleId === "ssh-password-authentication" && x.file === "common.nix")!;
    const fixed = await applyFix(HOSTS, f);
    expect(fixed.files["common.nix"]).toContain('settings.PermitRootLogin = "yes";\n    settings.PasswordAuthentication = false;\n    settings.KbdInteractiveAuthentication = false;\n');
    expect(summary(fixed.rescan, "ssh-password-authentication")).toEqual(["old.nix:4 high [old]"]);
    // And root login drops to low everywhere it was critical through the default.
    // (one finding for every host it is now low on, web among them)
    expect(summary(fixed.rescan, "ssh-permit-root-login").some((x) => /^common\.nix:4 low \[.*\bweb\b.*\]$/.test(x))).toBe(true);
  });
});

describe("ssh-keyboard-interactive", () => {
  it("follows sshd's PAM stack: medium with passwords, low without, silent for a second factor", async () => {
    const report = await scanFiles({
      "flake.nix": flake({ pw: ["./kbd.nix"], nopw: ["./kbd.nix", "./nopw.nix"], otp: ["./kbd.nix", "./nopw.nix", "./otp.nix"], ldap: ["./kbd.nix", "./nopw.nix", "./ldap.nix"] }),
      "kbd.nix": `{ ... }: { services.openssh = { enable = true; settings.KbdInteractiveAuthentication = true; }; }
`,
      "nopw.nix": `{ ... }: { services.openssh.settings.PasswordAuthentication = false; }
`,
      "otp.nix": `{ ... }: { security.pam.services.sshd.googleAuthenticator.enable = true; }
`,
      "ldap.nix": `{ ... }: { users.ldap.enable = true; }
`,
      "old.nix": `{ ... }: { services.openssh.kbdInteractiveAuthentication = true; services.openssh.passwordAuthentication = false; }
`,
      "default.nix": `{ ... }: { services.openssh.settings.KbdInteractiveAuthentication = false; services.openssh.enable = true; }
`,
    });
    expect(summary(report, "ssh-keyboard-interactive")).toEqual(["kbd.nix:1 low [nopw]", "kbd.nix:1 medium [ldap]", "kbd.nix:1 medium [pw]"]);
    // old.nix (the pre-23.05 option names): no host imports it, so it is dead code, listed apart.
    expect(report.suppressed.filter((f) => f.ruleId === "ssh-keyboard-interactive").map((f) => `${f.file} ${f.severity} ${f.suppressedBy.kind}`)).toEqual(["old.nix low unused"]);
  });

  it("does not report the default: ssh-password-authentication covers it", async () => {
    const report = await scanFiles({ "flake.nix": flake({ h: ["./h.nix"] }), "h.nix": `{ ... }: { services.openssh.enable = true; }\n` });
    expect(summary(report, "ssh-keyboard-interactive")).toEqual([]);
    expect(summary(report, "ssh-password-authentication")).toEqual(["h.nix:1 high [h]"]);
  });
});

describe("ssh-password-authentication: what one guessed password gives", () => {
  it("is critical with passwordless sudo for wheel or a well-known default password, and says so; root's default counts only with PermitRootLogin yes", async () => {
    const report = await scanFiles({
      "flake.nix": flake({ sudo: ["./ssh.nix", "./sudo.nix"], dflt: ["./ssh.nix", "./dflt.nix"], rootonly: ["./ssh.nix", "./root.nix"], plain: ["./ssh.nix"], closed: ["./closed.nix", "./sudo.nix"] }),
      "ssh.nix": `{ services.openssh.enable = true; }\n`,
      "sudo.nix": `{ security.sudo.wheelNeedsPassword = false; }\n`,
      "dflt.nix": `{ config, ... }: {\n  users.users.root.initialPassword = "Toor";\n  users.users.admin = { isNormalUser = true; inherit (config.users.users.root) initialPassword; };\n}\n`,
      "root.nix": `{ users.users.root.initialPassword = "nixos"; users.users.me = { isNormalUser = true; initialPassword = "correct horse battery"; }; }\n`,
      "closed.nix": `{ services.openssh = { enable = true; openFirewall = false; }; }\n`,
    });
    const ssh = report.findings.filter((f) => f.ruleId === "ssh-password-authentication");
    const of = (host: string) => ssh.find((f) => f.host?.includes(host))!;
    expect(of("sudo").severity).toBe("critical");
    expect(of("sudo").message).toContain("Wheel's sudo is passwordless on host sudo");
    expect(of("dflt").severity).toBe("critical");
    expect(of("dflt").message).toContain("Account admin has a well-known default password (set at dflt.nix:3)");
    expect(of("dflt").message).not.toContain("chars)");
    expect(of("dflt").message).not.toContain("Toor");
    expect(of("dflt").message).not.toContain("root (");
    expect(of("rootonly").severity).toBe("high");
    expect(of("plain").severity).toBe("high");
    expect(of("plain").message).not.toContain("Wheel's sudo");
    // openFirewall = false is medium; passwordless sudo raises it one level.
    expect(of("closed").severity).toBe("high");
  });

  it("reports a lone module that enables sshd and gives a default password, critical; silent without one", async () => {
    const report = await scanFiles({
      "builder.nix": `{ services.openssh.enable = true; users.users.ci = { isNormalUser = true; password = "changeme"; }; }\n`,
      "other.nix": `{ services.openssh.enable = true; users.users.ci = { isNormalUser = true; password = "x9!Lq-2vT"; }; }\n`,
      "keys.nix": `{ services.openssh = { enable = true; settings.PasswordAuthentication = false; }; users.users.ci.password = "changeme"; }\n`,
    });
    expect(summary(report, "ssh-password-authentication")).toEqual(["builder.nix:1 critical"]);
  });
});
