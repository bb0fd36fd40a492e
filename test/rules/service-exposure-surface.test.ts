// systemd-service-exposure, from NixOS admins' judgement of findings on public configurations
// (issue 11 point 4): early-boot units, container-engine and Nix-store jobs, JIT runtimes, units
// whose user comes from an option or from a definition the scan cannot read, and severity by attack
// surface. Each case has a look-alike that must still be reported (or reported differently).
import { describe, expect, it } from "vitest";
import { ruleFindings } from "../helpers/memory.js";

const RULE = "systemd-service-exposure";

const exposure = (files: Record<string, string>) => ruleFindings(files, RULE);

describe("early-boot units", () => {
  const unit = (extra: string) =>
    `{ pkgs, ... }: {\n  systemd.services.measure-boot = {\n${extra}    wantedBy = [ "multi-user.target" ];\n    serviceConfig = { Type = "oneshot"; RemainAfterExit = true; };\n    script = ''\n      \${pkgs.curl}/bin/curl -fsS https://example.org/state -o /run/boot-state\n    '';\n  };\n}\n`;

  it("a oneshot with DefaultDependencies = false ordered before sysinit.target is not reported", async () => {
    const early = unit(`    unitConfig = { DefaultDependencies = false; FailureAction = "halt-force"; };\n    before = [ "sysinit.target" "shutdown.target" ];\n`);
    expect(await exposure({ "boot.nix": early })).toEqual([]);
  });

  it("ordered before sysinit.target alone is early boot too", async () => {
    expect(await exposure({ "boot.nix": unit(`    before = [ "sysinit.target" ];\n`) })).toEqual([]);
  });

  it("the same job in the ordinary boot is reported", async () => {
    const fs = await exposure({ "boot.nix": unit(`    after = [ "network-online.target" ];\n`) });
    expect(fs).toHaveLength(1);
    expect(fs[0]!.severity).toBe("low");
  });
});

describe("jobs that drive a container engine or the Nix store keep their user", () => {
  it("a boot oneshot that imports a podman image as root is not reported", async () => {
    const fs = await exposure({
      "runner.nix": `{ config, pkgs, ... }: {\n  systemd.services.runner-image = {\n    wantedBy = [ "multi-user.target" ];\n    after = [ "podman.service" ];\n    path = [ config.virtualisation.podman.package pkgs.gnutar ];\n    script = ''\n      mkdir -p etc/nix\n      echo "experimental-features = nix-command" > etc/nix/nix.conf\n      tar -cv . | podman import - runner-image\n    '';\n    serviceConfig = { Type = "oneshot"; RemainAfterExit = true; RuntimeDirectory = "runner-image"; WorkingDirectory = "/run/runner-image"; };\n  };\n}\n`,
    });
    expect(fs).toEqual([]);
  });

  it("a long-running podman daemon is reported without DynamicUser, User= or RestrictNamespaces", async () => {
    const fs = await exposure({
      "pod.nix": `{ pkgs, ... }: {\n  systemd.services.mypod = {\n    wantedBy = [ "multi-user.target" ];\n    serviceConfig.ExecStart = "\${pkgs.podman}/bin/podman run --rm --name mypod docker.io/library/busybox sleep infinity";\n  };\n}\n`,
    });
    expect(fs).toHaveLength(1);
    expect(fs[0]!.message).toContain("must run as root");
    expect(fs[0]!.fix?.patch).toBeUndefined();
    expect(fs[0]!.fix?.description).toMatch(/no DynamicUser, User= or RestrictNamespaces/);
  });

  it("an hourly job whose script (read from the flake's own tree) deletes system generations and collects garbage is not reported", async () => {
    const files = {
      "builder.nix": `{ config, inputs, pkgs, ... }: {\n  systemd.services.free-space = {\n    serviceConfig.Type = "oneshot";\n    startAt = "hourly";\n    path = [ config.nix.package pkgs.coreutils ];\n    script = builtins.readFile "\${inputs.self}/modules/shared/free-space.bash";\n  };\n}\n`,
      "modules/shared/free-space.bash": `nix-env --delete-generations 1d --profile /nix/var/nix/profiles/system\nwhile :; do\n  nix-store --gc --max-freed 10G\n  break\ndone\n`,
    };
    expect(await exposure(files)).toEqual([]);
    // Look-alike: the script only reports the disk usage, to the network.
    const report = await exposure({ ...files, "modules/shared/free-space.bash": `df -h / | curl -fsS --data-binary @- https://example.org/usage\n` });
    expect(report).toHaveLength(1);
    expect(report[0]!.fix?.description).toContain("DynamicUser");
  });
});

