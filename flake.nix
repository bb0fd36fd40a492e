{
  description = "nix-warden: security scanning, drift detection and safe remediation for NixOS flake repositories";

  # nixpkgs only; flake.lock pins the revision.
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.11";

  outputs = { self, nixpkgs }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" ];
      forAllSystems = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
    in
    {
      packages = forAllSystems (pkgs: rec {
        nix-warden = pkgs.callPackage ./nix/package.nix { };
        default = nix-warden;
      });

      # `nix run github:<owner>/nix-warden -- scan .`
      apps = forAllSystems (pkgs: {
        default = {
          type = "app";
          program = "${self.packages.${pkgs.stdenv.hostPlatform.system}.default}/bin/nix-warden";
        };
      });

      devShells = forAllSystems (pkgs: {
        default = pkgs.mkShell {
          # node and npm for the build; nix, systemd-analyze, git and sshd for the tests.
          packages = [ pkgs.nodejs_20 pkgs.nix pkgs.systemd pkgs.git pkgs.openssh ];
        };
      });

      overlays.default = final: _prev: {
        nix-warden = final.callPackage ./nix/package.nix { };
      };

      nixosModules.default = { pkgs, lib, ... }: {
        imports = [ ./nix/module.nix ];
        services.nix-warden.package = lib.mkDefault self.packages.${pkgs.stdenv.hostPlatform.system}.default;
      };

      checks = forAllSystems (pkgs: {
        # The build fetches each npm dependency by the lock's integrity hash (importNpmLock).
        package = self.packages.${pkgs.stdenv.hostPlatform.system}.default;
        # The module end to end in a VM (needs KVM): timers, a run of each unit, history, metrics,
        # the notify hook, and systemd-analyze security of the units.
        vm-test = import ./nix/vm-test.nix { inherit pkgs self; };
      });
    };
}
