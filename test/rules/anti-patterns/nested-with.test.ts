// nested-with: chained `with` scopes; file-opening chains grouped across the repository.
import { describe, expect, it } from "vitest";
import { sites } from "../../helpers/scan.js";
import { findingsOf, scanWith } from "./helpers.js";

const RULE = "nested-with";

const MODULE = `{ pkgs, lib, ... }:
with lib;
{
  environment.systemPackages = with pkgs; with python3Packages; [ requests ];
  programs.x.plugins = with pkgs; [ (with vimPlugins; vim-nix) ];
  # with a; with b; c
  environment.etc.x.text = "with a; with b; c";
  y = with pkgs; (with lib; [ ]);
  z = with pkgs; with lib; with builtins; [ ];
}
`;

describe(RULE, () => {
  it("reports directly chained with scopes once per chain, not scopes nested far apart", async () => {
    const report = await scanWith(RULE, { "module.nix": MODULE });
    expect(sites(report, RULE)).toEqual(["module.nix:4", "module.nix:8", "module.nix:9"]);
    const [a, , c] = findingsOf(report, RULE);
    expect(a).toMatchObject({ column: 32, endColumn: 64, severity: "info", evidence: "with pkgs; with python3Packages;" });
    expect(a!.message).toContain("2 nested `with` scopes (pkgs, python3Packages)");
    expect(c!.message).toContain("3 nested `with` scopes (pkgs, lib, builtins)");
    expect(a!.fix).toMatchObject({ safety: "manual" });
  });

  it("reports chains that open files once for the repository, whatever their order or members, naming the other files", async () => {
    const head = "{ lib, my, ... }:\nwith lib;\nwith my.lib;\n{ }\n";
    const report = await scanWith(RULE, {
      "modules/a.nix": head,
      "modules/b.nix": head,
      "modules/c.nix": `{ lib, my, ... }:\nlet x = 1; in\nwith lib; with my.lib;\n{ y = x; }\n`,
      "modules/d.nix": "{ lib }: with lib; with builtins; { }\n",
      "modules/e.nix": "{ lib }:\nwith lib;\n{ }\n",
    });
    // d.nix's `with lib; with builtins;` is the same habit in another order: one finding, at the
    // most common chain's first file (wiltaylor-dotfiles had five findings for one habit).
    expect(sites(report, RULE)).toEqual(["modules/a.nix:2"]);
    const [grouped] = findingsOf(report, RULE);
    expect(grouped!.message).toContain("3 other files open the same way (2 variants: `with lib; with my.lib;` 3x, `with lib; with builtins;` 1x) (modules/b.nix:2, modules/c.nix:3, modules/d.nix:1); reported once here, as one habit of the repository.");
  });
});
