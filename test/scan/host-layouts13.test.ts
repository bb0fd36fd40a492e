// Host discovery for layouts round 13 found wrong on corpus11 (issue 11, point 3), each read from
// test/fixtures/hosts/<shape>/ with look-alikes that must name no host: a clan whose `machines` set
// is computed from a folder listing (Lassulus/superconfig), a colmena hive written in its own file
// (cleverca22/nixos-configs), a host set built by an imported file from the set handed to it
// (lucasew/nixcfg), a listToAttrs over a list of names kept in an imported constants file with
// darwin names beside it (jpetrucciani/nix), a host helper taken with `inherit (myLib) mkHost;`
// (mrjones2014/dotfiles).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { SecurityReport } from "../../src/report/schema.js";
import { scanMemory } from "../helpers/memory.js";

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "hosts");

function readTree(dir: string, prefix = "", out: Record<string, string> = {}): Record<string, string> {
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) readTree(dir, rel, out);
    else out[rel] = readFileSync(join(dir, rel), "utf8");
  }
  return out;
}

const scanShape = (shape: string): Promise<SecurityReport> => scanMemory(readTree(join(FIXTURES, shape)));

/** The hosts named by the findings of `rule` in `file` (the rule must report there). */
function hostsOf(report: SecurityReport, file: string, rule: string): string[] {
  const f = report.findings.filter((x) => x.ruleId === rule && x.file === file);
  expect(f.length, `${rule} in ${file}: ${JSON.stringify(report.findings.map((x) => [x.ruleId, x.file, x.host]))}`).toBeGreaterThan(0);
  return [...new Set(f.flatMap((x) => x.host ?? []))].sort();
}

/** The hosts any finding in `file` names (none expected for a file no host imports). */
const anyHosts = (report: SecurityReport, file: string): string[] => report.findings.filter((x) => x.file === file).flatMap((x) => x.host ?? []);

describe("a clan whose machines are computed from a folder listing", () => {
  it("makes each folder holding the named file a machine, built from it and what it imports", async () => {
    const report = await scanShape("clan-computed-machines");
    // quince, the inventory's Mac, is a clan machine of its own folder (configuration.nix), as
    // clan-infra's mac is: its darwin module is its own, no NixOS machine's.
    expect([...report.hosts].sort()).toEqual(["alder", "birch", "quince"]);
    expect(hostsOf(report, "shared/base.nix", "sudo-nopasswd")).toEqual(["alder", "birch"]);
    expect(hostsOf(report, "shared/web.nix", "ssh-permit-root-login")).toEqual(["alder"]);
    expect(hostsOf(report, "machines/birch/config.nix", "nix-trusted-users")).toEqual(["birch"]);
  });

  it("look-alikes: a folder without the file is no machine; the Mac's module is the Mac's alone", async () => {
    const report = await scanShape("clan-computed-machines");
    expect(anyHosts(report, "machines/cedar/config.nix")).toEqual([]);
    expect(hostsOf(report, "shared/mac.nix", "nix-trusted-users")).toEqual(["quince"]);
    expect(anyHosts(report, "shared/unused.nix")).toEqual([]);
  });
});

describe("a colmena hive imported from its own file", () => {
  it("names the hive's nodes beside the flake's hosts, each with the modules it imports", async () => {
    const report = await scanShape("colmena-imported-hive");
    expect([...report.hosts].sort()).toEqual(["desk", "gate", "store"]);
    expect(hostsOf(report, "core.nix", "ssh-permit-root-login")).toEqual(["desk", "gate", "store"]);
    expect(hostsOf(report, "store.nix", "nfs-no-root-squash")).toEqual(["store"]);
    expect(hostsOf(report, "gate.nix", "firewall-disabled")).toEqual(["gate"]);
  });

  it("look-alike: a hive file nothing imports names no host", async () => {
    const report = await scanShape("colmena-imported-hive");
    expect(report.hosts).not.toContain("attic");
    expect(anyHosts(report, "attic.nix")).toEqual([]);
  });
});

describe("a host set built by an imported file from the set handed to it", () => {
  it("names the entries of the set, not the folders beside them", async () => {
    const report = await scanShape("imported-node-set");
    // nodes/common (a module folder) and nodes/phone (scripts) are no hosts, though the flake
    // reads a directory for its overlays.
    expect([...report.hosts].sort()).toEqual(["blue", "red"]);
    expect(hostsOf(report, "nodes/common/ssh.nix", "ssh-permit-root-login")).toEqual(["blue", "red"]);
    expect(hostsOf(report, "nodes/common/default.nix", "sudo-nopasswd")).toEqual(["blue", "red"]);
    expect(hostsOf(report, "nodes/red/default.nix", "firewall-disabled")).toEqual(["red"]);
  });

  it("places a finding on a host's declaration in the file that writes it", async () => {
    const report = await scanShape("imported-node-set");
    for (const f of report.findings.filter((x) => x.ruleId === "missing-nix-gc")) expect(f.file).toBe("flake.nix");
  });
});

