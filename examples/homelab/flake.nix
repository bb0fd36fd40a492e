{
  description = "Example homelab: a NAS, a workstation and a laptop (nix-warden demo; intentionally insecure)";

  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.11";
    agenix.url = "github:ryantm/agenix";
    home-manager.url = "github:nix-community/home-manager/release-24.11";
  };

  outputs = { self, nixpkgs, agenix, home-manager, ... }:
    let
      mkHost = name: extraModules:
        nixpkgs.lib.nixosSystem {
          system = "x86_64-linux";
          modules = [
            ./modules/common.nix
            ./hosts/${name}
            agenix.nixosModules.default
          ] ++ extraModules;
        };
    in
    {
      nixosConfigurations = {
        nas = mkHost "nas" [ ./modules/monitoring.nix ./modules/backup.nix ./modules/extras.nix ];
        workstation = mkHost "workstation" [
          home-manager.nixosModules.home-manager
          { home-manager.users.alice = import ./home/alice.nix; }
        ];
        # nix-warden: ignore missing-nix-gc -- the laptop collects garbage by hand before travel
        laptop = nixpkgs.lib.nixosSystem {
          system = "x86_64-linux";
          modules = [
            ./modules/common.nix
            ./hosts/laptop
            ({ pkgs, ... }: {
              # Inline module: a quick hack that stayed.
              services.openssh.settings.KbdInteractiveAuthentication = true;
            })
          ];
        };
      };

      checks.x86_64-linux.web = import ./tests/web.nix { pkgs = nixpkgs.legacyPackages.x86_64-linux; };
      packages.x86_64-linux.backup-tool = nixpkgs.legacyPackages.x86_64-linux.callPackage ./pkgs/backup-tool.nix { };
    };
}
