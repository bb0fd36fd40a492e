// The host graph's gate keys and per-host values carried from one repeat scan to the next
// (scan/gate-deps.ts): a graph built after a file changed keeps the last graph's answers that read
// nothing that file says, and works out again those that did. A repeat scan equals a fresh scan
// after each kind of change that moves a gate or a value in a file that did not change.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { SecurityReport } from "../../src/report/schema.js";
import { clearScanCache, runScan } from "../../src/scan/index.js";
import { withRepo } from "../helpers/scan.js";

const body = (r: SecurityReport) => JSON.stringify({ ...r, generatedAt: undefined });

const flake = `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.11";
  outputs = { self, nixpkgs, ... }: {
    nixosConfigurations.a = nixpkgs.lib.nixosSystem { system = "x86_64-linux"; modules = [ ./hosts/a.nix ./modules ]; };
    nixosConfigurations.b = nixpkgs.lib.nixosSystem { system = "x86_64-linux"; modules = [ ./hosts/b.nix ./modules ]; };
  };
}
`;

const REPO = {
  "flake.nix": flake,
  "hosts/a.nix": `{ ... }:\n{\n  networking.hostName = "a";\n  site.web.enable = true;\n}\n`,
  "hosts/b.nix": `{ ... }:\n{\n  networking.hostName = "b";\n}\n`,
  "modules/default.nix": `{ ... }:\n{\n  imports = [ ./options.nix ./web.nix ./server.nix ./unused.nix ];\n}\n`,
  "modules/options.nix": `{ lib, ... }:\n{\n  options.site.server = lib.mkOption { type = lib.types.bool; default = false; };\n  options.site.web.enable = lib.mkEnableOption "web";\n}\n`,
  // Gated on an enable (host-gates.ts).
  "modules/web.nix": `{ config, lib, ... }:\nlet cfg = config.site.web; in\n{\n  config = lib.mkIf cfg.enable {\n    services.openssh.enable = true;\n    services.openssh.settings.PasswordAuthentication = true;\n  };\n}\n`,
  // Gated on a value (host-values.ts).
  "modules/server.nix": `{ config, lib, ... }:\n{\n  config = lib.mkIf config.site.server {\n    security.sudo.wheelNeedsPassword = false;\n  };\n}\n`,
  // Gated on an enable of its own no host turns on (dead unless another file names it).
  "modules/unused.nix": `{ config, lib, ... }:\n{\n  options.site.unused.enable = lib.mkEnableOption "unused";\n  config = lib.mkIf config.site.unused.enable {\n    networking.firewall.enable = false;\n  };\n}\n`,
  "lib/notes.nix": `{ }\n`,
};

describe("gate keys and host values on a repeat scan", () => {
  it("equal a fresh scan's after changes elsewhere that move a gate or a value of an unchanged file", async () => {
    clearScanCache();
    await withRepo(REPO, async (root) => {
      const edit = async (file: string, change: (text: string) => string) => {
        const path = join(root, file);
        await writeFile(path, change(await readFile(path, "utf8")));
      };
      const steps: Array<[string, (text: string) => string]> = [
        // A comment: no gate moves.
        ["hosts/b.nix", (t) => `${t}# a comment\n`],
        // Host b turns the web module on: its findings are b's too.
        ["hosts/b.nix", (t) => t.replace('networking.hostName = "b";', 'networking.hostName = "b";\n  site.web.enable = true;')],
        // Host a is a server.
        ["hosts/a.nix", (t) => t.replace("site.web.enable = true;", "site.web.enable = true;\n  site.server = true;")],
        // Every host is, by the option's default.
        ["modules/options.nix", (t) => t.replace("default = false;", "default = true;")],
        // But b, forced off.
        ["hosts/b.nix", (t) => t.replace("site.web.enable = true;", "site.web.enable = true;\n  site.server = lib.mkForce false;")],
        // A file no host includes names the unused module's option: it may be on somewhere.
        ["lib/notes.nix", () => `{\n  x = { unused.enable = true; };\n}\n`],
        // And no longer.
        ["lib/notes.nix", () => `{ }\n`],
      ];
      await runScan({ root, quick: true });
      const changed: boolean[] = [];
      for (const [file, change] of steps) {
        const before = body(await runScan({ root, quick: true }));
        await edit(file, change);
        const warm = body(await runScan({ root, quick: true }));
        changed.push(warm !== before);
        clearScanCache();
        expect(warm, `after editing ${file}`).toBe(body(await runScan({ root, quick: true })));
        // The caches filled again (the fresh scan cleared them), then the next change.
        await runScan({ root, quick: true });
      }
      // Each change but the comment moves a finding (so the comparisons above compare something).
      expect(changed.slice(1)).toEqual([true, true, true, true, true, true]);
    });
  }, 120_000);
});

