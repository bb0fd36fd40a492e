// user-plaintext-password (never showing the value), root-equivalent-group, nix-trusted-users,
// nix-sandbox-disabled.
import { describe, expect, it } from "vitest";
import { scanFiles } from "../helpers/scan.js";
import { applyFix, summary } from "../helpers/fix.js";
import { nixAvailable } from "../helpers/nix.js";
import { scanMemory } from "../helpers/memory.js";

const SECRET = "Corr3ct-Horse-Battery";

const USERS = {
  "users.nix": `{ config, ... }: {
  users.users.root.password = "${SECRET}";
  users.users.alice = {
    isNormalUser = true;
    extraGroups = [ "wheel" "docker" "libvirtd" ];
    initialPassword = "hunter2hunter2";
  };
  users.users.bob = {
    isNormalUser = true;
    extraGroups = [ "docker" "lxd" "video" ];
    initialPassword = "changeme";
    hashedPassword = "$y$j9T$abcdefghijklmnopqrstuv$abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNO12";
  };
  users.users.kiosk = { isNormalUser = true; hashedPassword = ""; password = ""; };
  users.users.locked = { isNormalUser = true; hashedPassword = "!"; };
  users.users.svc = { isSystemUser = true; group = "svc"; extraGroups = [ "wheel" "disk" ]; };
  users.users.carol.hashedPasswordFile = config.age.secrets.carol.path;
  users.users.dave.passwordFile = "/run/secrets/dave";
  users.groups.docker.members = [ "ci" ];
  users.users.ci.isSystemUser = true;
  # users.users.eve.password = "not-a-finding";
}
`,
  "docker-module.nix": `{ ... }: {
  virtualisation.docker.enable = true;
  users.users.frank.extraGroups = [ "docker" "libvirtd" ];
}
`,
};

describe("user-plaintext-password", () => {
  it("reports passwords by kind and never shows them", async () => {
    const report = await scanFiles(USERS);
    expect(summary(report, "user-plaintext-password")).toEqual([
      "users.nix:11 medium",
      "users.nix:12 low",
      "users.nix:14 high",
      "users.nix:14 medium",
      "users.nix:2 critical",
      "users.nix:6 high",
    ]);
    const json = JSON.stringify(report);
    expect(json).not.toContain(SECRET);
    expect(json).not.toContain("hunter2hunter2");
    expect(json).not.toContain("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNO12");
    const root = report.findings.find((f) => f.ruleId === "user-plaintext-password" && f.line === 2)!;
    expect(root.evidence).toBe("users.users.root.password = <redacted: Corr…ery (21 chars)>");
    const alice = report.findings.find((f) => f.ruleId === "user-plaintext-password" && f.line === 6)!;
    expect(alice.evidence).toBe("users.users.alice.initialPassword = <redacted: … (14 chars)>");
    expect(alice.message).toContain("wheel member");
    const bob = report.findings.find((f) => f.ruleId === "user-plaintext-password" && f.line === 11)!;
    expect(bob.message).toContain("placeholder");
    expect(root.fix?.safety).toBe("manual");
  });
});

describe("root-equivalent-group", () => {
  it("judges membership by who the user is", async () => {
    const report = await scanFiles(USERS);
    expect(summary(report, "root-equivalent-group")).toEqual([
      "docker-module.nix:3 low", // frank's other groups are set elsewhere; libvirtd silent
      "users.nix:10 medium", // bob: docker, declared here without wheel
      "users.nix:10 medium", // bob: lxd
      "users.nix:16 high", // svc: wheel
      "users.nix:16 high", // svc: disk
      "users.nix:19 high", // ci (system user) via users.groups.docker.members
      "users.nix:5 info", // alice: docker, already in wheel (libvirtd silent): a note
    ]);
  });

  it.skipIf(!nixAvailable)("removes the group with a patch, withheld when its context would show a password", async () => {
    const report = await scanFiles(USERS);
    const f = report.findings.find((x) => x.ruleId === "root-equivalent-group" && x.line === 16 && x.title.includes("wheel"))!;
    const fixed = await applyFix(USERS, f);
    expect(fixed.files["users.nix"]).toContain('extraGroups = [ "disk" ];');
    // alice's line is three lines from root's plaintext password: the diff's context would print it.
    const alice = report.findings.find((x) => x.ruleId === "root-equivalent-group" && x.line === 5)!;
    expect(alice.fix?.patch).toBeUndefined();
    expect(alice.fix?.description).toContain("withheld");
  });
});

