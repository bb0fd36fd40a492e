# The sandbox of nix-warden's systemd units, in one place: nix/units.nix puts it into the units, and
# test/module/ reads the same file to score the units with nix-warden's own exposure scorer and with
# `systemd-analyze security`. Plain data (no nixpkgs), so it evaluates anywhere Nix runs.
#
# Both units run as root: the drift probes must see the whole machine as it is, and the security
# scan reads the configuration repository wherever it lives (/etc/nixos is root's). Root is then
# taken apart: no capabilities beyond the few named below, a read-only view of the file system, no
# devices, no kernel tunables, modules or logs, a system call filter.
let
  common = {
    NoNewPrivileges = true;
    PrivateTmp = true;
    PrivateDevices = true;
    PrivateMounts = true;
    DevicePolicy = "closed";
    # Read-only everywhere; the module adds ReadWritePaths for the output and textfile directories.
    ProtectSystem = "strict";
    # Read-only, not hidden: the configuration repository may live in a home directory.
    ProtectHome = "read-only";
    ProtectKernelTunables = true;
    ProtectKernelModules = true;
    ProtectKernelLogs = true;
    ProtectControlGroups = true;
    ProtectClock = true;
    ProtectHostname = true;
    RestrictNamespaces = true;
    RestrictRealtime = true;
    RestrictSUIDSGID = true;
    LockPersonality = true;
    RemoveIPC = true;
    KeyringMode = "private";
    UMask = "0077";
    SystemCallArchitectures = "native";
    SystemCallFilter = [ "@system-service" "~@privileged @resources @mount @swap @reboot @raw-io @module @obsolete @cpu-emulation @debug" ];
    SystemCallErrorNumber = "EPERM";
    # Relaxation: node's JIT compiler needs writable and executable memory.
    MemoryDenyWriteExecute = false;
    AmbientCapabilities = "";
  };
in
{
  # The security scan reads the repository and writes its report: no network at all, no
  # capabilities, no other processes.
  security = common // {
    CapabilityBoundingSet = "";
    PrivateNetwork = true;
    IPAddressDeny = "any";
    RestrictAddressFamilies = [ "AF_UNIX" ];
    ProtectProc = "invisible";
    ProcSubset = "pid";
    PrivateUsers = false;
  };

  # The drift check compares the machine with the flake. Each relaxation is one the probes need:
  drift = common // {
    CapabilityBoundingSet = [
      # Read what root reads without owning it: a configuration checkout in a user's home
      # (0700), /var/log/journal, other users' profiles under /nix/var/nix/profiles/per-user.
      "CAP_DAC_READ_SEARCH"
      # The listening-socket probe finds each socket's process and unit through
      # /proc/<pid>/fd of processes owned by other users.
      "CAP_SYS_PTRACE"
      # `nft list ruleset` (the firewall probe) needs it to read the ruleset over netlink.
      "CAP_NET_ADMIN"
    ];
    # Netlink for nft and the network probe; inet for `nix eval` of a flake whose inputs are
    # fetched (github:...); unix for the nix daemon and systemctl.
    RestrictAddressFamilies = [ "AF_UNIX" "AF_NETLINK" "AF_INET" "AF_INET6" ];
    # Every process must be visible (ProtectProc=invisible would hide the owners of sockets), and
    # /proc/net, /proc/sys and /proc/self/mountinfo are read: ProcSubset stays "all".
    ProtectProc = "default";
    # PrivateDevices leaves /dev/disk out; the mounts probe reads its links (by-uuid, by-label) to
    # match declared devices with mounted ones. Read-only, links only; the devices stay private.
    BindReadOnlyPaths = [ "-/dev/disk" ];
  };

  # What services.nix-warden.autoRemediate adds to the drift unit: the safe reverts it runs
  # (src/remediate/auto.ts: `auto` reverts only, never a file edit) act on the machine.
  driftRemediate = {
    # `runuser -u <user> -- nix-env -e ...` removes a package a user installed imperatively, as
    # that user: it changes user and group.
    capabilities = [ "CAP_SETUID" "CAP_SETGID" ];
    # The same, through the system call filter (@setuid is part of @privileged, denied above).
    systemCallFilter = [ "@setuid" ];
    # `nix profile remove` / `nix-env -e` switch a profile's generation link; a stray unit file in
    # /run/systemd/system is moved aside to /var/lib/nix-warden/removed (never deleted).
    # "-": a path that does not exist (no profiles yet) is left out rather than failing the unit.
    readWritePaths = [ "-/nix/var/nix/profiles" "-/run/systemd/system" "-/var/lib/nix-warden/removed" ];
  };
}