describe("gate keys that read a host's module arguments", () => {
  it("follow a change to the file the argument's value is imported from, several scans later", async () => {
    clearScanCache();
    const files = {
      "flake.nix": `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.11";
  outputs = { self, nixpkgs, ... }: {
    nixosConfigurations.a = nixpkgs.lib.nixosSystem { system = "x86_64-linux"; specialArgs = { vars = import ./vars-a.nix; }; modules = [ ./hosts/a.nix ./modules/server.nix ]; };
    nixosConfigurations.b = nixpkgs.lib.nixosSystem { system = "x86_64-linux"; specialArgs = { vars = import ./vars-b.nix; }; modules = [ ./hosts/b.nix ./modules/server.nix ]; };
  };
}
`,
      "vars-a.nix": `{ isServer = true; }\n`,
      "vars-b.nix": `{ isServer = false; }\n`,
      "hosts/a.nix": `{ ... }:\n{\n  networking.hostName = "a";\n}\n`,
      "hosts/b.nix": `{ ... }:\n{\n  networking.hostName = "b";\n}\n`,
      "modules/server.nix": `{ lib, vars, ... }:\n{\n  config = lib.mkIf vars.isServer {\n    security.sudo.wheelNeedsPassword = false;\n  };\n}\n`,
    };
    await withRepo(files, async (root) => {
      const edit = async (file: string, change: (text: string) => string) => {
        const path = join(root, file);
        await writeFile(path, change(await readFile(path, "utf8")));
      };
      const hostsOf = (r: SecurityReport) => r.findings.filter((f) => f.ruleId === "sudo-nopasswd").map((f) => f.host);
      expect(hostsOf(await runScan({ root, quick: true }))).toEqual([["a"]]);
      // Scans in between that keep the gate keys (no argument read again), then the argument changes.
      await edit("hosts/a.nix", (t) => `${t}# one\n`);
      await runScan({ root, quick: true });
      await edit("hosts/b.nix", (t) => `${t}# two\n`);
      await runScan({ root, quick: true });
      await edit("vars-b.nix", () => `{ isServer = true; }\n`);
      const warm = await runScan({ root, quick: true });
      clearScanCache();
      const fresh = await runScan({ root, quick: true });
      expect(body(warm)).toBe(body(fresh));
      expect(hostsOf(fresh)).toEqual([["a"], ["b"]]);
    });
  }, 120_000);
});

describe("gate keys that read a builder writing a module's set from the host's argument", () => {
  it("follow a change to the builder's file, which no host imports (pt:<builder>)", async () => {
    clearScanCache();
    const files = {
      "flake.nix": `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.11";
  outputs = { self, nixpkgs, ... }: let
    host = import ./lib/host.nix { lib = nixpkgs.lib; };
  in {
    nixosConfigurations.server = host.mkHost { name = "server"; systemConfig = { pastebin.enable = true; }; };
    nixosConfigurations.desk = host.mkHost { name = "desk"; systemConfig = { }; };
  };
}
`,
      "lib/host.nix": `{ lib }: {\n  mkHost = { name, systemConfig }:\n    lib.nixosSystem {\n      modules = [ ../modules/pastebin.nix { jd = systemConfig; networking.hostName = name; } ];\n    };\n}\n`,
      "modules/pastebin.nix": `{ config, lib, ... }: let cfg = config.jd.pastebin; in {\n  options.jd.pastebin.enable = lib.mkEnableOption "pastebin";\n  config = lib.mkIf cfg.enable { security.sudo.wheelNeedsPassword = false; };\n}\n`,
    };
    await withRepo(files, async (root) => {
      const hostsOf = (r: SecurityReport) => r.findings.filter((f) => f.ruleId === "sudo-nopasswd").map((f) => f.host);
      expect(hostsOf(await runScan({ root, quick: true }))).toEqual([["server"]]);
      // The builder no longer hands the host's set to the module: which hosts turn it on is unknown.
      const path = join(root, "lib/host.nix");
      await writeFile(path, (await readFile(path, "utf8")).replace("jd = systemConfig;", "jd = { };"));
      const warm = await runScan({ root, quick: true });
      clearScanCache();
      const fresh = await runScan({ root, quick: true });
      expect(body(warm)).toBe(body(fresh));
      expect(hostsOf(fresh)).not.toEqual([["server"]]);
    });
  }, 120_000);
});
