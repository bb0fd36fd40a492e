// Network: hostname, resolvers, listening sockets (from /proc in a root, owners through fd links and
// cgroups), the loaded firewall (recorded iptables-save and nft -j output) and kernel parameters.
import { describe, expect, it } from "vitest";
import { compareFirewall } from "../../src/drift/compare/firewall.js";
import { compareNetwork } from "../../src/drift/compare/network.js";
import { compareSysctl } from "../../src/drift/compare/sysctl.js";
import { parseIptablesSave, parseNftRuleset } from "../../src/drift/parse/firewall.js";
import { probeFirewall } from "../../src/drift/probes/firewall.js";
import { probeNetwork } from "../../src/drift/probes/network.js";
import { probeSysctl } from "../../src/drift/probes/sysctl.js";
import { CTX, declared, makeRoot, readFixture, revertUndos, type RootSpec } from "./helpers.js";

const FIREWALL = {
  enable: true,
  allowedTCPPorts: [22, 443],
  allowedUDPPorts: [51820],
  allowedTCPPortRanges: [{ from: 60000, to: 60010 }],
  trustedInterfaces: ["lo"],
  interfaces: { wg0: { allowedTCPPorts: [9100] } },
};
const DECLARED = declared({
  hostName: "web1",
  nameservers: ["9.9.9.9"],
  firewall: FIREWALL,
  services: { sshd: { wantedBy: ["multi-user.target"] }, cups: { enable: false } },
  sysctl: { "net.ipv4.ip_forward": 0, "kernel.kptr_restrict": 2, "vm.swappiness": 10 },
});

const HDR = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
function tcpLine(i: number, addrHex: string, port: number, inode: number): string {
  return `${String(i).padStart(4)}: ${addrHex}:${port.toString(16).toUpperCase().padStart(4, "0")} 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 ${inode} 1 0000000000000000 100 0 0 10 0\n`;
}
function machine(sockets: [string, number, number, number, string, string][], extra: RootSpec = {}): RootSpec {
  const files: Record<string, string> = {
    "etc/hostname": "web1\n",
    "proc/sys/kernel/hostname": "web1\n",
    "etc/resolv.conf": "nameserver 9.9.9.9\n",
    "proc/net/tcp": HDR + sockets.map(([addr, port, inode], i) => tcpLine(i, addr, port, inode)).join(""),
    ...extra.files,
  };
  const links: NonNullable<RootSpec["links"]> = { ...extra.links };
  for (const [, , inode, pid, comm, unit] of sockets) {
    files[`proc/${pid}/comm`] = `${comm}\n`;
    files[`proc/${pid}/cgroup`] = `0::/system.slice/${unit}\n`;
    links[`proc/${pid}/fd/${inode % 100}`] = `socket:[${inode}]`;
  }
  return { files, links };
}

async function network(spec: RootSpec, d = DECLARED, generatedUnits = ["sshd.service"]) {
  const root = await makeRoot(spec);
  const r = await probeNetwork({ root, live: false });
  expect(r.errors).toEqual([]);
  return { facts: r.facts, items: compareNetwork(d, r.facts, CTX, { generatedUnits }) };
}

