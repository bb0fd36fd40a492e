# Settings every host shares.
{ config, lib, pkgs, ... }:
{
  nix.settings = {
    experimental-features = [ "nix-command" "flakes" ];
    # Lets alice push unsigned store paths: root-equivalent.
    trusted-users = [ "root" "alice" ];
  };

  services.openssh = {
    enable = true;
    settings.PermitRootLogin = "yes";
  };

  security.sudo.wheelNeedsPassword = false;

  users.users.alice = {
    isNormalUser = true;
    extraGroups = [ "wheel" "docker" ];
    initialPassword = "hunter2hunter2";
    openssh.authorizedKeys.keys = [
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGVeXaMpLeKeYn0tAsEcReTjUsTaPuBlIcKeY alice@workstation"
    ];
  };

  time.timeZone = "Europe/Berlin";
  system.stateVersion = "24.11";
}
