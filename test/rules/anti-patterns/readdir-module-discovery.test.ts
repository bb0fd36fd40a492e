// readdir-module-discovery: module lists built by listing directories, helpers followed across
// files. Reported only for a recursive discovery that keeps parts of its tree out by hand; the flat
// and self-importing listings judges called a convention stay silent.
import { describe, expect, it } from "vitest";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ruleById } from "../../../src/rules/index.js";
import { runScan } from "../../../src/scan/index.js";
import { sites, withRepo } from "../../helpers/scan.js";
import { findingsOf, lineOf, scanWith } from "./helpers.js";

const RULE = "readdir-module-discovery";

// A library's recursive scanPaths with a subtree kept out by hand, and a flat one without.
const LIB = `{ lib }:
rec {
  scanPaths = path:
    lib.concatMap (f: if lib.hasPrefix "wip-" f then [ ] else if lib.hasSuffix ".nix" f then [ (path + "/\${f}") ] else scanPaths (path + "/\${f}"))
      (builtins.attrNames (builtins.readDir path));
  flatPaths = path: map (f: path + "/\${f}") (builtins.attrNames (builtins.readDir path));
  listKeys = dir: builtins.attrNames (builtins.readDir dir);
}
`;
const USERS = `{ lib, ... }:
let
  userImports =
    let
      entries = builtins.readDir ./users;
    in
    map (n: ./users + "/\${n}") (lib.filter (n: n != "lib.nix") (lib.attrNames entries));
in
{
  imports = userImports;
}
`;

const FILES = {
  "lib/default.nix": LIB,
  "modules/a/default.nix": "{ configLib, ... }:\n{\n  imports = configLib.scanPaths ./.;\n}\n",
  "modules/b/default.nix": "{ configLib, ... }:\n{\n  imports = [ ./x.nix ] ++ (configLib.scanPaths ./.);\n}\n",
  "modules/c/default.nix": "{ configLib, ... }:\n{\n  imports = configLib.flatPaths ./.;\n}\n",
  "hosts/x.nix": "{ lib, ... }:\n{\n  imports = builtins.filter (f: !lib.hasSuffix \"/broken.nix\" (toString f)) (lib.filesystem.listFilesRecursive ./dir);\n}\n",
  // What the exclusions keep out: .nix files in the discovered trees that are not modules.
  "hosts/dir/broken.nix": "{ pkgs }: pkgs.hello\n",
  "modules/a/wip-draft.nix": "{ pkgs }: pkgs.hello\n",
  // silent: a flat listing, even with a file kept out by name (one file per admin), and listings
  // that do not build module lists
  "users.nix": USERS,
  "keys.nix": "{ configLib, ... }:\n{\n  users.users.a.openssh.authorizedKeys.keyFiles = map (k: ./keys + \"/${k}\") (configLib.listKeys ./keys);\n}\n",
  "etc.nix": "{ lib, ... }:\n{\n  environment.etc = lib.mapAttrs (n: _: { source = ./etc + \"/${n}\"; }) (builtins.readDir ./etc);\n  # imports = builtins.readDir ./.;\n}\n",
  "flake.nix": `{
  inputs = { };
  outputs = { self, ... }: let scan = dir: builtins.attrNames (builtins.readDir dir); in {
    nixosModules = scan ./modules;
  };
}
`,
};

