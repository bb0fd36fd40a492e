// Host attribution on layouts found in public configurations (issue 11, point 3; the causes the
// judged sample found): each case a layout that must name the right hosts, and a look-alike that
// must not name them.
import { describe, expect, it } from "vitest";
import { scanMemory } from "../helpers/memory.js";

const ROOT_LOGIN = `{ services.openssh.enable = true; services.openssh.settings.PermitRootLogin = "yes"; }`;
const FIREWALL_OFF = `{ networking.firewall.enable = false; services.nginx.enable = true; }`;
const PLAIN = `{ networking.hostName = "x"; }`;

const flake = (outputs: string) => `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  outputs = { self, nixpkgs, ... }@inputs: ${outputs};
}`;

/** The hosts named by `rule`'s findings in each file (files without such a finding give []). */
async function hostsByFile(files: Record<string, string>, rule = "ssh-permit-root-login") {
  const report = await scanMemory(files);
  const at = (file: string) => [...new Set(report.findings.filter((f) => f.ruleId === rule && f.file === file).flatMap((f) => f.host ?? []))].sort();
  const fired = (file: string) => report.findings.some((f) => f.ruleId === rule && f.file === file);
  return { report, at, fired };
}

describe("interpolated import paths (ryan4yin-style host files)", () => {
  // Each host is a file of its own (loaded by haumea) whose modules are strings from the root,
  // with the host's let-bound name inside: `map mylib.relativeToRoot [ "hosts/idols-${name}" ]`.
  const hostFile = (name: string, list: string, key = "${name}") => `{ inputs, mylib, ... }@args: let
    name = "${name}";
    modules = {
      nixos-modules = (map mylib.relativeToRoot [ ${list} "hosts/idols-\${name}" ]) ++ [ { x.enable = true; } ];
    };
    extra = { nixos-modules = [ { y = 1; } ] ++ modules.nixos-modules; };
  in {
    nixosConfigurations."${key}" = mylib.nixosSystem (extra // args);
  }`;
  const files = {
    "flake.nix": flake(`inputs.haumea.lib.load { src = ./outputs; inputs = { inherit inputs; }; }`),
    "outputs/src/aqua.nix": hostFile("aqua", `"modules/server.nix"`),
    "outputs/src/ruby.nix": hostFile("ruby", `"modules/server.nix"`),
    "outputs/src/desk.nix": hostFile("desk", `"modules/desktop.nix"`, "${name}-niri"),
    "modules/server.nix": `{ imports = [ ./base ]; }`,
    "modules/desktop.nix": PLAIN,
    "modules/base/default.nix": ROOT_LOGIN,
    "hosts/idols-aqua/default.nix": `{ imports = [ ./firewall.nix ]; }`,
    "hosts/idols-aqua/firewall.nix": FIREWALL_OFF,
    "hosts/idols-ruby/default.nix": PLAIN,
    "hosts/idols-desk/default.nix": PLAIN,
    // Look-alike: a host folder no host file names.
    "hosts/idols-old/default.nix": ROOT_LOGIN,
  };

  it("a base module imported through a string path names every host that lists it", async () => {
    const { report, at } = await hostsByFile(files);
    expect(report.hosts).toEqual(["aqua", "desk-niri", "ruby"]);
    expect(at("modules/base/default.nix")).toEqual(["aqua", "ruby"]);
    const fw = await hostsByFile(files, "firewall-disabled");
    expect(fw.at("hosts/idols-aqua/firewall.nix")).toEqual(["aqua"]);
  });

  it("look-alike: a host folder that no host's name fills in belongs to no host", async () => {
    const { at, fired } = await hostsByFile(files);
    expect(fired("hosts/idols-old/default.nix")).toBe(true);
    expect(at("hosts/idols-old/default.nix")).toEqual([]);
  });
});