describe("nix-trusted-users", () => {
  const FILES = {
    "nix.nix": `{ ... }: {
  nix.settings.trusted-users = [ "root" "@wheel" "alice" "builder" "*" ];
  users.users.alice.extraGroups = [ "wheel" ];
  nix.extraOptions = ''
    # trusted-users = mallory
    trusted-users = root @users
    sandbox = relaxed
  '';
}
`,
    "legacy.nix": `{ ... }: { nix.trustedUsers = [ "root" "carol" ]; nix.useSandbox = false; }
`,
    "darwin/nix.nix": `{ ... }: { nix.settings.trusted-users = [ "joerg" "@admin" ]; nix.settings.sandbox = false; }
`,
    "quiet.nix": `{ ... }: { nix.settings.trusted-users = [ "root" ]; nix.settings.allowed-users = [ "@users" ]; nix.settings.sandbox = true; }
`,
  };

  it("grades entries: everyone high, named users medium (low in a lone module not declaring them), admins low", async () => {
    const report = await scanFiles(FILES);
    expect(summary(report, "nix-trusted-users")).toEqual([
      "darwin/nix.nix:1 low",
      "darwin/nix.nix:1 low",
      // carol: a lone module that does not declare the account (the owner's, as judged on corpus11).
      "legacy.nix:1 low",
      "nix.nix:2 high",
      "nix.nix:2 low",
      "nix.nix:2 low",
      "nix.nix:2 medium",
      "nix.nix:6 high",
    ]);
    const line = report.findings.find((f) => f.ruleId === "nix-trusted-users" && f.line === 6)!;
    expect(line.column).toBe(5); // the extraOptions line, not the string's start
    const builder = report.findings.find((f) => f.ruleId === "nix-trusted-users" && f.message.includes('"builder"'))!;
    expect(builder.message).toContain("remote-build");
  });

  it("reports the sandbox off (low when relaxed; not on nix-darwin, where off is the default)", async () => {
    const report = await scanFiles(FILES);
    expect(summary(report, "nix-sandbox-disabled")).toEqual(["legacy.nix:1 medium", "nix.nix:7 low"]);
  });

  it.skipIf(!nixAvailable)("fixes a list entry and the sandbox with patches", async () => {
    const report = await scanFiles(FILES);
    const t = report.findings.find((x) => x.ruleId === "nix-trusted-users" && x.file === "legacy.nix")!;
    const fixed = await applyFix(FILES, t);
    expect(fixed.files["legacy.nix"]).toContain('nix.trustedUsers = [ "root" ];');
    const s = report.findings.find((x) => x.ruleId === "nix-sandbox-disabled" && x.file === "legacy.nix")!;
    const fixed2 = await applyFix(FILES, s);
    expect(fixed2.files["legacy.nix"]).toContain("nix.useSandbox = true;");
    expect(summary(fixed2.rescan, "nix-sandbox-disabled")).toEqual(["nix.nix:7 low"]);
  });
});

// mitchellh/nixos-config (lxd on no host) and ryan4yin/nix-config (docker on two hosts of twenty,
// podman with docker.enable = false elsewhere): a daemon's group is root-equivalent only on the
// hosts that run the daemon.
describe("root-equivalent-group: only on hosts running the group's daemon", () => {
  const host = (name: string, ...modules: string[]) => `nixosConfigurations.${name} = nixpkgs.lib.nixosSystem { modules = [ ./users.nix ${modules.join(" ")} ]; };`;
  const FILES = {
    "flake.nix": `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  outputs = { self, nixpkgs, ... }: {
    ${host("dock", "./dock.nix")}
    ${host("pod", "./pod.nix")}
    ${host("rootless", "./rootless.nix")}
    ${host("lxdhost", "./lxd.nix")}
    ${host("oci", "./oci.nix")}
    ${host("gated", "./containers.nix", "{ my.containers.enable = true; }")}
    ${host("gatedoff", "./containers.nix")}
    ${host("computed", "./computed.nix")}
    ${host("plain")}
  };
}
`,
    "users.nix": `{ users.users.bob = { isNormalUser = true; extraGroups = [ "docker" "lxd" "incus-admin" "libvirtd" ]; }; }\n`,
    "dock.nix": `{ virtualisation.docker.enable = true; }\n`,
    "pod.nix": `{ lib, ... }: { virtualisation.podman = { enable = true; dockerCompat = true; }; virtualisation.docker.enable = lib.mkForce false; }\n`,
    "rootless.nix": `{ virtualisation.docker.rootless = { enable = true; setSocketVariable = true; }; }\n`,
    "lxd.nix": `{ virtualisation.lxd.enable = true; virtualisation.incus.enable = true; }\n`,
    "oci.nix": `{ virtualisation.oci-containers.backend = "docker"; }\n`,
    "containers.nix": `{ config, lib, ... }: let cfg = config.my.containers; in {
  options.my.containers.enable = lib.mkEnableOption "containers";
  config = lib.mkIf cfg.enable { virtualisation.docker.enable = true; virtualisation.libvirtd.enable = true; };
}
`,
    "computed.nix": `{ config, ... }: { virtualisation.docker.enable = config.services.k3s.enable; }\n`,
  };

  it("reports each group on the hosts that enable its daemon (or may), and nowhere else", async () => {
    const report = await scanMemory(FILES);
    const by = (group: string) => [...new Set(report.findings.filter((f) => f.ruleId === "root-equivalent-group" && f.title.endsWith(` ${group}`)).flatMap((f) => f.host ?? []))].sort();
    expect(by("docker")).toEqual(["computed", "dock", "gated", "oci"]);
    expect(by("lxd")).toEqual(["lxdhost"]);
    expect(by("incus-admin")).toEqual(["lxdhost"]);
    expect(by("libvirtd")).toEqual(["gated"]);
  });
});