describe("JIT runtimes and users set through an option", () => {
  const site = (exec: string, env: string) =>
    `{ config, lib, pkgs, ... }:\nlet cfg = config.my.site;\nin {\n  options.my.site = {\n    enable = lib.mkEnableOption "site";\n    user = lib.mkOption { type = lib.types.str; default = "site"; };\n    port = lib.mkOption { type = lib.types.port; default = 6901; };\n  };\n  config = lib.mkIf cfg.enable {\n    users.users.site = { isSystemUser = true; group = "site"; };\n    systemd.services.site = {\n      wantedBy = [ "multi-user.target" ];\n      serviceConfig = {\n        User = cfg.user;\n        Environment = "${env}";\n        ExecStart = "${exec}";\n      };\n    };\n  };\n}\n`;

  it("a Node.js service is not proposed MemoryDenyWriteExecute, and its User = cfg.user counts as the option's default", async () => {
    const [f] = await exposure({ "site.nix": site("${pkgs.nodejs}/bin/node /srv/site/server.js", "NODE_ENV=production") });
    expect(f).toBeDefined();
    expect(f!.fix?.patch).toBeTruthy();
    expect(f!.fix!.patch).not.toContain("MemoryDenyWriteExecute");
    expect(f!.message).toContain("MemoryDenyWriteExecute is left out");
    expect(f!.message).not.toMatch(/User[^.]*could not be read/);
    expect(f!.title).toContain("is poorly sandboxed");
    expect(f!.severity).toBe("low");
  });

  it("the word node in a command or comment (`rad node status`, a single-node cluster) is not Node.js", async () => {
    const [f] = await exposure({ "site.nix": site("${pkgs.radicle}/bin/rad node start --foreground", "RAD_HOME=/var/lib/rad") });
    expect(f!.fix!.patch).toContain("MemoryDenyWriteExecute = true");
  });

  it("capabilities it may be given through an expression are not all dropped", async () => {
    const text = site("${pkgs.hello}/bin/hello", "PORT=6901").replace(`ExecStart =`, `AmbientCapabilities = lib.optionalString (cfg.port < 1024) "cap_net_bind_service";\n        ExecStart =`);
    const [f] = await exposure({ "site.nix": text });
    expect(f!.fix!.patch).not.toContain("CapabilityBoundingSet");
    const [plain] = await exposure({ "site.nix": site("${pkgs.hello}/bin/hello", "PORT=6901") });
    expect(plain!.fix!.patch).toContain('CapabilityBoundingSet = ""');
  });

  it("a service set up the same way running a compiled binary is proposed MemoryDenyWriteExecute", async () => {
    const [f] = await exposure({ "site.nix": site("${pkgs.hello}/bin/hello", "PORT=6901") });
    expect(f).toBeDefined();
    expect(f!.fix!.patch).toContain("MemoryDenyWriteExecute = true");
  });

  it("a Java service named only through JAVA_OPTS is recognised", async () => {
    const [f] = await exposure({ "site.nix": site("${pkgs.myapp}/bin/myapp", "JAVA_OPTS=-Xmx1g") });
    expect(f!.fix!.patch).not.toContain("MemoryDenyWriteExecute");
  });
});

describe("settings from a definition the scan cannot read", () => {
  it("a unit copying another unit's serviceConfig is scored as a bound and not said to run as root", async () => {
    const [f] = await exposure({
      "copy.nix": `{ config, pkgs, ... }: {\n  systemd.services.worker-2 = {\n    wantedBy = [ "multi-user.target" ];\n    serviceConfig = config.systemd.services.worker.serviceConfig // { ExecStart = "\${pkgs.hello}/bin/hello --worker 2"; };\n  };\n}\n`,
    });
    expect(f).toBeDefined();
    expect(f!.title).not.toContain("runs as root");
    expect(f!.message).not.toContain("runs as root");
    expect(f!.message).toContain("at most");
    expect(f!.fix?.patch).toBeUndefined();
  });

  it("...and a unit written out in full is", async () => {
    const [f] = await exposure({
      "copy.nix": `{ pkgs, ... }: {\n  systemd.services.worker-2 = {\n    wantedBy = [ "multi-user.target" ];\n    serviceConfig = { ExecStart = "\${pkgs.hello}/bin/hello --worker 2"; };\n  };\n}\n`,
    });
    expect(f!.title).toContain("runs as root");
  });

  it("a unit whose only definition here is `ExecStart = lib.mkForce ...` is another module's: a bound, not root", async () => {
    const [f] = await exposure({
      "override.nix": `{ lib, pkgs, ... }: {\n  systemd.services.vendor-setup.serviceConfig.ExecStart = lib.mkForce "\${pkgs.hello}/bin/hello --setup";\n}\n`,
    });
    if (f) {
      expect(f.title).not.toContain("runs as root");
      expect(f.message).toContain("at most");
      expect(f.fix?.patch).toBeUndefined();
    }
  });
});

