# The units services.nix-warden generates, as plain data: builtins only, no nixpkgs, so the tests
# (test/module/) evaluate it with nix-instantiate and check the very units the module installs.
# nix/module.nix passes the option values (`cfg`), the package and the programs on PATH.
{ cfg, package, path ? [ ] }:
let
  hardening = import ./hardening.nix;

  # systemd's command-line quoting (systemd.service(5), "Command lines"): each argument in double
  # quotes, backslash and quote escaped, `%` and `$` doubled so systemd expands neither.
  quote = arg: "\"" + builtins.replaceStrings [ "\\" "\"" "%" "$" ] [ "\\\\" "\\\"" "%%" "$$" ] arg + "\"";
  commandLine = args: builtins.concatStringsSep " " (map quote args);

  optionalList = cond: xs: if cond then xs else [ ];
  metricsDir = optionalList cfg.metrics.enable [ cfg.metrics.textfileDir ];
  remediate = cfg.autoRemediate or false;
  # The drift unit's sandbox, widened by what the safe reverts need when autoRemediate is on.
  sandbox = kind:
    if kind == "drift" && remediate then
      hardening.drift // {
        CapabilityBoundingSet = hardening.drift.CapabilityBoundingSet ++ hardening.driftRemediate.capabilities;
        SystemCallFilter = hardening.drift.SystemCallFilter ++ hardening.driftRemediate.systemCallFilter;
      }
    else hardening.${kind};
  remediatePaths = kind: optionalList (kind == "drift" && remediate) hardening.driftRemediate.readWritePaths;

  runArgs = kind:
    [ "${package}/bin/nix-warden" "run" "--${kind}" "--flake" cfg.flake "--host" cfg.host
      "--output-dir" cfg.outputDir "--alert-threshold" cfg.alertThreshold ]
    ++ optionalList (kind == "drift" && remediate) [ "--auto-remediate" ]
    ++ builtins.concatMap (n: [ "--notify" n ]) cfg.notify
    ++ builtins.concatMap (d: [ "--textfile-dir" d ]) metricsDir;

  service = kind: {
    description = "nix-warden ${kind} check of ${cfg.host}";
    documentation = [ "https://github.com/nix-warden/nix-warden/blob/main/docs/nixos-module.md" ];
    after = [ "network-online.target" "nix-daemon.socket" ];
    wants = [ "network-online.target" ];
    inherit path;
    environment = {
      # nix-warden's own state and cache (plans, journals, evaluated declared states) and nix's
      # evaluation cache: under the unit's directories, not root's home (read-only here).
      NIX_WARDEN_STATE_DIR = "${cfg.outputDir}/state";
      NIX_WARDEN_CACHE_DIR = "/var/cache/nix-warden";
      XDG_CACHE_HOME = "/var/cache/nix-warden/xdg";
      NIX_WARDEN_HISTORY_DIR = cfg.outputDir;
      # The store is read-only in the sandbox: nix eval goes through the daemon, even as root.
      NIX_REMOTE = "daemon";
    };
    serviceConfig = sandbox kind // {
      Type = "oneshot";
      User = "root";
      ExecStart = commandLine (runArgs kind);
      CacheDirectory = "nix-warden";
      CacheDirectoryMode = "0700";
      ReadWritePaths = [ cfg.outputDir ] ++ metricsDir ++ remediatePaths kind;
      # A scan of a big repository or a slow evaluation: bounded, never left hanging.
      TimeoutStartSec = "1h";
      Nice = 10;
      IOSchedulingClass = "idle";
    } // (if cfg.outputDir == "/var/lib/nix-warden" then { StateDirectory = "nix-warden"; StateDirectoryMode = "0700"; } else { });
  };

  timer = kind: schedule: {
    description = "nix-warden ${kind} check (${schedule})";
    wantedBy = [ "timers.target" ];
    timerConfig = {
      OnCalendar = schedule;
      # A run missed while the machine was off happens at the next boot.
      Persistent = true;
      RandomizedDelaySec = cfg.randomizedDelay;
      Unit = "nix-warden-${kind}.service";
    };
  };

  kinds = optionalList cfg.drift.enable [ { name = "drift"; schedule = cfg.drift.schedule; } ]
    ++ optionalList cfg.security.enable [ { name = "security"; schedule = cfg.security.schedule; } ];
  forKinds = f: builtins.listToAttrs (map (k: { name = "nix-warden-${k.name}"; value = f k; }) kinds);
in
{
  services = forKinds (k: service k.name);
  timers = forKinds (k: timer k.name k.schedule);

}
