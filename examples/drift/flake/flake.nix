# Example configuration repository for `nix-warden drift` (used by `npm run demo` and the tests).
#
# A self-contained stand-in for `nixpkgs.lib.nixosSystem`: no inputs and no network, so it
# evaluates anywhere Nix runs. Each nixosConfigurations.<host> is an attrset { config = ...; }
# shaped like an evaluated NixOS configuration (the option paths and value shapes nixpkgs
# produces: users.users.<n>.packages are derivations, swapDevices is a list of submodules,
# environment.etc.<n> has target/enable/mode, system.build.toplevel is a derivation). A real
# repository would have `nixosConfigurations.web1 = nixpkgs.lib.nixosSystem { ... }` instead; the
# drift check evaluates both the same way.
{
  outputs = { self }:
    let
      lib = import ./lib.nix;
    in {
      nixosConfigurations.web1 = { config = import ./hosts/web1.nix { inherit lib self; }; };
    };
}
