# Each host is a module of the flake; nixosConfigurations builds one system per module.
{ self, inputs, ... }:
{
  flake.nixosModules = {
    mail = { imports = [ ./hosts/mail.nix ]; };
    git = { imports = [ ./hosts/git.nix ]; };
  };

  flake.nixosConfigurations = inputs.nixpkgs.lib.mapAttrs
    (name: module: inputs.nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      modules = [ module ./modules/common.nix inputs.sops-nix.nixosModules.sops ];
    })
    self.nixosModules;
}
