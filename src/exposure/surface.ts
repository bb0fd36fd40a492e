// How much a service's sandboxing matters: its attack surface, read from what the repository says
// about it. A network-facing daemon (a listening socket, a port in its command, a port the module
// opens in the firewall) is reachable by strangers; a long-running local daemon by local users and
// what it reads; a oneshot or timer job only by its inputs. Trivial units (`script = "true"`, a
// oneshot writing one sysfs value) are not worth a finding, and jobs that must run as root
// (rebuilding the system, kexec, firewall and sysctl writers, hardware tools) must never be told to
// run as another user.
import { escapeRegExp } from "../text/regexp.js";

export type Surface = "network" | "daemon" | "oneshot";

export interface ServiceFacts {
  name: string;
  /** Source text of ExecStart and script (interpolations as written). */
  command: string;
  /** serviceConfig.Type when known. */
  type?: string;
  /** `startAt` is set, a timer of the same name exists, or RemainAfterExit. */
  scheduled: boolean;
  /** A systemd socket of the same name exists. */
  socket: boolean;
  /** The module opens firewall ports (allowedTCPPorts, openFirewall = true). */
  opensFirewall: boolean;
  /** PrivateNetwork = true: no network at all. */
  privateNetwork: boolean;
  /** `script` as a string when known. */
  script?: string;
  /** The script as written or read (`builtins.readFile`), when the unit has one. */
  scriptText?: string;
  /** The programs on the unit's `path` (source text): what its script may run. */
  tools?: string;
  /** A script without Type= whose every command runs to completion (no loop waiting, no daemon
   * started): NixOS runs it as Type=simple, but it is a run-once setup job, not a daemon. */
  runsOnce?: boolean;
  /** Every command only places local files from the configuration (install, cp, mkdir, chmod,
   * cat into a file...): no network, no input a stranger controls. */
  placesFilesOnly?: boolean;
  /** A shell loop that sleeps between rounds and runs nothing that talks to the network: a
   * watchdog polling local state. */
  poller?: boolean;
  /** TCP/UDP ports its command or configuration names as listening ones. */
  ports?: number[];
  /** The literal ports the file's firewall opens, when the module is the unit's own (opensFirewall). */
  firewallPorts?: number[];
  /** The texts of the let-bound names its ExecStart runs (a writeShellScript bound in a let). */
  execScripts?: string;
  /** The let-bound script that is its whole ExecStart (`ExecStart = fanctl;`). */
  execScript?: string;
  /** It binds only loopback addresses (127.0.0.1, ::1, localhost). */
  loopbackOnly?: boolean;
  /** Of `ports`, none is opened by the firewall of the hosts it runs on, none is forwarded to by
   * another file of those hosts, and the firewall is on: `why` says so. Set by the caller, who
   * sees the whole repository. */
  portsClosed?: string;
  /** Its port is forwarded to by a reverse proxy of its hosts (`proxy_pass http://localhost:3004`):
   * why. Set by the caller. */
  proxied?: string;
  /** Every port it binds, loopback ones included. */
  boundPorts?: number[];
  /** Port options its definition uses (`toString cfg.port`): a proxy of the same file pointing at
   * `127.0.0.1:${toString cfg.port}` forwards to it. */
  portExprs?: string[];
  /** Why it runs in early boot (DefaultDependencies=false, ordered before sysinit.target). */
  earlyBoot?: string;
  /** The JIT runtime it runs (node, java, ...): MemoryDenyWriteExecute would kill it. */
  jit?: string;
  /** Why it takes input from the network (it downloads, talks to a remote host, waits for
   * network-online.target), else undefined. */
  remoteInput?: string;
  /** All it sends to the network is a status posted to a URL, its response unused (a notification). */
  postsStatusOnly?: boolean;
  /** What in its command works in its user's home (`$HOME`, `~/.config`), else undefined. */
  usesHome?: string;
  /** Text that names what it runs without being its command: its name, description and the
   * let-bound values its command refers to (`${backupTool}`). */
  related?: string;
  /** Files under /etc its module links to decrypted agenix/sops secrets (root-only). */
  etcSecrets?: string[];
  /** It runs as an account other than root (`User=` of its own, or DynamicUser): whatever its
   * command, it does not run as root, so no "must run as root" is said of it. */
  runsAsOwnUser?: boolean;
}

