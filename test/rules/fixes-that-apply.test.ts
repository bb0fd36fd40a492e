// Fixes that apply (issue 11.5): firewall-disabled never silently cuts off a cluster or a service
// with a known port, and nix-trusted-users never removes the account remote builds or deployments
// log in as. Each case beside its look-alike.
import { describe, expect, it } from "vitest";
import { scanFiles } from "../helpers/scan.js";

async function fixOf(rule: string, body: string, extra: Record<string, string> = {}) {
  const report = await scanFiles({ "configuration.nix": body, ...extra });
  const f = report.findings.find((x) => x.ruleId === rule);
  expect(f, "a finding").toBeTruthy();
  return { safety: f!.fix?.safety, description: f!.fix?.description ?? "", patch: f!.fix?.patch ?? "" };
}

describe("firewall-disabled", () => {
  it("a k3s host: manual, naming the cluster's ports, no patch", async () => {
    const f = await fixOf("firewall-disabled", `{\n  services.k3s.enable = true;\n  services.k3s.role = "server";\n  networking.firewall.enable = false;\n}\n`);
    expect(f.safety).toBe("manual");
    expect(f.patch).toBe("");
    expect(f.description).toContain("this host runs k3s");
    expect(f.description).toContain("6443 (API server)");
    expect(f.description).toContain("8472 (flannel VXLAN)");
    expect(f.description).not.toContain("check the ports of k3s");
  });

  it("a web server: the patch turns it on and opens 80 and 443 beside it", async () => {
    const f = await fixOf("firewall-disabled", `{\n  services.nginx.enable = true;\n  networking.firewall.enable = false; # for now\n}\n`);
    expect(f.safety).toBe("review");
    expect(f.patch).toContain("+  networking.firewall.enable = true; # for now\n+  networking.firewall.allowedTCPPorts = [ 80 443 ];");
  });

  it("inside `networking.firewall = { ... }` the ports go in the same set; none when its list exists", async () => {
    const a = await fixOf("firewall-disabled", `{\n  services.nginx.enable = true;\n  networking.firewall = {\n    enable = false;\n  };\n}\n`);
    expect(a.patch).toContain("+    enable = true;\n+    allowedTCPPorts = [ 80 443 ];");
    const b = await fixOf("firewall-disabled", `{\n  services.nginx.enable = true;\n  networking.firewall = {\n    enable = false;\n    allowedTCPPorts = [ 8080 ];\n  };\n}\n`);
    expect(b.safety).toBe("manual");
    expect(b.patch).toBe("");
    expect(b.description).toContain("Add 80, 443 to networking.firewall.allowedTCPPorts");
  });

  it("a service whose port is not known: manual, naming it", async () => {
    const f = await fixOf("firewall-disabled", `{\n  services.jackett.enable = true;\n  networking.firewall.enable = false;\n}\n`);
    expect(f.safety).toBe("manual");
    expect(f.description).toContain("open the ports of jackett");
  });

  it("look-alike: nothing listens but sshd (which opens its own port): the plain patch", async () => {
    const f = await fixOf("firewall-disabled", `{\n  services.openssh.enable = true;\n  networking.firewall.enable = false;\n}\n`);
    expect(f.safety).toBe("review");
    expect(f.patch).toContain("+  networking.firewall.enable = true;");
    expect(f.patch).not.toContain("allowedTCPPorts");
  });
});

describe("nix-trusted-users", () => {
  it("a remote-build account: manual, no removal, says how to restrict it", async () => {
    const f = await fixOf("nix-trusted-users", `{\n  nix.settings.trusted-users = [ "root" "nixremote" ];\n  users.users.nixremote = { isSystemUser = true; group = "nixremote"; openssh.authorizedKeys.keys = [ "ssh-ed25519 AAAA builder" ]; };\n}\n`);
    expect(f.safety).toBe("manual");
    expect(f.patch).toBe("");
    expect(f.description).toContain(`Do not just remove "nixremote"`);
    expect(f.description).toContain("nix.settings.allowed-users");
    expect(f.description).toContain("nix-daemon --stdio");
  });

  it("a system user with SSH keys, or one a build machine logs in as, counts too", async () => {
    const a = await fixOf("nix-trusted-users", `{\n  nix.settings.trusted-users = [ "root" "alfred" ];\n  users.users.alfred = { isSystemUser = true; group = "alfred"; openssh.authorizedKeys.keys = [ "ssh-ed25519 AAAA" ]; };\n}\n`);
    expect(a.safety).toBe("manual");
    const b = await fixOf("nix-trusted-users", `{\n  nix.settings.trusted-users = [ "root" "alfred" ];\n  nix.buildMachines = [ { hostName = "big"; sshUser = "alfred"; system = "x86_64-linux"; } ];\n}\n`);
    expect(b.safety).toBe("manual");
  });

  it("look-alike: an ordinary user is still removed by the patch", async () => {
    const f = await fixOf("nix-trusted-users", `{\n  nix.settings.trusted-users = [ "root" "alice" ];\n  users.users.alice = { isNormalUser = true; openssh.authorizedKeys.keys = [ "ssh-ed25519 AAAA" ]; };\n}\n`);
    expect(f.safety).toBe("review");
    expect(f.patch).toContain(`-  nix.settings.trusted-users = [ "root" "alice" ];`);
  });
});

describe("firewall-disabled: docker swarm", () => {
  it("a host that joins a swarm: manual with the swarm's ports; one that only mentions swarm: not", async () => {
    const a = await fixOf("firewall-disabled", `{ pkgs, ... }: {\n  virtualisation.docker.enable = true;\n  systemd.services.swarm-join = { wantedBy = [ "multi-user.target" ]; script = "\${pkgs.docker}/bin/docker swarm join --token-file /run/token manager:2377"; };\n  networking.firewall.enable = false;\n}\n`);
    expect(a.safety).toBe("manual");
    expect(a.description).toContain("2377 (cluster management)");
    const b = await fixOf("firewall-disabled", `{\n  virtualisation.docker.enable = true;\n  # no docker swarm here\n  virtualisation.docker.daemon.settings = { swarm-default-advertise-addr = ""; };\n  networking.firewall.enable = false;\n}\n`);
    expect(b.description).not.toContain("swarm");
  });
});
