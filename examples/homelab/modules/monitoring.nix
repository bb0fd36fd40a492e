{ config, lib, pkgs, ... }:
with lib;
let
  cfg = config.homelab.monitoring;
  exporters = rec {
    port = 9100;
    node = { inherit port; };
  };
in
{
  options.homelab.monitoring = {
    enable = mkEnableOption "metrics for the homelab";
    retention = mkOption {
      type = types.str;
      default = "30d";
    };
    scrapeTargets = mkOption {
      type = types.str;
      default = "";
      description = "Extra scrape targets, one per line.";
    };
  };

  config = mkIf cfg.enable {
    services.prometheus = {
      enable = true;
      retentionTime = cfg.retention;
      exporters.node = {
        enable = true;
        port = exporters.node.port;
        openFirewall = true;
      };
    };
    services.prometheus.alertmanager.enable = mkIf cfg.enable true;
    environment.etc."prometheus/extra.yml".source = builtins.fetchurl https://example.org/prometheus/extra.yml;
  };
}
