// readdir-module-discovery: module lists built by listing directories, helpers followed across files.
import { describe, expect, it } from "vitest";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ruleById } from "../../../src/rules/index.js";
import { runScan } from "../../../src/scan/index.js";
import { sites, withRepo } from "../../helpers/scan.js";
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
    expect(helper).toMatchObject({ severity: "info", fix: { safety: "manual" } });
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

  it("follows a helper's file changing between scans in one process (results kept per tree are redone)", async () => {
    await withRepo(FILES, async (root) => {
      const rules = [ruleById(RULE)!];
      const first = await runScan({ root, quick: true, rules });
      expect(sites(first, RULE)).toContain(`lib/default.nix:${lineOf(LIB, "builtins.readDir path")}`);
      // The helper no longer lists a directory: modules/a and modules/b stop being reported through it.
      await writeFile(join(root, "lib/default.nix"), LIB.replace("(builtins.readDir path)", "(import (path + \"/list.nix\"))"));
      const second = await runScan({ root, quick: true, rules });
      expect(sites(second, RULE)).toEqual(["hosts/x.nix:3", `users.nix:${lineOf(USERS, "builtins.readDir")}`]);
      // A module's own list changes from a helper call to a plain list: the helper's finding names one place.
      await writeFile(join(root, "lib/default.nix"), LIB);
      await writeFile(join(root, "modules/b/default.nix"), "{ configLib, ... }:\n{\n  imports = [ ./x.nix ];\n}\n");
      const third = await runScan({ root, quick: true, rules });
      const helper = findingsOf(third, RULE).find((f) => f.file === "lib/default.nix")!;
      expect(helper.message).toContain("builds module lists in 1 place (modules/a/default.nix:3)");
    });
  });
});
