{ config, lib, pkgs, ... }:
let
  # Read at evaluation time: this lands in the world-readable Nix store.
  smtpPassword = builtins.readFile ../../secrets/smtp-password.txt;
in
{
  imports = [ ./hardware-configuration.nix ];

  networking.hostName = "nas";
  networking.firewall = {
    enable = true;
    allowedTCPPorts = [ 22 80 443 5432 9100 ];
    allowedTCPPortRanges = [ { from = 1000; to = 65000; } ];
    trustedInterfaces = [ "enp3s0" "tailscale0" ];
  };

  services.nginx = {
    enable = true;
    sslProtocols = "TLSv1 TLSv1.1 TLSv1.2";
    sslCiphers = "HIGH:!aNULL:RC4-SHA:DES-CBC3-SHA";
    virtualHosts."files.example.org" = {
      enableACME = true;
      addSSL = true;
      root = "/srv/files";
    };
  };
  security.acme.defaults.email = "admin@example.org";

  services.postgresql = {
    enable = true;
    enableTCPIP = true;
    authentication = ''
      local all all              peer
      host  all all 0.0.0.0/0    trust
    '';
  };

  services.nfs.server = {
    enable = true;
    exports = ''
      /srv/share 192.168.1.0/24(rw,sync,no_root_squash)
      /srv/media 192.168.1.0/24 (rw,sync,all_squash)
    '';
  };

  # A drop directory for the scanner's uploads, open to every local account.
  systemd.tmpfiles.rules = [ "d /srv/scans 0777 root root -" ];

  services.grafana = {
    enable = true;
    settings.security.admin_password = "Gr4fana-Adm1n-2024!";
    settings.server.http_addr = "0.0.0.0";
  };

  age.secrets.restic = {
    file = ../../secrets/restic.age;
    mode = "0644";
  };

  systemd.services.mailer = {
    description = "Sends the nightly report";
    wantedBy = [ "multi-user.target" ];
    environment.SMTP_PASSWORD = smtpPassword;
    serviceConfig = {
      ExecStart = "${pkgs.msmtp}/bin/msmtp -t";
      DynamicUser = true;
      ProtectSystem = "strict";
      ProtectHome = true;
      PrivateTmp = true;
      NoNewPrivileges = true;
    };
  };

  nixpkgs.config.permittedInsecurePackages = [ "openssl-1.1.1w" ];

  homelab.monitoring.enable = true;
  virtualisation.docker.enable = true;

  # An e-book desktop in the browser (KasmVNC): no PASSWORD set, published on every interface.
  virtualisation.oci-containers.containers.calibre = {
    image = "lscr.io/linuxserver/calibre:latest";
    ports = [ "8081:8080" ];
    volumes = [ "/srv/books:/config" ];
  };

  # The old document scanner only speaks SMB1, so the share for it turns the protocol back on.
  services.samba = {
    enable = true;
    openFirewall = true;
    settings = {
      global."server min protocol" = "NT1";
      scans = {
        path = "/srv/scans";
        "read only" = "no";
        "valid users" = "alice";
      };
    };
  };
}