export interface SurfaceVerdict {
  surface: Surface;
  why: string;
  /** Not worth a finding, and why. */
  trivial?: string;
  /** Must run as root, and why: never propose DynamicUser/User= for it. */
  needsRoot?: string;
  /** A watchdog loop over local state: its only input is what it looks at on the machine. */
  poller?: boolean;
  /** "network" read from its name alone (`*-server`, `*-web`): no listener was seen. */
  byNameOnly?: boolean;
  /** "network" read from the server program it runs (`tgtd`, `rclone serve dlna`), which listens
   * on its default port: nothing says whether the firewall opens it. */
  byProgram?: string;
  /** A metrics exporter (`*-exporter`, `node_exporter`): what it serves is read-only numbers. */
  exporter?: boolean;
  /** It needs to read (or scan) everyone's files as root: a backup, an AV scan, a dump of another
   * daemon's database. No DynamicUser, no ProtectHome, no ProtectSystem=strict without
   * ReadWritePaths. */
  broadAccess?: string;
}

const LISTENS = /(?<![\w-])--?(?:(?:http|https|web|api|grpc|rpc|metrics|admin|p2p|public|server|local)[-.])?(?:listen|port|bind|host|addr|address|listen-address|listen-port)\b(?!-)|\blisten(?:Address|Port)?\b|0\.0\.0\.0|\[::\]|(?:^|[\s=])(?:[\w.-]*):\d{2,5}\b/i;
// Server programs that listen on a default port without being told one: an iSCSI target, an SNMP
// agent, `rclone serve <protocol>`, Python's http.server (cleverca22-nixos-configs' tgtd and snmpd,
// lucasew-nixcfg's `rclone serve dlna`: network daemons called "long-running local daemons").
const SERVER_PROGRAM = /(?:^|[\s/"'])(sshd|dropbear|kube-apiserver|tgtd|snmpd|in\.tftpd|atftpd|vsftpd|proftpd|minidlnad?|iperf3?\s+-s|miniupnpd|rclone\s+(?:-[\w-]+(?:[= ]\S+)?\s+)*serve\s+\w+|python3?\s+-m\s+http\.server|busybox\s+httpd|darkhttpd|miniserve|rsync\s+--daemon)(?=[\s"']|$)/m;
const EXPORTER = /(?:^|[-_])exporter(?:$|[-_])|(?:^|[\s/"'])[\w-]*_exporter(?=[\s"']|$)/m;
const SERVER_NAME = /(?:^|[-_])(?:server|exporter|proxy|httpd|nginx|caddy|gateway|api|web|ui)(?:$|[-_])/i;

// A root daemon's client: its control socket is root's (LXD's unix.socket is root:lxd, tailscaled's
// and libvirtd's are root's), so a dynamic user could not talk to it (mrkuz-nixos lxd.nix's
// `lxc config set`, wrmilling-nixos-configuration owen's `tailscale cert`: judged harmful to sandbox).
const ROOT_DAEMON_CLIENT: [RegExp, string] = [
  /\b(?:lxc|incus)\s+(?:config|launch|start|stop|restart|exec|profile|network|storage|image|init|delete|project|file|snapshot|copy|move)\b|\btailscale\s+(?:cert|up|down|set|serve|funnel|login|logout|file)\b|\bvirsh\s/,
  "it drives a root daemon through its control socket (LXD/Incus, tailscaled, libvirtd)",
];

// Programs and paths whose use means the job changes the system itself.
const ROOT_JOBS: Array<[RegExp, string]> = [
  [/\bnixos-rebuild\b|\bswitch-to-configuration\b|\bnix-env\b[^\n]*(?:--profile\s+\/nix\/var|--delete-generations)|\bnix-collect-garbage\b|\bnix\s+store\s+(?:gc|optimise|delete|repair)\b|\bnix-store\s+(?:--gc|--delete|--optimise|--repair|--verify)\b|\bnix\s+profile\s+wipe-history\b/, "it rebuilds or garbage-collects the system"],
  [/\bkexec\b/, "it loads a kernel with kexec"],
  [/\b(?:iptables|ip6tables|nft|ipset|ebtables)\b/, "it writes firewall rules"],
  [/\bsysctl\b|\/proc\/sys\//, "it writes kernel tunables"],
  [/\b(?:modprobe|insmod|rmmod)\b/, "it loads kernel modules"],
  [/\/sys\/|\b(?:hdparm|ethtool|nvidia-smi|cpupower|setpci|rfkill|smartctl|powertop|udevadm|i2cset|ectool|fwupdmgr|tlp)\b/, "it configures hardware"],
  [/\b(?:zpool|zfs|btrfs|mount|umount|cryptsetup|losetup|mkfs[\w.]*)\b/, "it manages file systems"],
  // iproute2 objects abbreviated and after options (`ip -6 r add`, `ip sr tunsrc set`: NickCao-flakes'
  // gravity-srv6, whose DynamicUser patch was judged harmful).
  [/\bip\s+(?:link|route|addr|rule|netns)\b|\bip\s+(?:-[\w-]+\s+)*(?:l|li|link|r|ro|route|a|addr|address|ru|rule|sr|neigh|neighbour|n|nexthop|nh|tunnel|tuntap|xfrm|vrf|maddr|mroute|mrule)\s+(?:a|add|d|del|delete|set|change|replace|append|flush|prepend)\b|\b(?:wg|tc|brctl)\s|\bjool(?:_siit)?\s+(?:-[\w-]+\s+)*(?:instance|pool4|pool6|bib|eamt|global|session|denylist4|blacklist4|file)\b/, "it configures network interfaces"],
  [/\bsystemctl\s+(?:restart|start|stop|reload|kill|isolate)\b/, "it controls other units"],
  [/\bjournalctl\b[^\n]*--(?:vacuum-\w+|rotate|flush)\b/, "it maintains the system journal"],
  ROOT_DAEMON_CLIENT,
  // As a command (at a line's start, after `;`/`&&`/`||`/`$(`, or by its path), not a word in a
  // message (`echo "will retry after reboot"`).
  [/(?:^|[;&|(`]\s*|\/bin\/)\s*(?:reboot|shutdown|poweroff)\b|\bsystemctl\s+(?:reboot|poweroff|kexec|halt)\b/m, "it reboots the machine"],
  // Found in a judged sample: hardening patches on these would have broken the job.
  [/\bflatpak\b[^\n]*\b(?:remote-add|remote-modify|install|update|uninstall)\b/, "it manages system-wide Flatpak remotes and apps"],
  [/(?:^|[\s;&|(/])(?:chown|chgrp)\s|(?:^|[\s;&|(/])install\s(?:[^\n]*\s)?-(?:[a-zA-Z]*[og]|-owner|-group)\b/, "it sets files' owners"],
  [/(?:^|[\s;&|(/])(?:runuser|setpriv|su)\s/, "it runs commands as other users"],
  [/\b(?:systemd-pcrextend|systemd-cryptenroll|clevis|tpm2_\w+|tpm2-\w+)\b|\/dev\/tpm/, "it uses the TPM"],
  [/\bnix\s+(?:flake\s+(?:update|lock)|profile|copy)\b|\bnix-channel\s+--update\b/, "it updates the system's Nix inputs or profiles"],
  [/\bksmbd\b/, "it runs the in-kernel SMB server (netlink, CAP_NET_ADMIN)"],
  [/(?:\bnmcli\b|\$\{?nmcli\}?)[^\n]*\b(?:modify|up|down|connect|disconnect|add|delete|reload)\b/, "it configures network interfaces"],
  // Found in a judged sample: rootful podman needs namespaces and CAP_NET_ADMIN.
  [/\b(?:podman|docker|nerdctl|buildah)\s+(?:-{1,2}[\w-]+(?:[= ][^\s-]\S*)?\s+)*(?:network|volume|run|create|pull|load|import|build|image|images|tag|push|save|rm|rmi|pod|system|container|compose|start|stop|exec|kill|login|manifest|commit|play|kube)\b|\bdocker-compose\b/, "it manages rootful containers or their networks (namespaces, CAP_NET_ADMIN)"],
];

// Jobs that must read everyone's files as root, whatever else they do: backups, virus scans,
// dumps of another daemon's database. They keep root, /home and the host's network.
const BROAD_ACCESS: Array<[RegExp, string]> = [
  // (`rclone serve dlna` and `rclone mount` serve or mount files: no backup; lucasew-nixcfg's dlna
  // was said to "back up files it must read as their owners' superuser".)
  [/\b(?:borg|borgbackup|borgmatic|restic|rustic|rsnapshot|duplicity|kopia|syncoid|sanoid|zrepl|btrbk|rsync)\b|\brclone\b(?![^\s]*\s+(?:-[\w-]+(?:[= ]\S+)?\s+)*(?:serve|mount|nfsmount|rcd)\b)|\bzfs\s+send\b/, "it backs up files it must read as their owners' superuser"],
  [/\b(?:clamdscan|clamscan|clamonacc)\b/, "it scans files for viruses, which needs read access to every file it scans"],
  [/\b(?:pg_dump|pg_dumpall|mysqldump|mariadb-dump|mongodump)\b/, "it dumps another daemon's database, which needs that daemon's user or root"],
];

// Daemons whose work is the machine's own devices (seat, input, sensors, fans, power, RGB, GPU):
// their inputs are those devices and a fixed configuration, and they need root and the devices by
// design (nixpkgs' own modules run seatd, thinkfan or keyd as root, unsandboxed). Judged noise or
// harmful to sandbox on public repositories (sioodmy-dotfiles' seatd, Stunkymonkey-nixos'
// illuminanced).
const DEVICE_DAEMON = /(?:^|[\s/"'}])(seatd|illuminanced|thinkfan|fancontrol|fan2go|mbpfan|auto-cpufreq|thermald|throttled|intel-undervolt|undervolt|ryzenadj|nbfc_service|fw-fanctrl|acpid|actkbd|thd|keyd|kanata|kmonad|evremap|input-remapper-service|ydotoold|logid|ratbagd|openrgb|ckb-next-daemon|asusd|supergfxd|system76-power|power-profiles-daemon|iio-sensor-proxy|clightd|nvidia-persistenced|coolercontrold|liquidctl|wluma)(?=\s|$|["'])/m;

// VPN daemons: they manage the host's interfaces, routes, firewall and /dev/net/tun, as root by
// design; a sandbox baseline (DynamicUser, PrivateDevices, an empty CapabilityBoundingSet,
// RestrictAddressFamilies) breaks them (cole-h-nixos-config's mullvad-daemon, judged so).
const VPN_DAEMON = /(?:^|[\s/"'}])(mullvad-daemon|openvpn|wg-quick|tailscaled|zerotier-one|netbird|nebula|wireguard-go|boringtun(?:-cli)?|openconnect|charon-systemd|charon|nordvpnd|expressvpnd|warp-svc|ivpn-service|yggdrasil|tincd|vpnc|openfortivpn|sshuttle)(?=\s|$|["'])/m;

// Cluster node agents and container runtimes: they run every workload's containers, so they
// manage cgroups, mounts, namespaces and devices as root by design (nixpkgs runs kubelet, k3s and
// nomad's client unsandboxed as root). A DynamicUser/PrivateDevices baseline breaks them
// (arianvp-nixos-stuff's kubelet module, judged harmful to sandbox).
const CLUSTER_AGENT = /(?:^|[\s/"'}])(kubelet|kube-proxy|k3s|rke2|containerd|crio|cri-o|nomad(?=\s+agent\b)|flanneld|calico-node|cilium-agent)(?=\s|$|["'])/m;

// Control commands of a backup tool to its own local daemon (`zrepl signal wakeup`): they read no
// files themselves (cole-h-nixos-config's zrepl-replicate was called a backup reading everyone's files).
const BACKUP_CONTROL = /\bzrepl\b[^\n]*?\s(?:signal|status|version|configcheck)\b[^\n]*/g;

// Jobs whose whole purpose is to change the system (rebuild it, load a kernel, write kernel
// settings or firewall rules, configure hardware or interfaces): a oneshot or timer job of this
// kind has no attack surface a sandbox would reduce, and the sandbox would stop it working.
const SYSTEM_JOBS = new Set([
  "it rebuilds or garbage-collects the system",
  "it loads a kernel with kexec",
  "it writes firewall rules",
  "it writes kernel tunables",
  "it loads kernel modules",
  "it configures hardware",
  "it configures network interfaces",
  "it reboots the machine",
  "it manages rootful containers or their networks (namespaces, CAP_NET_ADMIN)",
  "it drives a root daemon through its control socket (LXD/Incus, tailscaled, libvirtd)",
]);

// Reading agenix or sops files from a root script: they are root's, so the job cannot move to
// another user (a daemon given the path on its command line can, through LoadCredential=).
const READS_ROOT_SECRETS = /\/run\/(?:agenix|secrets)\/|\bagenix\w*|\bage\.secrets\b|\bsops\.(?:secrets|templates)\b/i;

/** What a script needs root for, a change of the system itself first (a script that restarts a
 * unit after `tailscale cert` is a root daemon's client before it controls other units). */
function rootJobOf(script: string): [RegExp, string] | undefined {
  const all = ROOT_JOBS.filter(([re]) => re.test(script));
  return all.find(([, why]) => SYSTEM_JOBS.has(why)) ?? all[0];
}

/** Each non-empty line only writes a value into sysfs/procfs (or is a comment). */
function onlyWritesKernelValues(script: string): boolean {
  const lines = script.split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
  return lines.length > 0 && lines.every((l) => /^(?:echo|printf)\s+[^|;&]*>\s*\/(?:sys|proc)\/\S+$/.test(l) || /^\S*\btee\s+(?:-a\s+)?\/(?:sys|proc)\/\S+$/.test(l));
}

export function serviceSurface(f: ServiceFacts): SurfaceVerdict {
  const v = surfaceOf(f);
  // A long `path` is a toolbox (an agent's), not what the unit runs.
  const tools = f.tools !== undefined && f.tools.length < 200 ? f.tools : "";
  // A command that only signals the backup daemon says what the unit does: its name (zrepl-replicate)
  // then says nothing more.
  const control = new RegExp(BACKUP_CONTROL.source).test(f.command);
  const related = (control ? f.command : `${f.command}\n${tools}\n${f.related ?? ""}`).replace(/^\s*#.*$/gm, "").replace(BACKUP_CONTROL, "");
  const broadAccess = BROAD_ACCESS.find(([re]) => re.test(related))?.[1];
  return broadAccess && !v.needsRoot ? { ...v, broadAccess } : v;
}

function surfaceOf(f: ServiceFacts): SurfaceVerdict {
  // Comments say nothing about what runs ("... without a reboot").
  const command = f.command.replace(/^\s*#.*$/gm, "");
  // The script ExecStart names through a let binding is what it runs (Lassulus-superconfig's
  // gpd-fan-control, `ExecStart = gpd-fan-control;` writing hwmon's pwm1, was "a long-running local
  // daemon" with nothing needing root).
  // Only when it is the whole command, and what it merely reads from /proc/sys or /sys (`cat
  // /proc/sys/kernel/random/boot_id`) is no write; the command's own matches come first.
  const execScript = f.execScript?.replace(/^\s*#.*$/gm, "").replace(/(?:^|[\s;&|(])(?:cat|head|tail|grep|read)\s[^\n;|&>]*?\/(?:proc\/sys|sys)\/[^\s;|&]*/gm, " ");
  const root = ROOT_JOBS.find(([re]) => re.test(command) || (f.tools !== undefined && re.test(f.tools))) ?? (execScript !== undefined ? rootJobOf(execScript) : undefined);
  let needsRoot = f.runsAsOwnUser ? undefined : root?.[1];
  // A root daemon's client in the script ExecStart names through a let binding (wrmilling's
  // `ExecStart = updateFilebrowserTlsCertificate;` running `tailscale cert`).
  if (!needsRoot && !f.runsAsOwnUser && f.execScripts !== undefined && ROOT_DAEMON_CLIENT[0].test(f.execScripts.replace(/^\s*#.*$/gm, ""))) needsRoot = ROOT_DAEMON_CLIENT[1];
  // A container engine on its `path` (`config.virtualisation.podman.package`): its script, maybe
  // one the scan cannot read, drives rootful containers.
  if (!needsRoot && !f.runsAsOwnUser && f.tools !== undefined && /\b(?:podman|docker|nerdctl|buildah)\b/.test(f.tools)) needsRoot = "it manages rootful containers or their networks (namespaces, CAP_NET_ADMIN)";
  if (!needsRoot && !f.runsAsOwnUser && f.scriptText !== undefined && READS_ROOT_SECRETS.test(f.scriptText)) needsRoot = "it reads agenix/sops secrets, which only root can read";
  // A secret its module links into /etc (`/etc/cloudflared/cert.pem` from sops), read by path or
  // by the program whose configuration directory it is (`cloudflared` reads /etc/cloudflared/):
  // root-only, so the job keeps root (eh8-chenglab's cloudflared-route-tunnel, where a
  // DynamicUser patch was judged harmful).
  const etcRead = needsRoot || f.runsAsOwnUser ? undefined : f.etcSecrets?.find((p) => command.includes(p) || new RegExp(`(?:^|[\\s/"'.])${escapeRegExp(p.split("/")[2] ?? "")}(?:$|[\\s"'}])`).test(command));
  // A secret file an option names (`${cfg.checkUrlFile}`, `cfg.passwordFile`; not `cfg.configFile`),
  // usually a root-only agenix or sops secret: a dynamic user could not read it
  // (diogotcorreia-dotfiles' ping-healthchecks, where DynamicUser was judged harmful: every ping
  // would fail).
  const fileOption = needsRoot || f.runsAsOwnUser ? undefined : /(?<![\w.])(?:cfg|config(?:\.[\w-]+)+)\.(?:\w*(?:[pP]assword|[sS]ecret|[tT]oken|[kK]ey|[cC]redentials?|[aA]uth|[uU]rl|[eE]nvironment|[eE]nv))File\b/.exec(command)?.[0];
  if (fileOption) needsRoot = `it reads ${fileOption}, a file an option names (usually a root-only secret), which a dynamic user could not read; hand it over with LoadCredential= before dropping root`;
  if (etcRead) needsRoot = `it reads ${etcRead}, a decrypted secret its module links into /etc, which only root can read`;
  let trivial: string | undefined;
  const script = f.script?.trim();
  if (script !== undefined && /^(?:true|:|exit 0)?$/.test(script) && !/ExecStart/.test(f.command)) trivial = "its script does nothing";
  else if (script !== undefined && onlyWritesKernelValues(script)) trivial = "it only writes a kernel setting";

  const oneshotJob = f.type === "oneshot" || f.scheduled || f.runsOnce === true;
  // An early-boot unit runs before any user or network input exists, and a sandbox that fails to
  // set up there (a namespace, a mount) can stop the boot.
  if (!trivial && f.earlyBoot && !f.socket) trivial = `it is an early-boot unit (${f.earlyBoot.replace(/^it /, "")}): no input a stranger controls reaches it, and sandboxing it risks the boot`;
  // A oneshot that sets up hardware (a fan curve, a link speed, a power setting) runs once as root
  // on no input a stranger controls: sandboxing it breaks it and protects nothing.
  if (!trivial && oneshotJob && !f.socket && needsRoot === "it configures hardware") trivial = "it is a oneshot job that configures hardware";
  else if (!trivial && oneshotJob && !f.socket && needsRoot && SYSTEM_JOBS.has(needsRoot)) trivial = `it is a ${f.scheduled ? "scheduled" : "oneshot"} job whose purpose is to change the system (${needsRoot.replace(/^it /, "")}): that needs root and what a sandbox takes away, and it reads no input a stranger controls`;
  else if (!trivial && oneshotJob && !f.socket && f.placesFilesOnly) trivial = "it is a oneshot job that only places local files from the configuration (no network, no input a stranger controls)";
  // Read from what it runs (its command), not from its `path` or name.
  const vpn = f.runsAsOwnUser ? undefined : VPN_DAEMON.exec(command)?.[1];
  if (!trivial && vpn) {
    needsRoot ??= `it is a VPN daemon (${vpn}): it manages the host's interfaces, routes, firewall and /dev/net/tun`;
    trivial = `it is a VPN daemon (${vpn}), which must manage the host's interfaces, routes, firewall and /dev/net/tun as root: a sandbox baseline would break it, and nixpkgs runs these unsandboxed as root too`;
  }
  const agent = f.runsAsOwnUser ? undefined : CLUSTER_AGENT.exec(command)?.[1];
  if (!trivial && agent) {
    needsRoot ??= `it is a cluster node agent or container runtime (${agent}): it manages cgroups, mounts, namespaces and devices for its workloads`;
    trivial = `it is a cluster node agent or container runtime (${agent}), which must manage cgroups, mounts, namespaces and devices as root: a sandbox baseline would break it, and nixpkgs runs it unsandboxed as root too`;
  }
  const device = f.runsAsOwnUser || f.socket ? undefined : (DEVICE_DAEMON.exec(command)?.[1] ?? (needsRoot === "it configures hardware" ? "it configures hardware" : undefined));
  if (!trivial && device && !LISTENS.test(command) && !f.opensFirewall && !f.remoteInput) {
    needsRoot ??= `it drives the machine's devices (${device})`;
    const what = device === "it configures hardware" ? "it configures the machine's hardware" : `it is a local device daemon (${device})`;
    trivial = `${what}: its inputs are the machine's devices and a fixed configuration, nothing a stranger controls, and it needs root and those devices by design`;
  }
  const exporter = EXPORTER.test(`${f.name}\n${command}`);
  if (f.socket) return { surface: "network", why: "it has a listening socket", trivial, needsRoot };
  const oneshot = oneshotJob;
  if (!f.privateNetwork && !oneshot) {
    if (f.proxied) return { surface: "network", why: f.proxied, trivial, needsRoot, ...(exporter ? { exporter } : {}) };
    const listens = LISTENS.test(f.command) || (f.ports?.length ?? 0) > 0;
    // Bound to loopback only, firewall or not: said so (a unit whose only opening was another
    // service's openFirewall kept this reason before).
    if (listens || f.opensFirewall || SERVER_NAME.test(f.name) || f.loopbackOnly) {
      if (f.loopbackOnly) return { surface: "daemon", why: "it listens on loopback addresses only, so only local users and services reach it", trivial, needsRoot };
      if (f.portsClosed && !f.opensFirewall) return { surface: "daemon", why: f.portsClosed, trivial, needsRoot };
    }
    if (listens) return { surface: "network", why: "its command names a listening address or port", trivial, needsRoot, ...(exporter ? { exporter } : {}) };
    if (f.opensFirewall) return { surface: "network", why: "its module opens firewall ports", trivial, needsRoot, ...(exporter ? { exporter } : {}) };
    const server = SERVER_PROGRAM.exec(command)?.[1];
    // sshd and dropbear switch to the users who log in, tgtd opens the block devices it exports,
    // FTP servers chroot: they start as root by design (a DynamicUser patch on cleverca22's tgtd,
    // serving zvols, was judged harmful).
    const rootServer = /^(?:sshd|dropbear|tgtd|vsftpd|proftpd)$/.test(server ?? "") && !f.runsAsOwnUser ? `it runs ${server}, which starts as root by design (it switches users, opens block devices or chroots)` : undefined;
    if (server) return { surface: "network", why: `it runs ${server.replace(/\s+/g, " ")}, a server that listens on its default port`, trivial, needsRoot: needsRoot ?? rootServer, byProgram: server, ...(exporter ? { exporter } : {}) };
    if (SERVER_NAME.test(f.name)) return { surface: "network", why: "it is named as a server", trivial, needsRoot, byNameOnly: true, ...(exporter ? { exporter } : {}) };
  }
  if (oneshot) return { surface: "oneshot", why: f.scheduled ? "it is a scheduled job" : f.type === "oneshot" ? "it is a oneshot job" : "it is a script that runs once and exits (a setup job, not a daemon)", trivial, needsRoot };
  if (f.poller) return { surface: "daemon", why: "it is a shell loop polling local state (it sleeps between rounds, listens on nothing and talks to no remote host)", trivial, needsRoot, poller: true };
  return { surface: "daemon", why: "it is a long-running local daemon", trivial, needsRoot };
}