describe("hostname, resolvers and listening sockets", () => {
  it("report nothing when the machine has its declared name and resolvers and only declared services listen", async () => {
    const { items, facts } = await network(machine([["00000000", 22, 20001, 812, "sshd", "sshd.service"], ["0100007F", 5432, 20050, 900, "postgres", "postgresql.service"]]));
    expect(facts.listening?.map((s) => s.port)).toEqual([22]); // loopback-only sockets are not exposure
    expect(facts.listening?.[0]?.owners).toEqual([{ pid: 812, comm: "sshd", unit: "sshd.service" }]);
    expect(items).toEqual([]);
  });

  it("report an undeclared listener on all interfaces (high behind the declared firewall, critical without one)", async () => {
    const sockets: [string, number, number, number, string, string][] = [["00000000", 22, 20001, 812, "sshd", "sshd.service"], ["00000000", 6379, 20030, 2210, "redis-server", "redis-imperative.service"]];
    const behind = await network(machine(sockets));
    expect(behind.items).toEqual([expect.objectContaining({ category: "network", subject: "listening tcp 0.0.0.0:6379", severity: "high" })]);
    expect(behind.items[0]?.evidence).toMatch(/redis-server \(pid 2210, redis-imperative.service\)/);
    expect(behind.items[0]?.remediation.find((r) => r.strategy === "revert")).toMatchObject({ safety: "manual", commands: [["systemctl", "disable", "--now", "--", "redis-imperative.service"]] });
    const open = await network(machine(sockets), declared({ ...DECLARED, firewall: { ...FIREWALL, enable: false } }));
    expect(open.items[0]?.severity).toBe("critical");
  });

  it("report a service that should be off but listens as critical", async () => {
    const { items } = await network(machine([["00000000", 631, 20060, 700, "cupsd", "cups.service"]]), DECLARED, ["sshd.service", "cups.service"]);
    expect(items).toEqual([expect.objectContaining({ subject: "listening tcp 0.0.0.0:631", severity: "critical", declared: { service: "cups.service", enable: false } })]);
  });

  it("report hostname and resolvers that differ (low), with systemd-resolved's upstream servers behind its stub", async () => {
    const { items } = await network(
      machine([], {
        files: {
          "proc/sys/kernel/hostname": "web1-old\n",
          "etc/resolv.conf": "nameserver 127.0.0.53\noptions edns0 trust-ad\n",
          "run/systemd/resolve/resolv.conf": "nameserver 1.1.1.1\nnameserver 9.9.9.9\n",
        },
      }),
    );
    expect(items.map((i) => `${i.subject}:${i.severity}`).sort()).toEqual(["hostname:low", "nameservers:low"]);
    expect(revertUndos(items.find((i) => i.subject === "hostname"))).toEqual([["hostname", "web1-old"]]);
    expect(items.find((i) => i.subject === "nameservers")?.evidence).toMatch(/\/run\/systemd\/resolve\/resolv.conf uses 1.1.1.1, 9.9.9.9.*Not declared: 1.1.1.1/);
  });

  it("say when a root has no /proc/net, instead of guessing", async () => {
    const root = await makeRoot({ files: { "etc/hostname": "web1\n" } });
    const r = await probeNetwork({ root, live: false });
    expect(r.facts.listening).toBeUndefined();
    expect(r.notes?.join()).toMatch(/no \/proc\/net/);
  });
});

