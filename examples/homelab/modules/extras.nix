# Odds and ends that accumulated on the NAS.
{ config, lib, pkgs, ... }:
let
  port = 8080;
  # Every module in ./extra, found by listing the directory.
  extraModules = map (name: ./extra + "/${name}") (builtins.attrNames (builtins.readDir ./extra));
  # An upstream module fetched while evaluating (import from derivation).
  dashboards = import "${pkgs.fetchFromGitHub {
    owner = "example";
    repo = "nix-dashboards";
    rev = "v1.2.0";
    hash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  }}/module.nix";
  ports = rec {
    # Meant the let-bound port: this is infinite recursion.
    port = port;
    metrics = port + 1;
  };
in
{
  imports = extraModules ++ [ dashboards ];

  # Builds without the sandbox, "because the vendor SDK wanted /opt".
  nix.settings.sandbox = false;

  users.users.backup = {
    isSystemUser = true;
    group = "backup";
    extraGroups = [ "docker" ];
  };
  users.groups.backup = { };

  services.nginx.virtualHosts."dash.example.org".locations."/".proxyPass = "http://127.0.0.1:${toString ports.metrics}";

  # The deploy key, copied into the (world-readable) store by interpolation.
  environment.etc."deploy/key".text = "${../secrets/deploy_ed25519}";

  nixpkgs.overlays = [
    (final: prev: {
      libxml2 = prev.libxml2.overrideAttrs (old: {
        meta = old.meta // { knownVulnerabilities = [ ]; };
      });
    })
  ];
}
