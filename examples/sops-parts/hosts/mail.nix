{ pkgs, ... }:
{
  networking.hostName = "mail";
  services.postfix.enable = true;
  # Not yet: the backup password is read from a plaintext file, so it lands in the Nix store.
  services.restic.backups.offsite = {
    repository = "sftp:backup@backup.example.org:/srv/restic/mail";
    passwordFile = toString ../secrets/restic-password;
    paths = [ "/var/lib/postfix" ];
  };
}
