// nix-maid modules (`users.users.<user>.maid`, `maid.sharedModules`) are evaluated per user: their
// `systemd.services` are systemd user units that run as the user, not root system services
// (viperML-dotfiles modules/maid/noctalia and modules/maid/mail, judged wrong as "runs as root").
// A system service of the same shape in a NixOS module still fires.
import { describe, expect, it } from "vitest";
import { scanMemory } from "../helpers/memory.js";

const UNIT = (name: string) => `  systemd.services.${name} = {
    script = "exec \${pkgs.isync}/bin/mbsync --all --verbose --listen 0.0.0.0";
    wantedBy = [ "default.target" ];
    serviceConfig.Restart = "always";
  };
`;

const REPO = {
  "flake.nix": `{
  outputs = { nixpkgs, nix-maid, ... }: {
    nixosConfigurations.box = nixpkgs.lib.nixosSystem { modules = [ ./host.nix nix-maid.nixosModules.default ]; };
  };
}
`,
  "host.nix": `{ pkgs, ... }:
{
  imports = [ ./users.nix ./desktop.nix ];
${UNIT("syncd")}}
`,
  "users.nix": `{ ... }:
{
  users.users.alice = { isNormalUser = true; maid = ./maid/common.nix; };
}
`,
  "desktop.nix": `{ ... }:
{
  maid.sharedModules = [ ./maid/shell ];
}
`,
  "maid/common.nix": `{ pkgs, ... }:
{
  imports = [ ./mail ];
  packages = [ pkgs.git ];
}
`,
  "maid/mail/default.nix": `{ pkgs, ... }:
{
${UNIT("isync")}}
`,
  "maid/shell/default.nix": `{ pkgs, lib, ... }:
{
  config = lib.mkMerge [
    {
      packages = [ pkgs.foot ];
      systemd.services.shell = {
        script = "exec \${pkgs.foot}/bin/foot --server";
        wantedBy = [ "graphical-session.target" ];
      };
    }
  ];
}
`,
};

describe("systemd services of nix-maid modules", async () => {
  const report = await scanMemory(REPO);
  const exposure = report.findings.filter((f) => f.ruleId === "systemd-service-exposure").map((f) => f.file).sort();

  it("a user unit of a nix-maid module is not reported as a root system service", () => {
    expect(exposure).not.toContain("maid/mail/default.nix");
    expect(exposure).not.toContain("maid/shell/default.nix");
    expect(report.inventory.services.map((s) => s.file)).not.toContain("maid/mail/default.nix");
  });

  it("a system service of the same shape still fires", () => {
    expect(exposure).toContain("host.nix");
  });
});