describe("a listToAttrs over names kept in an imported constants file", () => {
  it("names the NixOS names with a folder, and a system a nixosSystem call builds from a host folder", async () => {
    const report = await scanShape("name-list-constants");
    expect([...report.hosts].sort()).toEqual(["elm", "image", "oak"]);
    expect(hostsOf(report, "hosts/common.nix", "sudo-nopasswd")).toEqual(["elm", "image", "oak"]);
    expect(hostsOf(report, "hosts/oak/configuration.nix", "firewall-disabled")).toEqual(["oak"]);
  });

  it("look-alikes: a darwin name, a name without a folder, a retired folder", async () => {
    const report = await scanShape("name-list-constants");
    for (const h of ["mac", "pine", "retired"]) expect(report.hosts).not.toContain(h);
    expect(anyHosts(report, "hosts/retired/configuration.nix")).toEqual([]);
    expect(anyHosts(report, "hosts/common_darwin.nix")).toEqual([]);
  });
});

describe("a host helper taken from an imported library with `inherit (myLib) mkHost;`", () => {
  it("gives every host the helper's modules, and each its own folder", async () => {
    const report = await scanShape("inherited-helper");
    expect([...report.hosts].sort()).toEqual(["kite", "wren"]);
    expect(hostsOf(report, "nixos/common.nix", "sudo-nopasswd")).toEqual(["kite", "wren"]);
    expect(hostsOf(report, "hosts/kite/default.nix", "ssh-permit-root-login")).toEqual(["kite"]);
    expect(anyHosts(report, "nixos/unused.nix")).toEqual([]);
  });
});

// drupol/infra: den hosts declared as `den.hosts.<system>.<host>` in modules import-tree loads,
// their aspects included through `provides.to-users.includes = with den.aspects; [ ... ]`.
describe("den hosts declared in den.hosts, with aspects named through `with den.aspects;`", () => {
  it("names each Linux host and gives it the aspects it reaches", async () => {
    const report = await scanShape("den-hosts");
    expect([...report.hosts].sort()).toEqual(["fern", "moss"]);
    expect(hostsOf(report, "modules/base/sudo.nix", "sudo-nopasswd")).toEqual(["fern", "moss"]);
    expect(hostsOf(report, "modules/media/default.nix", "ssh-permit-root-login")).toEqual(["fern"]);
  });

  it("look-alikes: a darwin host is none, an aspect no host includes is no host's", async () => {
    const report = await scanShape("den-hosts");
    expect(report.hosts).not.toContain("mac");
    expect(anyHosts(report, "modules/unused.nix")).toEqual([]);
  });
});

// mightyiam/infra: `nixosConfigurations = config.nixos.configurations |> lib.mapAttrs (...)`.
describe("a flake-parts option's entries piped into mapAttrs", () => {
  it("names each entry a host, made of the files writing it", async () => {
    const report = await scanShape("piped-option-entries");
    expect([...report.hosts].sort()).toEqual(["kiln", "loom"]);
    expect(hostsOf(report, "modules/shared.nix", "sudo-nopasswd")).toEqual(["kiln", "loom"]);
  });
});

// hyperparabolic/nix-config: `config.flake.modules.nixos |> filterAttrs (name: _: hasPrefix
// hostModulePrefix name) |> mapAttrs' (name: module: { name = removePrefix hostModulePrefix name;
// ... })`: the flake's NixOS modules named with the prefix are the hosts.
describe("hosts that are the flake's modules named with a prefix", () => {
  it("names each prefixed module a host without the prefix, made of what it imports", async () => {
    const report = await scanShape("prefixed-host-modules");
    expect([...report.hosts].sort()).toEqual(["sorrel", "yarrow"]);
    expect(hostsOf(report, "modules/core/sudo.nix", "sudo-nopasswd")).toEqual(["sorrel", "yarrow"]);
    expect(hostsOf(report, "modules/remote.nix", "ssh-permit-root-login")).toEqual(["sorrel"]);
  });

  it("look-alike: a module without the prefix is no host, and no host's when none imports it", async () => {
    const report = await scanShape("prefixed-host-modules");
    expect(report.hosts).not.toContain("kiosk");
    expect(anyHosts(report, "modules/kiosk.nix")).toEqual([]);
  });
});

// GaetanLepage/nix-config: `options.nixosHosts = mkOption { type = attrsOf (submodule [ ({ name,
// ... }: { modules = [ config.flake.modules.nixos.core ]; }) ]); }` gives every entry its core.
describe("modules an option's submodule type gives every host entry", () => {
  it("belong to every entry of the option", async () => {
    const report = await scanShape("option-type-modules");
    expect([...report.hosts].sort()).toEqual(["basil", "thyme"]);
    expect(hostsOf(report, "modules/core/sudo.nix", "sudo-nopasswd")).toEqual(["basil", "thyme"]);
    expect(hostsOf(report, "modules/web.nix", "ssh-permit-root-login")).toEqual(["thyme"]);
    expect(anyHosts(report, "modules/unused.nix")).toEqual([]);
  });
});

// EdenEast/nyx: host folders built by a flake-parts module whose builder adds `attrValues
// self.nixosModules` to every host's modules.
describe("the flake's exported modules a folder hosts' builder gives every host", () => {
  it("belong to every host; a module the flake does not export stays no host's", async () => {
    const report = await scanShape("builder-self-modules");
    expect([...report.hosts].sort()).toEqual(["egret", "heron"]);
    expect(hostsOf(report, "modules/base/default.nix", "sudo-nopasswd")).toEqual(["egret", "heron"]);
    expect(hostsOf(report, "hosts/egret/configuration.nix", "firewall-disabled")).toEqual(["egret"]);
    expect(anyHosts(report, "modules/extra/default.nix")).toEqual([]);
  });
});
