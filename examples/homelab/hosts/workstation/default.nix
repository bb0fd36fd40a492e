{ config, lib, pkgs, ... }:
{
  networking.hostName = "workstation";
  virtualisation.docker.enable = true;

  environment.variables = {
    EDITOR = "nvim";
    GITHUB_TOKEN = "ghp_R8mZpX2vQ7tLk4sWn9cY3bHj6dFa1eGu5oKi";
  };

  environment.systemPackages = with pkgs; [ git neovim firefox ];

  services.xserver.enable = true;
  system.stateVersion = lib.mkForce "24.11";
}
