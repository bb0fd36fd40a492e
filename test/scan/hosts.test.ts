// Host attribution: which nixosConfigurations include which files, read from flake.nix statically.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseNix } from "../../src/nix/index.js";
import { buildHostGraph, declaredHosts, moduleReferences } from "../../src/scan/hosts.js";
import { listFiles } from "../../src/scan/discover.js";
import { clearScanCache, runScan } from "../../src/scan/index.js";
import { scanFiles, withRepo } from "../helpers/scan.js";

const EXAMPLE = join(import.meta.dirname, "..", "..", "examples", "homelab");

async function graphOf(root: string) {
  const { files } = await listFiles(root);
  const trees = new Map<string, ReturnType<typeof parseNix>>();
  for (const f of files.filter((x) => x.endsWith(".nix"))) trees.set(f, parseNix(await readFile(join(root, f), "utf8"), { path: join(root, f) }));
  const flake = trees.get("flake.nix");
  const declared = flake ? declaredHosts(flake.root, "flake.nix") : [];
  return buildHostGraph(root, declared, (f) => (trees.has(f) ? moduleReferences(root, f, trees.get(f)!.root) : []));
}

describe("host attribution", () => {
  it("follows a helper function, interpolated host paths, imports and referenced files", async () => {
    const g = await graphOf(EXAMPLE);
    expect(g.hosts.map((h) => h.name).sort()).toEqual(["laptop", "nas", "workstation"]);
    const nas = [...g.hosts.find((h) => h.name === "nas")!.files].sort();
    expect(nas).toEqual(
      expect.arrayContaining([
        "flake.nix",
        "hosts/nas/default.nix",
        "hosts/nas/hardware-configuration.nix",
        "modules/common.nix",
        "modules/monitoring.nix",
        "modules/backup.nix",
        "secrets/smtp-password.txt",
        "secrets/restic.age",
      ]),
    );
    expect(nas).not.toContain("hosts/laptop/default.nix");
    expect(g.hostsOf("modules/common.nix")).toEqual(["laptop", "nas", "workstation"]);
    expect(g.hostsOf("home/alice.nix")).toEqual(["workstation"]);
    expect(g.hostsOf("hosts/laptop/default.nix")).toEqual(["laptop"]);
    expect(g.hostsOf("tests/web.nix")).toEqual([]);
  });

  it("handles `nixosConfigurations.<name> = ...` and `let` lists of modules", async () => {
    await withRepo(
      {
        "flake.nix": `{
          inputs.nixpkgs.url = "github:NixOS/nixpkgs";
          outputs = { self, nixpkgs }: let shared = [ ./common.nix ]; in {
            nixosConfigurations.alpha = nixpkgs.lib.nixosSystem { modules = shared ++ [ ./alpha.nix ]; };
            nixosConfigurations.beta = nixpkgs.lib.nixosSystem { modules = shared ++ [ ./beta ]; };
          };
        }`,
        "common.nix": "{ imports = [ ./sub/extra.nix ]; }",
        "sub/extra.nix": "{ }",
        "alpha.nix": "{ }",
        "beta/default.nix": "{ }",
        "unused.nix": "{ }",
      },
      async (root) => {
        const g = await graphOf(root);
        expect(g.hostsOf("sub/extra.nix")).toEqual(["alpha", "beta"]);
        expect(g.hostsOf("beta/default.nix")).toEqual(["beta"]);
        expect(g.hostsOf("unused.nix")).toEqual([]);
      },
    );
  });

  it("takes no host's arguments for hosts when nixosConfigurations is computed, and keeps the names a helper is given", () => {
    const parsed = parseNix(`{ inputs, lib, ... }: {
      flake.nixosConfigurations = builtins.mapAttrs (
        _name: value:
        inputs.nixpkgs.lib.nixosSystem {
          inherit lib;
          system = "x86_64-linux";
          specialArgs = { inherit inputs; };
          modules = [ value ];
          extraModules = [ ];
        }
      ) (importConfig ./hosts);
      other.nixosConfigurations = mkHosts { gamma = ./gamma.nix; delta = ./delta.nix; };
    }`);
    expect(declaredHosts(parsed.root, "flake-module.nix").map((h) => h.name)).toEqual(["gamma", "delta"]);
  });

  it("names the hosts of a set computed from a directory (readDir, also inside a let-bound helper)", () => {
    const parsed = parseNix(`{ inputs, lib, ... }: {
      flake = let
        importConfig = path: lib.mapAttrs (name: _: import (path + "/\${name}/default.nix")) (lib.filterAttrs (_: v: v == "directory") (builtins.readDir path));
      in {
        nixosConfigurations = builtins.mapAttrs (_name: value: inputs.nixpkgs.lib.nixosSystem { modules = [ value ]; }) (importConfig ./hosts);
      };
      # Not read from a directory: a path argument alone names no hosts.
      other.nixosConfigurations = mkHosts ./machines;
    }`);
    const files = new Set(["infra/hosts/caliban/default.nix", "infra/hosts/umbriel/default.nix", "infra/hosts/umbriel/disk.nix", "infra/hosts/README.nix", "infra/machines/x/default.nix"]);
    const hosts = declaredHosts(parsed.root, "infra/flake-module.nix", files);
    expect(hosts.map((h) => [h.name, [...h.files], h.source])).toEqual([
      ["caliban", ["infra/hosts/caliban/default.nix"], "directory"],
      ["umbriel", ["infra/hosts/umbriel/default.nix"], "directory"],
    ]);
  });

  it("names the hosts of mapAttrs over a set it can read (a literal, a let-bound set, self.<output> defined in the file) and of genAttrs over a list of names", () => {
    const parsed = parseNix(`{ self, inputs, ... }:
let
  nixosSystem = args: inputs.nixpkgs.lib.nixosSystem args;
  common = [ ./modules/common.nix ];
  linuxSystems = [ "x86_64-linux" "aarch64-linux" ];
in
{
  flake.nixosModules = {
    rose = { imports = common ++ [ ./hosts/rose.nix ]; };
    amy = { imports = common ++ [ ./hosts/amy.nix ]; };
  };
  flake.nixosConfigurations = inputs.nixpkgs.lib.mapAttrs (name: module: nixosSystem { modules = [ module ./modules/shared.nix ]; }) self.nixosModules // {
    iso = nixosSystem { modules = [ ./iso.nix ]; };
  };
  other.nixosConfigurations = inputs.nixpkgs.lib.genAttrs linuxSystems (system: nixosSystem { inherit system; modules = [ ./hosts/nixos ]; });
}`);
    const hosts = declaredHosts(parsed.root, "configurations.nix");
    expect(hosts.map((h) => [h.name, [...h.files].sort(), h.source])).toEqual([
      ["rose", ["hosts/rose.nix", "modules/common.nix", "modules/shared.nix"], "flake"],
      ["amy", ["hosts/amy.nix", "modules/common.nix", "modules/shared.nix"], "flake"],
      ["iso", ["iso.nix"], "flake"],
      ["x86_64-linux", ["hosts/nixos"], "flake"],
      ["aarch64-linux", ["hosts/nixos"], "flake"],
    ]);
  });

  it("names the hosts of genAttrs over a directory listing bound in a let, and reads no host from a helper's own arguments or an import's", () => {
    const parsed = parseNix(`{ inputs, ... }: {
  flake = { config, lib, ... }:
    let
      mkHost = { minimal }: name: inputs.nixpkgs.lib.nixosSystem { modules = [ ../hosts/\${name} ]; };
      hosts = builtins.attrNames (lib.filterAttrs (_: type: type == "directory") (builtins.readDir ../hosts));
    in {
      nixosConfigurations = lib.genAttrs hosts (mkHost { minimal = false; });
      imported.nixosConfigurations = import ./machines { inherit inputs; lib = lib; };
    };
}`);
    const files = new Set(["hosts/ward/default.nix", "hosts/sire/default.nix", "hosts/sire/net.nix", "flake/hosts.nix"]);
    expect(declaredHosts(parsed.root, "flake/hosts.nix", files).map((h) => [h.name, h.source])).toEqual([
      ["ward", "directory"],
      ["sire", "directory"],
    ]);
  });

  it("keeps a nested flake's hosts apart from the repository's, named <dir>#<host>", async () => {
    const flakeWith = (module: string) => `{\n  outputs = { nixpkgs, ... }: {\n    nixosConfigurations.ghost = nixpkgs.lib.nixosSystem { modules = [ ${module} ]; };\n  };\n}\n`;
    const report = await scanFiles({
      "flake.nix": flakeWith("./hosts/ghost.nix"),
      "hosts/ghost.nix": '{ ... }: {\n  services.openssh.enable = true;\n  services.openssh.settings.PasswordAuthentication = false;\n  services.openssh.settings.KbdInteractiveAuthentication = false;\n}\n',
      // The installer is its own flake; its `ghost` is another configuration.
      "installer/flake.nix": flakeWith("./minimal.nix"),
      "installer/minimal.nix": '{ ... }: {\n  services.openssh.enable = true;\n  services.openssh.settings.PermitRootLogin = "yes";\n}\n',
    });
    expect(report.hosts).toEqual(["ghost", "installer#ghost"]);
    const root = report.findings.find((f) => f.ruleId === "ssh-permit-root-login");
    expect([root?.file, root?.host]).toEqual(["installer/minimal.nix", ["installer#ghost"]]);
    // The repository's ghost hardened sshd: nothing of the installer's sshd is put on it.
    expect(report.findings.filter((f) => f.host?.includes("ghost") && f.ruleId.startsWith("ssh-"))).toEqual([]);
  });

  it("follows a host helper defined in another file (libx = import ./lib { ... }; libx.mkHost { ... }), and redoes it when that file changes", async () => {
    const FLAKE = `{
  outputs = { self, nixpkgs, ... }@inputs:
    let libx = import ./lib { inherit inputs; };
    in {
      nixosConfigurations.kara = libx.mkHost { hostname = "kara"; };
      nixosConfigurations.thor = libx.mkHost { hostname = "thor"; };
    };
}
`;
    const LIB = `{ inputs, ... }:
let helpers = import ./helpers.nix { inherit inputs; };
in { inherit (helpers) mkHost; }
`;
    const helpers = (modules: string) => `{ inputs }:
{
  mkHost = { hostname, desktop ? null }: inputs.nixpkgs.lib.nixosSystem {
    specialArgs = { inherit hostname; };
    modules = [ ${modules} ];
  };
}
`;
    await withRepo(
      {
        "flake.nix": FLAKE,
        "lib/default.nix": LIB,
        "lib/helpers.nix": helpers("../host ../machines/${hostname}.nix"),
        "host/default.nix": "{ ... }: {\n  imports = [ ./common.nix ];\n}\n",
        "host/common.nix": "{ ... }: {\n  networking.firewall.enable = false;\n}\n",
        "machines/kara.nix": "{ ... }: {\n  services.openssh.enable = true;\n}\n",
        "machines/thor.nix": "{ ... }: { }\n",
      },
      async (root) => {
        clearScanCache();
        const hostsOf = async (file: string) => (await runScan({ root, quick: true })).findings.filter((f) => f.file === file).map((f) => [f.ruleId, f.host]);
        expect(await hostsOf("host/common.nix")).toEqual([
          ["firewall-disabled", ["kara"]],
          ["firewall-disabled", ["thor"]],
        ]);
        // kara runs sshd (machines/kara.nix), so its finding is high and thor's medium: two findings.
        const report = await runScan({ root, quick: true });
        expect(report.findings.filter((f) => f.ruleId === "firewall-disabled").map((f) => [f.severity, f.host])).toEqual([
          ["high", ["kara"]],
          ["medium", ["thor"]],
        ]);
        // The helper stops including the machines' own modules: the same process sees it.
        await writeFile(join(root, "lib/helpers.nix"), helpers("../host"));
        const after = await runScan({ root, quick: true });
        expect(after.findings.filter((f) => f.ruleId === "firewall-disabled").map((f) => [f.severity, f.host])).toEqual([["medium", ["kara", "thor"]]]);
      },
    );
  });

  it("resolves module paths that depend on the host (./${hostname}/x.nix, ./. + \"/${hostname}.nix\", ${config.networking.hostName}) for each host", async () => {
    const report = await scanFiles({
      "flake.nix": `{
  outputs = { nixpkgs, ... }:
    let
      mkHost = hostname: nixpkgs.lib.nixosSystem {
        specialArgs = { inherit hostname; role = "server"; };
        modules = [ ./host ];
      };
    in {
      nixosConfigurations.kara = mkHost "kara";
      nixosConfigurations.thor = mkHost "thor";
    };
}
`,
      "host/default.nix": `{ hostname, role, config, ... }: {
  imports = [
    (./. + "/\${hostname}/boot.nix")
    ./\${role}.nix
  ] ++ [ ../machines/\${config.networking.hostName}.nix ];
}
`,
      "host/server.nix": "{ ... }: {\n  nix.settings.trusted-users = [ \"deploy\" ];\n}\n",
      "host/kara/boot.nix": "{ ... }: {\n  networking.firewall.enable = false;\n}\n",
      "host/thor/boot.nix": "{ ... }: { }\n",
      "machines/thor.nix": "{ ... }: {\n  services.openssh.settings.PermitRootLogin = \"yes\";\n  services.openssh.enable = true;\n}\n",
      "machines/kara.nix": "{ ... }: { }\n",
    });
    const at = (file: string) => report.findings.filter((f) => f.file === file).map((f) => [f.ruleId, f.host]);
    expect(at("host/kara/boot.nix")).toEqual([["firewall-disabled", ["kara"]]]);
    expect(at("machines/thor.nix")).toContainEqual(["ssh-permit-root-login", ["thor"]]);
    expect(at("host/server.nix")).toEqual([["nix-trusted-users", ["kara", "thor"]]]);
  });

  it("judges each host of a flake-parts module by its own declaration, not its neighbours'", async () => {
    const report = await scanFiles({
      "flake.nix": "{\n  outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } { imports = [ ./configurations.nix ]; };\n}\n",
      "configurations.nix": `{ self, inputs, ... }:
{
  flake.nixosModules = {
    # srvos's server profile turns password logins off for this host only.
    hardened = { imports = [ inputs.srvos.nixosModules.server ]; services.openssh.enable = true; };
    plain = { services.openssh.enable = true; };
  };
  flake.nixosConfigurations = inputs.nixpkgs.lib.mapAttrs (name: module: inputs.nixpkgs.lib.nixosSystem { modules = [ module ]; }) self.nixosModules;
}
`,
    });
    expect(report.hosts).toEqual(["hardened", "plain"]);
    expect(report.findings.filter((f) => f.ruleId === "ssh-password-authentication").map((f) => [f.line, f.host])).toEqual([[6, ["plain"]]]);
  });
});
