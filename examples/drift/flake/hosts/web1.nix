# web1: an nginx web server with a node exporter reachable over WireGuard.
{ lib, self }:
let
  inherit (lib) pkg shell service drv;
  bash = shell "bash-interactive" "5.2p26" "/bin/bash";
  nginx = pkg "nginx" "1.26.0";
  nodeExporter = pkg "node_exporter" "1.8.1";
  openssh = pkg "openssh" "9.7p1";
  nologin = "/run/current-system/sw/bin/nologin";
in {
  networking = {
    hostName = "web1";
    nameservers = [ "9.9.9.9" ];
    firewall = {
      enable = true;
      allowedTCPPorts = [ 22 80 443 ];
      allowedUDPPorts = [ ];
      allowedTCPPortRanges = [ ];
      allowedUDPPortRanges = [ ];
      trustedInterfaces = [ ];
      interfaces.wg0 = { allowedTCPPorts = [ 9100 ]; allowedUDPPorts = [ ]; allowedTCPPortRanges = [ ]; allowedUDPPortRanges = [ ]; };
    };
  };

  users = {
    mutableUsers = true;
    users = {
      root = { name = "root"; uid = 0; group = "root"; extraGroups = [ ]; isNormalUser = false; isSystemUser = false; home = "/root"; shell = bash; packages = [ ]; description = "System administrator"; };
      nobody = { name = "nobody"; uid = 65534; group = "nogroup"; extraGroups = [ ]; isNormalUser = false; isSystemUser = true; home = "/var/empty"; shell = nologin; packages = [ ]; description = "Unprivileged account (don't use!)"; };
      alice = { name = "alice"; uid = 1000; group = "users"; extraGroups = [ "wheel" ]; isNormalUser = true; isSystemUser = false; home = "/home/alice"; shell = bash; packages = [ (pkg "ripgrep" "14.1.0") ]; description = "Alice"; };
      nginx = { name = "nginx"; uid = 60; group = "nginx"; extraGroups = [ ]; isNormalUser = false; isSystemUser = true; home = "/var/empty"; shell = nologin; packages = [ ]; description = "Nginx web server user"; };
      node-exporter = { name = "node-exporter"; uid = 990; group = "node-exporter"; extraGroups = [ ]; isNormalUser = false; isSystemUser = true; home = "/var/empty"; shell = nologin; packages = [ ]; description = ""; };
    };
    groups = {
      root = { name = "root"; gid = 0; members = [ ]; };
      wheel = { name = "wheel"; gid = 1; members = [ "alice" ]; };
      users = { name = "users"; gid = 100; members = [ ]; };
      nginx = { name = "nginx"; gid = 60; members = [ ]; };
      node-exporter = { name = "node-exporter"; gid = 990; members = [ ]; };
      nogroup = { name = "nogroup"; gid = 65534; members = [ ]; };
    };
  };

  environment = {
    systemPackages = [ (pkg "git" "2.45.1") (pkg "vim" "9.1.0377") bash ];
    etc = {
      hosts = { target = "hosts"; enable = true; mode = "symlink"; };
      hostname = { target = "hostname"; enable = true; mode = "symlink"; };
      "ssh/sshd_config" = { target = "ssh/sshd_config"; enable = true; mode = "symlink"; };
      sudoers = { target = "sudoers"; enable = true; mode = "0440"; };
      "nix/nix.conf" = { target = "nix/nix.conf"; enable = true; mode = "symlink"; };
      "systemd/system" = { target = "systemd/system"; enable = true; mode = "symlink"; };
    };
  };

  systemd.services = {
    nginx = service "Nginx Web Server" [ "multi-user.target" ] {
      ExecStart = "${nginx}/bin/nginx -c /etc/nginx/nginx.conf";
      User = "nginx";
      Restart = "always";
    };
    sshd = service "SSH Daemon" [ "multi-user.target" ] {
      ExecStart = "${openssh}/bin/sshd -D -f /etc/ssh/sshd_config";
    };
    prometheus-node-exporter = service "Prometheus exporter for machine metrics" [ "multi-user.target" ] {
      ExecStart = "${nodeExporter}/bin/node_exporter --web.listen-address 127.0.0.1:9100";
      User = "node-exporter";
      DynamicUser = false;
    };
    logrotate = service "Logrotate" [ "multi-user.target" ] {
      ExecStart = "/run/current-system/sw/bin/logrotate /etc/logrotate.conf";
    };
  };

  fileSystems = {
    "/" = { mountPoint = "/"; device = "/dev/disk/by-uuid/6f1c3e52-8a0e-4d7b-9b1f-2c4d5e6f7a81"; fsType = "ext4"; options = [ "defaults" ]; };
    "/boot" = { mountPoint = "/boot"; device = "/dev/disk/by-uuid/12CE-A600"; fsType = "vfat"; options = [ "fmask=0022" "dmask=0022" ]; };
  };
  swapDevices = [ { device = "/var/swapfile"; realDevice = "/var/swapfile"; size = 2048; } ];

  boot.kernel.sysctl = { "net.ipv4.ip_forward" = 0; "kernel.kptr_restrict" = 2; };

  system = {
    configurationRevision = self.rev or "dirty";
    build.toplevel = drv "nixos-system-web1-24.05.20240601.c3f2e1d" { };
  };
}
