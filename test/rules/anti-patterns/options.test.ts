// mkoption-without-description and types-str-merge: option declarations.
import { describe, expect, it } from "vitest";
import { sites } from "../../helpers/scan.js";
import { nixAvailable } from "../../helpers/nix.js";
import { applyFix, findingsOf, flakeWith, lineOf, scanWith } from "./helpers.js";

const NO_DESC = "mkoption-without-description";
const STR = "types-str-merge";

const DECLS = `{ lib, pkgs, ... }:
with lib;
{
  options.my = {
    a = mkOption { type = types.str; };
    b = mkOption { type = types.str; description = "B."; };
    c = mkEnableOption "c";
    d = mkOption { type = types.int; internal = true; };
    e = mkOption { type = types.int; visible = false; };
    f = lib.mkOption {
      type = types.submodule {
        options.g = mkOption { type = types.str; };
      };
      description = "F.";
    };
    h = mkOption ({ type = types.str; } // { description = "H."; });
    i = mkPackageOption pkgs "hello" { };
    j = mkOption { inherit (import ./d.nix) description; };
    # k = mkOption { };
  };
  options.accounts.email.accounts = mkOption {
    type = with types; attrsOf (submodule ./accounts.nix);
  };
  options.users.users = mkOption { type = types.attrsOf (types.submodule { }); default = { }; };
  config.my.l = "mkOption { }";
}
`;

describe(NO_DESC, () => {
  it("reports mkOption without description, not documented, internal or generated ones", async () => {
    // In a configuration repository (a host includes the file): one finding for the file, at its
    // first undocumented declaration, naming all of them; a library gets none (test/scan/classify.test.ts).
    const report = await scanWith(NO_DESC, { "decls.nix": DECLS, "flake.nix": flakeWith(["./decls.nix"]) });
    expect(sites(report, NO_DESC)).toEqual([`decls.nix:${lineOf(DECLS, "a = mkOption")}`]);
    const [all] = findingsOf(report, NO_DESC);
    expect(all).toMatchObject({ column: 5, severity: "info", fix: { safety: "manual" } });
    expect(all!.message).toBe("3 options in this file are declared without a description (my.a, options.g, users.users): what they control and what their values mean are documented nowhere. (Maintenance, not security: it does not lower the host's score.)");
  });
});

const STR_DECLS = `{ lib, ... }:
{
  options.my = {
    targets = lib.mkOption {
      type = lib.types.str;
      default = "";
      description = "Scrape targets, one per line.";
    };
    motd = lib.mkOption {
      type = lib.types.nullOr lib.types.str;
      default = ''
        Welcome.
        Be nice.
      '';
      description = "Message of the day.";
    };
    name = lib.mkOption {
      type = lib.types.str;
      default = "x";
      description = "One name.";
    };
    lines = lib.mkOption { type = lib.types.lines; default = ""; description = "Lines, one per line."; };
    label = lib.mkOption {
      type = lib.types.str; # one per line
      default = "";
      description = "A label.";
    };
    extra = lib.mkOption { type = lib.types.str; default = ""; description = "Extra text."; };
    conditional = lib.mkOption { type = lib.types.str; default = ""; description = "C."; };
    same = lib.mkOption { type = lib.types.str; default = ""; description = "S."; };
    script = lib.mkOption {
      internal = true;
      type = lib.types.str;
      default = ''
        echo \${"x"}
        echo y
      '';
      description = "Generated.";
    };
    fixed = lib.mkOption {
      readOnly = true;
      type = lib.types.str;
      default = ''
        a
        b
      '';
      description = "Read-only.";
    };
  };
}
`;

describe(STR, () => {
  it("reports str options whose declaration says they hold lines", async () => {
    const report = await scanWith(STR, { "decls.nix": STR_DECLS });
    // A multi-line default (motd) is no reason: a definition replaces it without merging.
    expect(sites(report, STR)).toEqual(["decls.nix:5"]);
    const [targets] = findingsOf(report, STR);
    expect(targets).toMatchObject({ optionPath: "my.targets", column: 14, severity: "low", fix: { safety: "review" } });
    expect(targets!.message).toContain('its description says "one per line"');
  });

  it("does not merge the entry files of two other hosts' folders into one host", async () => {
    const files = {
      "flake.nix": flakeWith(["./decls.nix", "./nodes/riverwood/default.nix", "./nodes/whiterun/default.nix"]).replace("nixosConfigurations.example", "nixosConfigurations.android"),
      "decls.nix": STR_DECLS,
      "nodes/riverwood/default.nix": `{ ... }: { my.extra = "a"; }\n`,
      "nodes/whiterun/default.nix": `{ ... }: { my.extra = "b"; }\n`,
    };
    const report = await scanWith(STR, files);
    expect(findingsOf(report, STR).map((f) => f.optionPath)).toEqual(["my.targets"]);
    // Host riverwood, whose own folder is beside whiterun's: whiterun's entry file is not its own.
    const own = { ...files, "flake.nix": files["flake.nix"].replace("nixosConfigurations.android", "nixosConfigurations.riverwood") };
    expect(findingsOf(await scanWith(STR, own), STR).map((f) => f.optionPath)).toEqual(["my.targets"]);
    // Two modules of one folder that the host imports still conflict.
    const shared = {
      "flake.nix": flakeWith(["./decls.nix", "./modules/a/default.nix", "./modules/b/default.nix", "./hosts/riverwood/default.nix"]).replace("nixosConfigurations.example", "nixosConfigurations.riverwood"),
      "decls.nix": STR_DECLS,
      "hosts/riverwood/default.nix": `{ ... }: { my.extra = "a"; }\n`,
      "modules/b/default.nix": `{ ... }: { my.extra = "b"; }\n`,
      "modules/a/default.nix": `{ ... }: { }\n`,
    };
    expect(findingsOf(await scanWith(STR, shared), STR).map((f) => f.optionPath).sort()).toEqual(["my.extra", "my.targets"]);
  });

  it("reports a str option a host defines twice at the same priority, once, at the declaration", async () => {
    const files = {
      "flake.nix": flakeWith(["./decls.nix", "./a.nix", "./b.nix"]).replace("nixosConfigurations.example", "nixosConfigurations.one") + "",
      "decls.nix": STR_DECLS,
      "a.nix": `{ lib, ... }: { my.extra = "a"; my.conditional = lib.mkIf true "a"; my.same = "s"; }\n`,
      "b.nix": `{ lib, ... }: { my.extra = "b"; my.conditional = "b"; my.same = "s"; my.name = lib.mkForce "y"; }\n`,
    };
    const report = await scanWith(STR, files);
    const extra = findingsOf(report, STR).filter((f) => f.optionPath === "my.extra");
    expect(extra).toHaveLength(1);
    expect(extra[0]).toMatchObject({ file: "decls.nix", line: lineOf(STR_DECLS, "extra = "), host: ["one"] });
    expect(extra[0]!.message).toContain("host one defines it 2 times at the same priority (a.nix:1, b.nix:1)");
    expect(findingsOf(report, STR).map((f) => f.optionPath).sort()).toEqual(["my.extra", "my.targets"]);
  });

  it.skipIf(!nixAvailable)("switches the type to types.lines; the patch applies and parses", async () => {
    const files = { "decls.nix": STR_DECLS };
    const report = await scanWith(STR, files);
    const [targets] = findingsOf(report, STR);
    const patched = await applyFix(files, targets);
    expect(patched["decls.nix"]!.split("\n")[4]).toBe("      type = lib.types.lines;");
    expect(sites(await scanWith(STR, patched), STR)).toEqual([]);
  });
});