describe(RULE, () => {
  it("reports recursive listings with hand-kept exclusions that build module lists, through helpers in other files, once", async () => {
    const report = await scanWith(RULE, FILES);
    expect(sites(report, RULE)).toEqual(["hosts/x.nix:3", `lib/default.nix:${lineOf(LIB, "(builtins.readDir path));")}`]);
    const [local, helper] = findingsOf(report, RULE);
    expect(local!.message).toContain("builds the module list at hosts/x.nix:3, and keeps out by hand what must not be imported (\"/broken.nix\")");
    expect(helper!.message).toContain("(through `scanPaths`) builds the module lists at modules/a/default.nix:3, modules/b/default.nix:3");
    expect(helper!.message).toContain('"wip-"');
    expect(helper).toMatchObject({ severity: "info", fix: { safety: "manual" } });
  });

  it("is silent on an exclusion that names no file of the repository (copied from another configuration)", async () => {
    const report = await scanWith(RULE, {
      "modules/default.nix": `{ lib, ... }:\nlet\n  getDir = dir: lib.mapAttrs (file: type: if type == "directory" then getDir "\${dir}/\${file}" else type) (builtins.readDir dir);\n  files = dir: lib.collect lib.isString (lib.mapAttrsRecursive (path: type: lib.concatStringsSep "/" path) (getDir dir));\n  validFiles = dir: map (file: ./. + "/\${file}") (lib.filter (file: lib.hasSuffix ".nix" file && file != "default.nix" && !lib.hasPrefix "x/taffybar/" file) (files dir));\nin\n{\n  imports = validFiles ./.;\n}\n`,
      "modules/docker.nix": "{ ... }:\n{\n  virtualisation.docker.enable = true;\n}\n",
    });
    expect(sites(report, RULE)).toEqual([]);
    // The same listing with a file where the exclusion points is reported.
    const kept = await scanWith(RULE, {
      "modules/default.nix": `{ lib, ... }:\nlet\n  getDir = dir: lib.mapAttrs (file: type: if type == "directory" then getDir "\${dir}/\${file}" else type) (builtins.readDir dir);\n  files = dir: lib.collect lib.isString (lib.mapAttrsRecursive (path: type: lib.concatStringsSep "/" path) (getDir dir));\n  validFiles = dir: map (file: ./. + "/\${file}") (lib.filter (file: lib.hasSuffix ".nix" file && file != "default.nix" && !lib.hasPrefix "x/taffybar/" file) (files dir));\nin\n{\n  imports = validFiles ./.;\n}\n`,
      "modules/docker.nix": "{ ... }:\n{\n  virtualisation.docker.enable = true;\n}\n",
      "modules/x/taffybar/default.nix": "{ pkgs }: pkgs.hello\n",
    });
    expect(sites(kept, RULE)).toHaveLength(1);
  });

  it("is silent on the conventions: a folder importing its own files, a library's flat scanPaths, a recursive one with no exclusions", async () => {
    const report = await scanWith(RULE, {
      "modules/default.nix": `{\n  imports = builtins.concatMap (m: if m != "default.nix" then [ ./\${m} ] else [ ]) (builtins.attrNames (builtins.readDir ./.));\n}\n`,
      "lib/modules.nix": "{ lib }:\nrec {\n  mapModulesRec = dir: lib.concatMap (n: if n == \"default.nix\" || lib.hasPrefix \"_\" n then [ ] else if lib.hasSuffix \".nix\" n then [ (dir + \"/${n}\") ] else mapModulesRec (dir + \"/${n}\")) (builtins.attrNames (builtins.readDir dir));\n}\n",
      "default.nix": "{ lib, ... }:\nwith lib.my;\n{\n  imports = mapModulesRec ./modules;\n}\n",
      "home.nix": "{ lib, ... }:\n{\n  imports = lib.filesystem.listFilesRecursive ./config;\n}\n",
    });
    expect(sites(report, RULE)).toEqual([]);
  });

  it("is silent when the entries are not imported themselves: modules picked by key, fixed files of host directories", async () => {
    const report = await scanWith(RULE, {
      "lib/builders.nix": `{ lib }:
let
  official = builtins.readDir ./formats;
  formatModules = lib.mapAttrs (n: _: { imports = [ (if lib.hasAttr n official then ./formats + "/\${n}" else ./extra-formats + "/\${n}") ]; }) (official // builtins.readDir ./extra-formats);
in {
  mkImage = format: lib.nixosSystem { modules = [ formatModules.\${format} ]; };
}
`,
      "flake.nix": `{
  outputs = { nixpkgs, ... }: let
    lib = nixpkgs.lib;
    hostNames = builtins.attrNames (builtins.readDir ./hosts);
    shared = lib.concatMap (name: lib.optional (builtins.pathExists ./hosts/\${name}/shared.nix) ./hosts/\${name}/shared.nix) hostNames;
  in {
    nixosConfigurations = lib.genAttrs hostNames (name: lib.nixosSystem { modules = [ ./hosts/\${name}/default.nix ] ++ shared; });
  };
}
`,
    });
    expect(sites(report, RULE)).toEqual([]);
  });

  it("follows a helper's file changing between scans in one process (results kept per tree are redone)", async () => {
    await withRepo(FILES, async (root) => {
      const rules = [ruleById(RULE)!];
      const first = await runScan({ root, quick: true, rules });
      const at = `lib/default.nix:${lineOf(LIB, "(builtins.readDir path));")}`;
      expect(sites(first, RULE)).toContain(at);
      // The helper no longer lists a directory: modules/a and modules/b stop being reported through it.
      await writeFile(join(root, "lib/default.nix"), LIB.replace("(builtins.readDir path));", "(import (path + \"/list.nix\")));"));
      const second = await runScan({ root, quick: true, rules });
      expect(sites(second, RULE)).toEqual(["hosts/x.nix:3"]);
      // A module's own list changes from a helper call to a plain list: the helper's finding names one place.
      await writeFile(join(root, "lib/default.nix"), LIB);
      await writeFile(join(root, "modules/b/default.nix"), "{ configLib, ... }:\n{\n  imports = [ ./x.nix ];\n}\n");
      const third = await runScan({ root, quick: true, rules });
      const helper = findingsOf(third, RULE).find((f) => f.file === "lib/default.nix")!;
      expect(helper.message).toContain("builds the module list at modules/a/default.nix:3,");
    });
  });
});
