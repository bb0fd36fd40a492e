// Host attribution: which nixosConfigurations include which files, read from flake.nix statically.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseNix } from "../../src/nix/index.js";
import { buildHostGraph, declaredHosts, flakeHosts, moduleReferences } from "../../src/scan/hosts.js";
import { listFiles } from "../../src/scan/discover.js";
import { withRepo } from "../helpers/scan.js";

const EXAMPLE = join(import.meta.dirname, "..", "..", "examples", "homelab");

async function graphOf(root: string) {
  const { files } = await listFiles(root);
  const trees = new Map<string, ReturnType<typeof parseNix>>();
  for (const f of files.filter((x) => x.endsWith(".nix"))) trees.set(f, parseNix(await readFile(join(root, f), "utf8"), { path: join(root, f) }));
  const flake = trees.get("flake.nix");
  const declared = flake ? flakeHosts(flake.root, "flake.nix") : [];
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
    expect(flakeHosts(parsed.root, "flake-module.nix").map((h) => h.name)).toEqual(["gamma", "delta"]);
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
});
