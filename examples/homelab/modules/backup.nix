{ config, lib, pkgs, ... }:
let
  # Shared by both backup units.
  commonService = {
    path = [ pkgs.restic pkgs.openssh ];
    serviceConfig = {
      Type = "oneshot";
      User = "root";
    };
  };
in
{
  config = lib.mkMerge [
    {
      systemd.services.restic-backup = commonService // {
        description = "Nightly restic backup";
        startAt = "daily";
        script = ''
          restic -r sftp:backup@offsite:/srv/restic backup /srv --password-file ${config.age.secrets.restic.path}
        '';
      };
    }
    (lib.mkIf config.services.postgresql.enable {
      systemd.services.pg-dump = {
        description = "Dump all PostgreSQL databases";
        startAt = "hourly";
        script = "${config.services.postgresql.package}/bin/pg_dumpall > /srv/backup/pg.sql";
        serviceConfig = {
          Type = "oneshot";
          User = "postgres";
          ProtectSystem = "strict";
          ReadWritePaths = [ "/srv/backup" ];
          ProtectHome = true;
          PrivateTmp = true;
          PrivateDevices = true;
          NoNewPrivileges = true;
          ProtectKernelTunables = true;
          ProtectKernelModules = true;
          ProtectControlGroups = true;
          RestrictSUIDSGID = true;
          RestrictNamespaces = true;
          LockPersonality = true;
          CapabilityBoundingSet = "";
          SystemCallArchitectures = "native";
          RestrictAddressFamilies = [ "AF_UNIX" ];
        };
      };
    })
  ];
}
