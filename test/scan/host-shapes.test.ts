// Host attribution for repository shapes read from test/fixtures/hosts/<shape>/ (issue 11,
// point 3): each fixture reproduces a layout whose hosts were missed, with look-alikes (a module
// no host imports, a system built outside the host set) that must name no host or fewer hosts.
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

async function scanShape(shape: string): Promise<SecurityReport> {
  return scanMemory(readTree(join(FIXTURES, shape)));
}

/** The hosts named by the findings of `rule` in `file` (the rule must report there). */
function hostsOf(report: SecurityReport, file: string, rule: string): string[] {
  const f = report.findings.filter((x) => x.ruleId === rule && x.file === file);
  expect(f.length, `${rule} in ${file}: ${JSON.stringify(report.findings.map((x) => [x.ruleId, x.file, x.host]))}`).toBeGreaterThan(0);
  return [...new Set(f.flatMap((x) => x.host ?? []))].sort();
}

describe("host sets merged from sets of sets", () => {
  it("reads mapAttrs over foldl' (a // b) of attrValues, a helper's `defaults // given`, and `inherit nixosConfigurations`", async () => {
    const report = await scanShape("folded-host-sets");
    // The image built with the same helper outside nixosConfigurations is no host.
    expect([...report.hosts].sort()).toEqual(["alder", "birch", "setup-arm"]);
    // A shared mixin reached through profiles by every host, whichever entry module the host's
    // set names (the helper's default `./hosts/${name}/configuration.nix` or its own).
    expect(hostsOf(report, "mixins/common.nix", "sudo-nopasswd")).toEqual(["alder", "birch", "setup-arm"]);
    // A file of images/ that a host of the set is built from names that host.
    expect(hostsOf(report, "images/setup/common.nix", "mkforce-habit")).toEqual(["setup-arm"]);
    // A module of a host's folder that nothing imports, and the image's own entry, name no host.
    for (const file of ["hosts/birch/unused.nix", "images/setup/iso.nix"]) expect(report.findings.filter((x) => x.file === file).flatMap((x) => x.host ?? [])).toEqual([]);
  });
});

describe("a deployment network that is not a flake", () => {
  it("names the nodes with a configuration, gives each the defaults' modules, and reads a file's chain of listing helpers", async () => {
    const report = await scanShape("deploy-network");
    // The NixOS test's machine (a module, no configuration) is no host.
    expect([...report.hosts].sort()).toEqual(["east", "north", "south"]);
    // Imported by the defaults' configuration, through `imports = modules ./.` whose helpers list
    // the folder recursively: every node.
    expect(hostsOf(report, "sys/features/admin.nix", "sudo-nopasswd")).toEqual(["east", "north", "south"]);
    // Gated on an option only north and east turn on.
    expect(hostsOf(report, "sys/features/extra/remote.nix", "ssh-permit-root-login")).toEqual(["east", "north"]);
    // Left out by the listing's `! hasPrefix "extra/widget/"` filter; a path of a network module
    // (not of a node's configuration).
    for (const file of ["sys/features/extra/widget/default.nix", "sys/image.nix"]) expect(report.findings.filter((x) => x.file === file).flatMap((x) => x.host ?? [])).toEqual([]);
  });
});

describe("a function called for each folder of a directory", () => {
  it("names a host per folder when the function's result (through the repository's helpers) declares nixosConfigurations.<folder>", async () => {
    const report = await scanShape("folder-mapper");
    // machines/mac/ is mapped to darwinConfigurations: no NixOS host.
    expect([...report.hosts].sort()).toEqual(["oak", "pine"]);
    // `self.outputs.nixosModules.default`, which every system of the helper gets.
    expect(hostsOf(report, "modules/nixos/admin.nix", "sudo-nopasswd")).toEqual(["oak", "pine"]);
    // The folder given as the entry module (`./machines/linux/${name}`, read where it is written,
    // not in lib/) turns the server on for oak only.
    expect(hostsOf(report, "modules/nixos/server.nix", "ssh-permit-root-login")).toEqual(["oak"]);
    expect(report.findings.filter((x) => x.file === "modules/darwin/default.nix").flatMap((x) => x.host ?? [])).toEqual([]);
  });
});

describe("packages of an overlay", () => {
  it("names the hosts that install a package, not every host that applies the overlay", async () => {
    const report = await scanShape("overlay-packages");
    const of = (file: string) => hostsOf(report, file, "unquoted-url");
    expect(of("pkgs/alpha/default.nix")).toEqual(["red"]); // `with pkgs; [ alpha ]`
    expect(of("pkgs/beta/default.nix")).toEqual(["blue"]); // `pkgs.mine.beta`, a nested set
    expect(of("pkgs/gamma/default.nix")).toEqual([]); // installed by no host
    // Look-alikes: a let-bound callPackage a module installs itself, and a package set the host
    // imports as a value (not an overlay it applies): the host's, as before.
    expect(of("local/tool.nix")).toEqual(["blue"]);
    expect(of("extra/delta.nix")).toEqual(["blue"]);
  });
});

