{ pkgs, lib, ... }:
{
  home.username = "alice";
  home.homeDirectory = "/home/alice";
  programs.git = {
    enable = true;
    userName = "Alice";
    # The token is read from a file at runtime: the right way.
    extraConfig.credential.helper = "store --file ~/.config/git/credentials";
  };
  home.packages = with pkgs; with pkgs.python3Packages; [ ripgrep requests ];
}
