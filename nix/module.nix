# services.nix-warden: scheduled drift checks and security scans of this machine against its
# configuration flake, with a kept history, Prometheus metrics and notify hooks. The units
# themselves come from ./units.nix (plain data, tested without nixpkgs) with the sandbox of
# ./hardening.nix. Documentation: docs/nixos-module.md.
{ config, lib, pkgs, ... }:
let
  cfg = config.services.nix-warden;
  inherit (lib) mkEnableOption mkIf mkOption types;
  units = import ./units.nix {
    inherit cfg;
    package = cfg.package;
    # What the probes run: nix eval, git (the repository's state), systemctl and journalctl
    # (services, the shell history of changes), nft / iptables-save (the firewall).
    path = [ config.nix.package pkgs.git config.systemd.package pkgs.nftables pkgs.iptables ];
  };
  schedule = kind: default: mkOption {
    type = types.str;
    inherit default;
    example = "Mon *-*-* 04:00:00";
    description = "When the ${kind} runs: a systemd calendar expression (systemd.time(7)); a run missed while the machine was off happens at the next boot.";
  };
in
{
  options.services.nix-warden = {
    enable = mkEnableOption "nix-warden's scheduled drift checks and security scans of this machine";

    package = mkOption {
      type = types.package;
      default = pkgs.nix-warden;
      defaultText = lib.literalExpression "pkgs.nix-warden (the flake's nixosModules.default sets its own package)";
      description = "The nix-warden package.";
    };

    flake = mkOption {
      type = types.str;
      example = "/etc/nixos";
      description = "The configuration flake to compare the machine with: a local checkout (the security scan reads its files) or a flake reference (drift only).";
    };

    host = mkOption {
      type = types.str;
      default = config.networking.hostName;
      defaultText = lib.literalExpression "config.networking.hostName";
      description = "The host: nixosConfigurations.<host> of the flake.";
    };

    drift = {
      enable = mkOption {
        type = types.bool;
        default = true;
        description = "Run the drift check on a schedule.";
      };
      schedule = schedule "drift check" "daily";
    };

    security = {
      enable = mkOption {
        type = types.bool;
        default = true;
        description = "Run the security scan of the configuration repository on a schedule.";
      };
      schedule = schedule "security scan" "weekly";
    };

    randomizedDelay = mkOption {
      type = types.str;
      default = "15min";
      description = "RandomizedDelaySec of the timers: spreads the runs of a fleet.";
    };

    autoRemediate = mkOption {
      type = types.bool;
      default = false;
      description = "After each scheduled drift check, revert the drift nix-warden rates safe (an imperative package, a stray unit) by running its revert commands: journaled, undoable with `nix-warden remediate <flake> --undo <plan-id>`, never an edit of a file. Needs `flake` to be a local git checkout (plans and journals are kept for it). Widens the drift unit's sandbox a little (nix/hardening.nix, driftRemediate).";
    };

    alertThreshold = mkOption {
      type = types.enum [ "low" "medium" "high" "critical" ];
      default = "high";
      description = "The notify hooks run when a finding or drift item at or above this severity is present.";
    };

    outputDir = mkOption {
      type = types.str;
      default = "/var/lib/nix-warden";
      description = "Where reports (reports/), the history index (history.jsonl), drift-metrics.json and nix-warden.prom are kept. `nix-warden history --dir` reads it.";
    };

    metrics = {
      enable = mkOption {
        type = types.bool;
        default = false;
        description = "Also write nix-warden.prom into node_exporter's textfile directory.";
      };
      textfileDir = mkOption {
        type = types.str;
        default = "/var/lib/prometheus-node-exporter-text-files";
        description = "node_exporter's textfile collector directory (--collector.textfile.directory).";
      };
    };

    notify = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = lib.literalExpression ''[ "''${pkgs.writeShellScript "mail-admin" "mail -s nix-warden root < \"$1\""}" ]'';
      description = "Programs run with the report's path as their only argument when something at or above alertThreshold is present (no shell: a path, without arguments). NIX_WARDEN_HOST, NIX_WARDEN_KIND and NIX_WARDEN_ALERTS are set.";
    };
  };

  config = mkIf cfg.enable {
    assertions = [
      {
        assertion = !cfg.autoRemediate || cfg.drift.enable;
        message = "services.nix-warden.autoRemediate reverts what the drift check finds: enable drift.enable too.";
      }
      {
        assertion = cfg.drift.enable || cfg.security.enable;
        message = "services.nix-warden: enable at least one of drift.enable and security.enable.";
      }
      {
        assertion = builtins.all (n: builtins.match ".*[[:space:]].*" n == null && n != "") cfg.notify;
        message = "services.nix-warden.notify: each hook is a program without arguments (it gets the report path); wrap arguments in a script.";
      }
    ];

    environment.systemPackages = [ cfg.package ];
    systemd.services = units.services;
    systemd.timers = units.timers;
    # ReadWritePaths must exist when a unit starts: a custom output directory and the textfile
    # directory are created here (the default output directory is the units' StateDirectory).
    systemd.tmpfiles.rules =
      # Where a safe revert moves a stray unit file (ReadWritePaths must exist).
      lib.optional (cfg.autoRemediate && cfg.drift.enable) "d /var/lib/nix-warden/removed 0700 root root -"
      ++ lib.optional (cfg.outputDir != "/var/lib/nix-warden") "d ${cfg.outputDir} 0700 root root -"
      ++ lib.optional cfg.metrics.enable "d ${cfg.metrics.textfileDir} 0755 root root -";
  };
}