describe("a host set from listToAttrs over a directory's entries", () => {
  it("keeps the entries whose pathExists conditions hold, reads each element's name and value, and does not take the listed entries for modules", async () => {
    const report = await scanShape("name-value-list");
    // fir has no disks.nix: the condition leaves it out.
    expect([...report.hosts].sort()).toEqual(["ash", "elm", "yew"]);
    expect(hostsOf(report, "common/default.nix", "sudo-nopasswd")).toEqual(["ash", "elm", "yew"]);
    expect(hostsOf(report, "machines/ash/default.nix", "ssh-permit-root-login")).toEqual(["ash"]);
    expect(report.findings.filter((x) => x.file === "machines/fir/default.nix").flatMap((x) => x.host ?? [])).toEqual([]);
  });
});

// thiagokokada/nix-configs (a sway option whose default is computed from `device.type`, one host
// getting it in a specialisation), ncfavier/config (`mkIf config.<x>.isServer`, `optionalAttrs
// (!isServer)`): gates that are per-host values, read from the hosts' own settings and the options'
// declared defaults.
describe("gates that are per-host values", () => {
  it("names the hosts whose value makes the gate true: a computed default, a setting by hand, a specialisation", async () => {
    const report = await scanShape("value-gates");
    expect([...report.hosts].sort()).toEqual(["elm", "fern", "ivy", "moss", "oak"]);
    // box.compositor.enable defaults to box.panel.enable, which defaults to kind being workstation
    // or notebook: oak (workstation); not elm (a notebook that turns the panel off), not fern/moss
    // (racks, fern by the option's default); ivy is a console whose specialisation is a workstation.
    expect(hostsOf(report, "modules/compositor.nix", "mkif-trivial")).toEqual(["ivy", "oak"]);
    // `mkIf config.box.isServer`: the servers, one set in a nested set and one by a dotted path.
    expect(hostsOf(report, "modules/relay.nix", "ssh-permit-root-login")).toEqual(["fern", "moss"]);
    // `optionalAttrs (!box.isServer)` through `box = config.box`: the others (ivy's mkDefault false,
    // elm by the default).
    expect(hostsOf(report, "modules/mirror.nix", "firewall-disabled")).toEqual(["elm", "ivy", "oak"]);
  });

  it("look-alike: a value one host sets from something not read statically keeps every host", async () => {
    const report = await scanShape("value-gates");
    expect(hostsOf(report, "modules/guess.nix", "sudo-nopasswd")).toEqual(["elm", "fern", "ivy", "moss", "oak"]);
  });
});

describe("per-host value gates: look-alikes that keep every host", () => {
  const flake = `{ inputs.nixpkgs.url = "github:NixOS/nixpkgs"; outputs = { nixpkgs, ... }: {
    nixosConfigurations.a = nixpkgs.lib.nixosSystem { modules = [ ./relay.nix ./a.nix ]; };
    nixosConfigurations.b = nixpkgs.lib.nixosSystem { modules = [ ./relay.nix ./b.nix ]; };
  }; }`;
  const relay = `{ config, lib, ... }: {
    options.role.isServer = lib.mkOption { type = lib.types.bool; default = false; };
    config = lib.mkIf config.role.isServer { services.openssh.enable = true; services.openssh.settings.PermitRootLogin = "yes"; };
  }`;
  for (const [what, b] of [
    ["a setting behind a condition that cannot be told", `{ lib, ... }: { config = lib.mkIf (builtins.pathExists ./x) { role.isServer = true; }; }`],
    ["a set of the option written by a name computed at run time", `{ lib, ... }: let k = "isServer"; in { role.\${k} = true; }`],
    ["the option's set written whole from elsewhere", `{ lib, ... }: { role = import ./role.nix; }`],
  ] as const) {
    it(`${what}: both hosts`, async () => {
      const report = await scanMemory({ "flake.nix": flake, "relay.nix": relay, "a.nix": `{ role.isServer = true; }`, "b.nix": b, "role.nix": `{ isServer = true; }` });
      expect(hostsOf(report, "relay.nix", "ssh-permit-root-login")).toEqual(["a", "b"]);
    });
  }
  it("both known: only the server", async () => {
    const report = await scanMemory({ "flake.nix": flake, "relay.nix": relay, "a.nix": `{ role.isServer = true; }`, "b.nix": `{ role.isServer = false; }` });
    expect(hostsOf(report, "relay.nix", "ssh-permit-root-login")).toEqual(["a"]);
  });
});