describe("severity follows the attack surface", () => {
  it("a non-root daemon with no listener is low; a root daemon listening on all addresses is high", async () => {
    const [local] = await exposure({
      "a.nix": `{ pkgs, ... }: {\n  systemd.services.indexer = {\n    wantedBy = [ "multi-user.target" ];\n    serviceConfig = { ExecStart = "\${pkgs.hello}/bin/hello index"; User = "indexer"; };\n  };\n}\n`,
    });
    expect(local!.severity).toBe("low");
    const [dyn] = await exposure({
      "a.nix": `{ pkgs, ... }: {\n  systemd.services.indexer = {\n    wantedBy = [ "multi-user.target" ];\n    serviceConfig = { ExecStart = "\${pkgs.hello}/bin/hello index"; DynamicUser = true; };\n  };\n}\n`,
    });
    expect(dyn?.severity ?? "low").toBe("low");
    const [net] = await exposure({
      "a.nix": `{ pkgs, ... }: {\n  systemd.services.indexer = {\n    wantedBy = [ "multi-user.target" ];\n    serviceConfig = { ExecStart = "\${pkgs.hello}/bin/hello serve --listen 0.0.0.0:8080"; };\n  };\n  networking.firewall.allowedTCPPorts = [ 8080 ];\n}\n`,
    });
    expect(net!.severity).toBe("high");
  });
});

describe("container engines on the unit's path, server names without a listener", () => {
  it("a job with podman on its path and a script the scan cannot read gets no patch", async () => {
    const [f] = await exposure({
      "img.nix": `{ config, pkgs, inputs, ... }: {\n  systemd.services.build-image = {\n    wantedBy = [ "multi-user.target" ];\n    path = [ config.virtualisation.podman.package ];\n    script = builtins.readFile inputs.scripts.build;\n  };\n}\n`,
    });
    if (f) {
      expect(f.fix?.patch).toBeUndefined();
      expect(f.fix?.description).not.toMatch(/^Add to serviceConfig: DynamicUser/);
    }
  });

  it("...while the same job with only curl on its path is proposed DynamicUser", async () => {
    const [f] = await exposure({
      "img.nix": `{ config, pkgs, inputs, ... }: {\n  systemd.services.build-image = {\n    wantedBy = [ "multi-user.target" ];\n    path = [ pkgs.curl ];\n    script = builtins.readFile inputs.scripts.build;\n  };\n}\n`,
    });
    expect(f).toBeDefined();
    expect(f!.fix?.description).toContain("DynamicUser");
  });

  it("a daemon named like a server with its own user and no listener is low; as root it stays high", async () => {
    const unit = (user: string) => `{ pkgs, ... }: {\n  systemd.services.stats-api = {\n    wantedBy = [ "multi-user.target" ];\n    serviceConfig = { ExecStart = "\${pkgs.hello}/bin/hello"; ${user} };\n  };\n}\n`;
    const [own] = await exposure({ "a.nix": unit(`User = "stats";`) });
    expect(own!.severity).toBe("low");
    const [root] = await exposure({ "a.nix": unit("") });
    expect(root!.severity).toBe("high");
  });
});

describe("a module's own reverse proxy to its port option", () => {
  const mod = (proxy: string) =>
    `{ config, lib, pkgs, ... }:\nlet cfg = config.my.game;\nin {\n  options.my.game.port = lib.mkOption { type = lib.types.port; default = 3000; };\n  config = {\n    systemd.services.game = {\n      wantedBy = [ "multi-user.target" ];\n      environment.NODE_PORT = builtins.toString cfg.port;\n      serviceConfig.ExecStart = "\${pkgs.hello}/bin/hello";\n    };\n${proxy}  };\n}\n`;

  it("nginx proxying to 127.0.0.1:${toString cfg.port} makes the root daemon network-facing (high)", async () => {
    const [f] = await exposure({ "game.nix": mod(`    services.nginx.virtualHosts."game.example.org".locations."/".proxyPass = "http://127.0.0.1:\${builtins.toString cfg.port}";\n`) });
    expect(f!.severity).toBe("high");
    expect(f!.message).toContain("reverse proxy of its own module");
  });

  it("...and without the proxy it is a local daemon (low)", async () => {
    const [f] = await exposure({ "game.nix": mod("") });
    expect(f!.severity).toBe("low");
  });
});
