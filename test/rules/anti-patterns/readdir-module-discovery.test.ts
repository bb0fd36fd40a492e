// readdir-module-discovery: module lists built by listing directories, helpers followed across files.
import { describe, expect, it } from "vitest";
import { sites } from "../../helpers/scan.js";
import { findingsOf, lineOf, scanWith } from "./helpers.js";

const RULE = "readdir-module-discovery";

const LIB = `{ lib }:
{
  scanPaths = path:
    map (f: path + "/\${f}") (builtins.attrNames (builtins.readDir path));
  listKeys = dir: builtins.attrNames (builtins.readDir dir);
}
`;
const USERS = `{ lib, ... }:
let
  userImports =
    let
      entries = builtins.readDir ./users;
    in
    map (n: ./users + "/\${n}") (lib.attrNames entries);
in
{
  imports = userImports;
}
`;

const FILES = {
  "lib/default.nix": LIB,
  "modules/a/default.nix": "{ configLib, ... }:\n{\n  imports = configLib.scanPaths ./.;\n}\n",
  "modules/b/default.nix": "{ configLib, ... }:\n{\n  imports = [ ./x.nix ] ++ (configLib.scanPaths ./.);\n}\n",
  "hosts/x.nix": "{ ... }:\n{\n  imports = map (n: ./dir + \"/${n}\") (builtins.attrNames (builtins.readDir ./dir));\n}\n",
  "users.nix": USERS,
  // silent: listings that do not build module lists
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
  it("reports each directory listing that builds module lists, through helpers in other files, once", async () => {
    const report = await scanWith(RULE, FILES);
    expect(sites(report, RULE)).toEqual(["hosts/x.nix:3", `lib/default.nix:${lineOf(LIB, "builtins.readDir path")}`, `users.nix:${lineOf(USERS, "builtins.readDir")}`]);
    const [local, helper, viaLet] = findingsOf(report, RULE);
    expect(local!.message).toContain("The module list at line 3 is built by listing a directory (readDir)");
    expect(helper!.message).toContain("(through `scanPaths`) builds module lists in 2 places (modules/a/default.nix:3, modules/b/default.nix:3)");
    expect(viaLet!.message).toContain("The module list at line 10");
    expect(helper).toMatchObject({ severity: "low", fix: { safety: "manual" } });
  });

  it("follows helpers that call helpers, and lib.filesystem.listFilesRecursive", async () => {
    const report = await scanWith(RULE, {
      "lib/modules.nix": "{ lib }:\nrec {\n  mapModules = dir: fn: map fn (builtins.attrNames (builtins.readDir dir));\n  mapModules' = dir: mapModules dir (x: x);\n}\n",
      "default.nix": "{ lib, ... }:\nwith lib.my;\n{\n  imports = mapModules' ./modules;\n}\n",
      "host.nix": "{ lib, ... }:\n{\n  imports = lib.filesystem.listFilesRecursive ./services;\n}\n",
    });
    expect(sites(report, RULE)).toEqual(["host.nix:3", "lib/modules.nix:3"]);
    expect(findingsOf(report, RULE)[1]!.message).toContain("default.nix:4");
  });
});