// cole-h/nixos-config (judged: the folder `nixos` of hosts/nixos/ was reported as a host): the
// flake maps the set a machines file returns, and that file maps its own set with `flip`, each
// entry's modules naming `./. + "/${own}/configuration.nix"`, `own` an entry's `machine` or its key.
describe("a host set mapped twice (mapAttrs over an imported file's mapAttrs)", () => {
  it("names the entries of the inner set, each made of its own configuration, not the folder", async () => {
    const report = await scanShape("nested-host-set");
    expect([...report.hosts].sort()).toEqual(["fir", "rescue", "yew"]);
    // fir's configuration: fir, and rescue, which builds fir's configuration.
    expect(hostsOf(report, "machines/linux/fir/configuration.nix", "ssh-password-authentication")).toEqual(["fir", "rescue"]);
    // Shared modules of the inner function: every machine.
    expect(hostsOf(report, "machines/common/default.nix", "sudo-nopasswd")).toEqual(["fir", "rescue", "yew"]);
    // fir's own extraModules: fir only (the helper's `inherit modules;` is the list made for it).
    expect(hostsOf(report, "machines/extra/default.nix", "ssh-permit-root-login")).toEqual(["fir"]);
    // A module gated on an option only yew turns on.
    expect(hostsOf(report, "machines/linux/_mods/default.nix", "firewall-disabled")).toEqual(["yew"]);
    // sshd is on in yew without PasswordAuthentication: a host check, reported now that yew is known.
    expect(hostsOf(report, "machines/linux/yew/configuration.nix", "ssh-password-authentication")).toEqual(["yew"]);
  });
});

// wiltaylor/dotfiles (sshd on every host through `services.openssh.enable = cfg.sshd.enable;`, the
// repository's own option declared `default = true` and set by no host; judged missed): a host's
// value of such an option is its declared default, or the literal a file of the host sets.
describe("settings that read the repository's own options", () => {
  it("take the host's value: the declared default where no file of the host sets it, else the host's literal", async () => {
    const report = await scanShape("own-option-values");
    // The hosts' modules come from the helper's default argument (`modules ? [ ../parts ]`) in a
    // helper file whose set is inside `with builtins;`.
    expect([...report.hosts].sort()).toEqual(["blue", "green", "red"]);
    // red: on by the default (PasswordAuthentication left at NixOS's default); blue turns it off;
    // green sets it from something not read, so nothing is concluded there.
    expect(hostsOf(report, "parts/access.nix", "ssh-password-authentication")).toEqual(["red"]);
    const f = report.findings.find((x) => x.ruleId === "ssh-password-authentication" && x.file === "parts/access.nix")!;
    expect(f.message).toContain("services.openssh.enable = cfg.sshd.enable, and site.access.sshd.enable = true, the default its declaration in parts/access.nix:8 gives, which no file of host red sets");
    // A look-alike: X11Forwarding from an option declared off that no host sets is off.
    expect(report.findings.filter((x) => x.ruleId === "ssh-x11-forwarding")).toEqual([]);
  });
});

// A flake-parts flake whose hosts take modules of its own `flake.nixosModules` (defined in
// flake-parts modules imported through a folder): `with inputs.self.nixosModules; [ ... ]` in a
// let-bound list every host gets, `config.flake.nixosModules.x`, a set, `flake.nixosModules.x =
// ./x.nix` and `mapAttrs'` over `readDir`.
describe("modules a flake-parts flake exports as flake.nixosModules", () => {
  it("names every host of a shared `with inputs.self.nixosModules; [ ... ]` list, and a host's own exported module for that host", async () => {
    const report = await scanShape("flake-parts-exports");
    expect([...report.hosts].sort()).toEqual(["ash", "elm", "oak"]);
    expect(hostsOf(report, "features/baseline.nix", "nix-trusted-users")).toEqual(["ash", "elm", "oak"]);
    expect(hostsOf(report, "features/admins.nix", "sudo-nopasswd")).toEqual(["ash", "elm", "oak"]);
    // `config.flake.nixosModules.webserver`, a binding of its own; `with ...; [ role-builder ]`
    // from the readDir listing.
    expect(hostsOf(report, "features/webserver.nix", "ssh-permit-root-login")).toEqual(["oak"]);
    expect(hostsOf(report, "roles/builder.nix", "ssh-permit-root-login")).toEqual(["elm"]);
    // Exported but taken by no host.
    for (const file of ["features/spare.nix", "roles/unused.nix"]) expect(report.findings.filter((x) => x.file === file).flatMap((x) => x.host ?? [])).toEqual([]);
  });
});
