// Jobs that must run as root get no DynamicUser or User= proposal: a backup that reads every file,
// journal maintenance and reboots were given the full unprivileged baseline, which breaks them
// (found judging findings on public configurations: a root borg job, `journalctl --vacuum-time`).
import { describe, expect, it } from "vitest";
import { serviceSurface, type ServiceFacts } from "../../src/exposure/surface.js";

const job = (command: string): ServiceFacts => ({ name: "job", command, type: "oneshot", scheduled: true, socket: false, opensFirewall: false, privateNetwork: false });

describe("jobs that must read everyone's files keep their user and /home (a subset of the baseline, not none)", () => {
  it.each([
    ["borg create --stats /mnt/backup::{now} /home /etc /var/lib", /backs up/],
    ["${pkgs.restic}/bin/restic backup /", /backs up/],
    ["${pkgs.clamav}/bin/clamdscan --quiet --recursive --fdpass /home", /viruses/],
    ["${pkgs.postgresql}/bin/pg_dumpall > /var/backup/all.sql", /database/],
  ])("%s", (command, why) => {
    const v = serviceSurface(job(command));
    expect(v.broadAccess).toMatch(why);
    expect(v.needsRoot).toBeUndefined();
  });

  it("read from the unit's name or a short let-bound name when the command is an opaque package", () => {
    expect(serviceSurface({ ...job("${lib.getBin backupTool}/bin/${backupToolName}"), related: 'borg-backup\nif impermanent then "borg-backup-btrfs" else "borg-backup-paths"' }).broadAccess).toMatch(/backs up/);
    expect(serviceSurface({ ...job("${pkg}/bin/dashboard --port 9119"), tools: "pkgs.rsync" }).broadAccess).toMatch(/backs up/);
    // ...not from a long `path` that is a toolbox.
    expect(serviceSurface({ ...job("${pkg}/bin/dashboard --port 9119"), tools: `${"pkgs.ripgrep ".repeat(20)}pkgs.rsync` }).broadAccess).toBeUndefined();
  });
});

describe("what counts as a listener", () => {
  const daemon = (command: string): ServiceFacts => ({ name: "relay", command, socket: false, scheduled: false, opensFirewall: false, privateNetwork: false });
  it.each([["relay --listen 0.0.0.0:4000"], ["relay --port 4000"], ["relay --http-port 8080"], ["relay --web.listen-address :9100"]])("%s listens", (command) => {
    expect(serviceSurface(daemon(command)).surface).toBe("network");
  });
  it.each([["iroh-ssh server --persist --ssh-port 22"], ["relay --remote-port 22 --target example"]])("%s names a port it connects to: no listener", (command) => {
    expect(serviceSurface(daemon(command)).surface).toBe("daemon");
  });
});

describe("jobs that must run as root", () => {
  it.each([
    ["journalctl --vacuum-time=7d", /journal/],
    ["systemctl reboot", /reboots/],
    ["nixos-rebuild switch --flake /etc/nixos", /rebuilds/],
    ["${pkgs.flatpak}/bin/flatpak remote-add --if-not-exists flathub https://dl.flathub.org/repo/flathub.flatpakrepo", /Flatpak/],
    ["install -o telegraf -m 0600 /etc/rancher/k3s/k3s.yaml /var/lib/telegraf/k3s.yaml", /owners/],
    ["chown -R app:app /var/lib/app", /owners/],
    ["runuser -u alice -- powerprofilesctl set balanced", /other users/],
    ["cd /etc/nixos && nix flake update && git commit -am update", /Nix inputs/],
    ["${pkgs.ksmbd-tools}/bin/ksmbd.mountd", /SMB/],
    ["${pkgs.coreutils}/bin/install -o telegraf -m400 /var/lib/rancher/k3s/server/token /run/telegraf-kubernetes-token", /owners/],
    ["${pkgs.systemd}/lib/systemd/systemd-pcrextend --pcr=15 sysinit", /TPM/],
    ['nmcli=${pkgs.networkmanager}/bin/nmcli\n"$nmcli" connection modify "$name" connection.autoconnect no', /network interfaces/],
    ["${pkgs.podman}/bin/podman network create backstage-net", /rootful containers/],
  ])("%s", (command, why) => {
    expect(serviceSurface(job(command)).needsRoot).toMatch(why);
  });

  it.each([["${pkgs.hello}/bin/hello"], ["curl -fsS https://example.org/ping"], ["journalctl -u nginx --since today"], ["echo rebooting-soon-notice"], ["flatpak run org.example.App"], ["install -m 0644 a.conf /etc/a.conf"], ["systemctl suspend"], ["nix build .#default"], ["# refresh without a reboot\n${pkgs.hello}/bin/hello"]])("not %s", (command) => {
    expect(serviceSurface(job(command)).needsRoot).toBeUndefined();
  });
});
