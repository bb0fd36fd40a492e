# The NixOS module end to end, in a VM (`nix flake check` or `nix build .#checks.x86_64-linux.vm-test`
# on a machine with KVM): the timers are installed, each unit runs as the timer would start it,
# the history, drift-metrics.json and the Prometheus textfile are written, the notify hook fires,
# `nix-warden history` shows the runs, and systemd-analyze rates both units OK or better.
{ pkgs, self }:
let
  # The example configuration (examples/drift/flake) evaluates offline: no flake inputs.
  exampleFlake = ../examples/drift/flake;
  notifyHook = pkgs.writeShellScript "nix-warden-notify-test" ''
    echo "$1" >> /var/lib/nix-warden/notified
  '';
in
pkgs.testers.runNixOSTest {
  name = "nix-warden";

  nodes.machine = { ... }: {
    imports = [ self.nixosModules.default ];
    networking.hostName = "web1";
    nix.settings.experimental-features = [ "nix-command" "flakes" ];
    environment.etc."nixos-config".source = exampleFlake;
    services.prometheus.exporters.node = {
      enable = true;
      enabledCollectors = [ "textfile" ];
      extraFlags = [ "--collector.textfile.directory=/var/lib/prometheus-node-exporter-text-files" ];
    };
    services.nix-warden = {
      enable = true;
      flake = "/etc/nixos-config";
      host = "web1";
      alertThreshold = "medium";
      notify = [ "${notifyHook}" ];
      metrics.enable = true;
    };
  };

  testScript = ''
    machine.wait_for_unit("multi-user.target")
    machine.succeed("systemctl list-timers --all | grep -q nix-warden-drift.timer")
    machine.succeed("systemctl list-timers --all | grep -q nix-warden-security.timer")
    machine.succeed("systemctl show -p Persistent nix-warden-drift.timer | grep -q 'Persistent=yes'")

    # As the timers start them.
    machine.succeed("systemctl start nix-warden-drift.service")
    machine.succeed("systemctl start nix-warden-security.service")
    machine.succeed("systemctl start nix-warden-drift.service")

    machine.succeed("test $(wc -l < /var/lib/nix-warden/history.jsonl) -eq 3")
    machine.succeed("ls /var/lib/nix-warden/reports | grep -q -- '-web1-drift.json$'")
    machine.succeed("test -s /var/lib/nix-warden/drift-metrics.json")
    machine.succeed("grep -q '^nix_warden_drift_items{host=\"web1\",category=\"package\"}' /var/lib/prometheus-node-exporter-text-files/nix-warden.prom")
    machine.succeed("grep -q '^nix_warden_last_run_timestamp_seconds{host=\"web1\",kind=\"security\"}' /var/lib/prometheus-node-exporter-text-files/nix-warden.prom")
    machine.wait_for_open_port(9100)
    machine.succeed("curl -sf http://127.0.0.1:9100/metrics | grep -q '^nix_warden_score{host=\"web1\"}'")
    machine.succeed("test -s /var/lib/nix-warden/notified")
    machine.succeed("nix-warden history --dir /var/lib/nix-warden --host web1 | grep -q 'drift · web1 · 2 run(s)'")

    # The units are hardened: exposure below 5.0 (OK or better), as test/module/ computes offline.
    machine.succeed("systemd-analyze security --threshold=49 nix-warden-drift.service")
    machine.succeed("systemd-analyze security --threshold=49 nix-warden-security.service")
  '';
}
