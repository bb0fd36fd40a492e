// What a network interface name says about the network behind it. Physical interfaces (Ethernet,
// Wi-Fi, mobile broadband) face networks other machines are on; the overlay and virtual ones
// (loopback, Tailscale, WireGuard, ZeroTier, bridges of local VMs and containers) only carry
// traffic from peers the host has chosen. Names follow the kernel's and systemd's predictable
// naming (en*, wl*, ww*) and the classic ones (eth0, wlan0).

export type InterfaceClass = "wired" | "wireless" | "overlay" | "local-virtual" | "unknown";

const RULES: Array<[RegExp, InterfaceClass]> = [
  [/^lo$/, "local-virtual"],
  [/^(tailscale|wg|zt|nebula|ygg|mycelium|netbird|wt\d|tun|tap|ipsec|vti|tinc|ts\d|headscale|innernet|defguard)/, "overlay"],
  [/^(virbr|docker|br-[0-9a-f]{6,}|podman|cni|flannel|cali|vxlan\.calico|veth|vnet|lxdbr|incusbr|lxcbr|ve-|vb-|vz-|vboxnet|vmnet|kube|cilium|weave|nerdctl|waydroid|microvm|mv-)/, "local-virtual"],
  [/^(wl|wlan|wlp|wifi|ww|wwan|wwp|mlan)/, "wireless"],
  [/^(eth|en|em\d|eno|ens|enp|enx|ib|bond|team|usb|p\d+p\d+|sl\d)/, "wired"],
];

export function classifyInterface(name: string): InterfaceClass {
  for (const [re, cls] of RULES) if (re.test(name)) return cls;
  return "unknown";
}

/** Faces a network shared with machines the host did not choose. */
export function isPhysical(name: string): boolean {
  const c = classifyInterface(name);
  return c === "wired" || c === "wireless";
}
