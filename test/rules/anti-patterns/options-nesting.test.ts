// config-options-confusion follows the nesting of a module's `options` the way the module system
// does: a declaration several sets deep inside `options = { ... }` (whatever the inner attribute
// names, `defaults` and `machine` included) is a declaration, not a value under config.
import { describe, expect, it } from "vitest";
import { ALL_RULES } from "../../../src/rules/index.js";
import { runExample } from "../../helpers/memory.js";
import { parseNix } from "../../../src/nix/index.js";
import { buildOptionIndex } from "../../../src/nix/options.js";

const rule = ALL_RULES.find((r) => r.id === "config-options-confusion")!;

const silent: Record<string, string> = {
  "deep nesting with a `defaults` set": `{ config, lib, ... }:
{
  options = {
    networking.overlay = {
      enable = lib.mkEnableOption "overlay";
      peering = {
        defaults = {
          link.v6.local = lib.mkOption { type = lib.types.str; default = "fe80::1"; };
          tunnel = {
            keyFile = lib.mkOption { type = lib.types.str; };
          };
          shaping.enable = lib.mkEnableOption "shaping";
        };
      };
    };
  };
  config = lib.mkIf config.networking.overlay.enable { networking.firewall.enable = true; };
}
`,
  "a `machine` set split over attrpaths": `{ lib, ... }:
{
  options.fleet = { machine.name = lib.mkOption { type = lib.types.str; }; };
  options.fleet.machine = {
    role = lib.mkOption { type = lib.types.str; };
  };
}
`,
  "a let-bound set of declarations": `{ lib, ... }:
let
  common = {
    defaults = { port = lib.mkOption { type = lib.types.port; }; };
  };
in
{
  options.services.relay = common // { enable = lib.mkEnableOption "relay"; };
}
`,
  "a set of declarations handed to mkMerge's definitions' submodule": `{ lib, config, ... }:
{
  options.services.relay.enable = lib.mkEnableOption "relay";
  config = lib.mkMerge [
    { services.relay.enable = lib.mkDefault true; }
    (lib.mkIf config.services.relay.enable { networking.firewall.allowedTCPPorts = [ 4000 ]; })
  ];
}
`,
  "a submodule's own options inside a let": `{ lib, ... }:
let
  peer = { name, ... }: {
    options = {
      defaults = { mtu = lib.mkOption { type = lib.types.int; default = 1420; }; };
      machine = lib.mkOption { type = lib.types.str; default = name; };
    };
  };
in
{
  options.services.mesh.peers = lib.mkOption { type = lib.types.attrsOf (lib.types.submodule peer); default = { }; };
}
`,
  "types.submodule { options = ...; } in a declaration": `{ lib, ... }:
{
  options.services.mesh.extra = lib.mkOption {
    type = lib.types.submodule { options.defaults = { mtu = lib.mkOption { type = lib.types.int; }; }; };
  };
}
`,
};

describe("config-options-confusion: nesting of `options`", () => {
  for (const [name, text] of Object.entries(silent)) {
    it(`stays silent: ${name}`, async () => {
      const { findings } = await runExample(rule, text);
      expect(findings.map((f) => `${f.line}: ${f.message}`)).toEqual([]);
    });
  }

  it("still fires on a declaration under config and in the short form, however deep", async () => {
    const { findings } = await runExample(
      rule,
      `{ lib, ... }:
{
  services.overlay = {
    peering = {
      defaults = {
        link.v6.local = lib.mkOption { type = lib.types.str; };
      };
    };
  };
}
`,
    );
    expect(findings.map((f) => f.optionPath)).toEqual(["services.overlay.peering.defaults.link.v6.local"]);
    const full = await runExample(rule, `{ lib, ... }:\n{\n  options.a.enable = lib.mkEnableOption "a";\n  config = { a.defaults = { port = lib.mkOption { type = lib.types.port; }; }; };\n}\n`);
    expect(full.findings.map((f) => f.optionPath)).toEqual(["a.defaults.port"]);
    const merged = await runExample(rule, `{ lib, ... }:\n{\n  options.a.enable = lib.mkEnableOption "a";\n  config = lib.mkMerge [ { a.machine.port = lib.mkOption { type = lib.types.port; }; } ];\n}\n`);
    expect(merged.findings.map((f) => f.optionPath)).toEqual(["a.machine.port"]);
  });

  it("a VM test's `defaults` and `machine` are still modules", () => {
    for (const text of [
      `{ pkgs, ... }:\npkgs.testers.runNixOSTest {\n  name = "t";\n  defaults = { services.x.port = 1; };\n  nodes.a = { };\n  testScript = "";\n}\n`,
      `import ./make-test.nix {\n  machine = { services.x.port = 1; };\n  testScript = "";\n}\n`,
    ]) {
      expect(buildOptionIndex(parseNix(text).root).byPath.has("services.x.port"), text).toBe(true);
    }
    // The same names in a set that is no test are not modules.
    expect(buildOptionIndex(parseNix(`{ lib, ... }:\nlet cfg = { defaults = { services.x.port = 1; }; }; in { }\n`).root).byPath.has("services.x.port")).toBe(false);
  });
});