describe("the loaded firewall (recorded from iptables 1.8.9 and nftables 1.0.6)", () => {
  const facts = (state: ReturnType<typeof parseIptablesSave>) => ({ state, source: "recorded" });

  it("reports nothing for NixOS's own rules for the declared ports (iptables, both families)", () => {
    const v4 = parseIptablesSave(readFixture("recorded", "firewall", "iptables-save.declared.txt"), 4);
    const v6 = parseIptablesSave(readFixture("recorded", "firewall", "ip6tables-save.declared.txt"), 6);
    expect(v4.nixosFirewallActive).toBe(true);
    expect(v4.inputPolicyAccept).toBe(false);
    expect(v4.trusted).toEqual(["lo"]);
    expect(compareFirewall(DECLARED, facts(v4), CTX)).toEqual([]);
    expect(compareFirewall(DECLARED, facts(v6), CTX)).toEqual([]); // the DHCPv6 rule NixOS adds itself is not drift
  });

  it("reports ports opened by hand (iptables), critical on every interface, with a rule to delete them", () => {
    const items = compareFirewall(DECLARED, facts(parseIptablesSave(readFixture("recorded", "firewall", "iptables-save.drift.txt"), 4)), CTX);
    expect(items.map((i) => `${i.subject}:${i.severity}`).sort()).toEqual(["tcp/6379:critical", "tcp/6380:critical", "tcp/8080:critical"]);
    const i8080 = items.find((i) => i.subject === "tcp/8080")!;
    expect(i8080.remediation.find((r) => r.strategy === "revert")).toMatchObject({
      safety: "review",
      commands: [["iptables", "-w", "-D", "nixos-fw", "-p", "tcp", "-m", "tcp", "--dport", "8080", "-j", "nixos-fw-accept"]],
      guard: ["iptables", "-w", "-C", "nixos-fw", "-p", "tcp", "-m", "tcp", "--dport", "8080", "-j", "nixos-fw-accept"],
    });
    expect(i8080.remediation.find((r) => r.strategy === "adopt")?.nix).toBe("networking.firewall.allowedTCPPorts = [ 8080 ];");
    // Undone by inserting the same rule at the head of the chain.
    expect(revertUndos(i8080)).toEqual([["iptables", "-w", "-I", "nixos-fw", "-p", "tcp", "-m", "tcp", "--dport", "8080", "-j", "nixos-fw-accept"]]);
  });

  it("reports nothing for NixOS's nftables ruleset, and the temp-ports set and an added rule as drift", () => {
    const clean = parseNftRuleset(readFixture("recorded", "firewall", "nft-ruleset.declared.json"));
    expect(clean.nixosFirewallActive).toBe(true);
    expect(clean.open.map((o) => `${o.proto}/${o.from}-${o.to}${o.iface ? `@${o.iface}` : ""}`).sort()).toEqual(["tcp/22-22", "tcp/443-443", "tcp/60000-60010", "tcp/9100-9100@wg0", "udp/51820-51820"]);
    expect(compareFirewall(DECLARED, facts(clean), CTX)).toEqual([]);

    const items = compareFirewall(DECLARED, facts(parseNftRuleset(readFixture("recorded", "firewall", "nft-ruleset.drift.json"))), CTX);
    expect(items.map((i) => `${i.subject}:${i.severity}`).sort()).toEqual(["tcp/6379:critical", "tcp/8080:critical"]);
    expect(items.find((i) => i.subject === "tcp/8080")?.remediation.find((r) => r.strategy === "revert")?.commands).toEqual([["nixos-firewall-tool", "reset"]]);
    expect(revertUndos(items.find((i) => i.subject === "tcp/8080"))).toEqual([["nixos-firewall-tool", "open", "tcp", "8080"]]);
    expect(items.find((i) => i.subject === "tcp/6379")?.remediation.find((r) => r.strategy === "revert")?.commands?.[0]?.slice(0, 6)).toEqual(["nft", "delete", "rule", "inet", "nixos-fw", "input-allow"]);
    expect(revertUndos(items.find((i) => i.subject === "tcp/6379"))).toEqual([expect.stringMatching(/^add the rule back: nft insert rule inet nixos-fw input-allow .*6379/)]);
  });

  it("reports a firewall that is declared on but not loaded, and declared ports that are closed", () => {
    const off = parseIptablesSave("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n", 4);
    expect(compareFirewall(DECLARED, facts(off), CTX)).toEqual([expect.objectContaining({ subject: "firewall", severity: "critical" })]);
    const more = declared({ ...DECLARED, firewall: { ...FIREWALL, allowedTCPPorts: [22, 443, 80] } });
    const closed = compareFirewall(more, facts(parseIptablesSave(readFixture("recorded", "firewall", "iptables-save.declared.txt"), 4)), CTX);
    expect(closed).toEqual([expect.objectContaining({ subject: "tcp/80", severity: "medium" })]);
  });

  it("does not run against a root directory, and says so", async () => {
    const r = await probeFirewall({ root: "/tmp", live: false });
    expect(r.facts.state).toBeUndefined();
    expect(r.notes?.[0]).toMatch(/need the live system/);
  });
});

describe("kernel parameters", () => {
  it("report nothing when /proc/sys has the declared values, and a runtime change otherwise", async () => {
    const clean = await makeRoot({ files: { "proc/sys/net/ipv4/ip_forward": "0\n", "proc/sys/kernel/kptr_restrict": "2\n", "proc/sys/vm/swappiness": "10\n" } });
    const ok = await probeSysctl({ root: clean, live: false, declared: DECLARED });
    expect(compareSysctl(DECLARED, ok.facts, CTX)).toEqual([]);

    const changed = await makeRoot({ files: { "proc/sys/net/ipv4/ip_forward": "1\n", "proc/sys/kernel/kptr_restrict": "2\n", "proc/sys/vm/swappiness": "60\n" } });
    const items = compareSysctl(DECLARED, (await probeSysctl({ root: changed, live: false, declared: DECLARED })).facts, CTX);
    expect(items.map((i) => `${i.category}:${i.subject}:${i.severity}`).sort()).toEqual(["network:sysctl net.ipv4.ip_forward:high", "service-config:sysctl vm.swappiness:low"]);
    expect(items.find((i) => i.subject === "sysctl vm.swappiness")?.remediation[0]).toMatchObject({ safety: "auto", commands: [["sysctl", "-w", "vm.swappiness=10"]] });
  });
});
