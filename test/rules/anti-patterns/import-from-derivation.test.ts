// import-from-derivation: import/readFile/readDir/callPackage of a derivation's output.
import { describe, expect, it } from "vitest";
import { sites } from "../../helpers/scan.js";
import { findingsOf, lineOf, scanWith } from "./helpers.js";

const RULE = "import-from-derivation";

const FILE = `{ pkgs, lib, inputs, modulesPath, ... }:
let
  upstream = pkgs.fetchFromGitHub { owner = "o"; repo = "r"; rev = "v1"; hash = ""; };
  generated = pkgs.runCommand "gen.nix" { } "echo {} > $out";
  local = ./local.nix;
  sources = builtins.fetchTarball { url = "https://example.org/x.tar.gz"; sha256 = ""; };
in
{
  imports = [
    (import "\${upstream}/module.nix")
    "\${modulesPath}/profiles/minimal.nix"
    ./local.nix
  ];
  a = import generated;
  b = builtins.readFile "\${pkgs.hello}/share/doc/hello.txt";
  c = lib.importJSON (pkgs.writeText "x.json" "{}");
  d = import "\${inputs.other}/default.nix";
  e = import (pkgs.path + "/nixos/lib/eval-config.nix");
  f = import "\${sources}/default.nix";
  g = import (builtins.fetchTarball "https://example.org/y.tar.gz");
  h = import <nixpkgs> { };
  i = import local;
  j = pkgs.callPackage (pkgs.fetchFromGitHub { owner = "o"; repo = "r"; rev = "v1"; hash = ""; }) { };
  # k = import "\${pkgs.hello}/x.nix";
  l = "import \${upstream}/x.nix";
  m = builtins.readDir (upstream + "/modules");
  n = builtins.readFile ((pkgs.formats.json { }).generate "x.json" { });
  o = pkgs.callPackage ./pkg.nix { };
  p = import "\${pkgs.path}/nixos" { };
  q = builtins.readFile "\${./.}/x";
}
`;

describe(RULE, () => {
  it("reports imports and reads of derivation outputs, not of sources, inputs, nixpkgs or evaluation-time fetches", async () => {
    const report = await scanWith(RULE, { "module.nix": FILE });
    const want = ['(import "${upstream}', "a = import", "b = builtins", "c = lib", "j = pkgs", "m = builtins", "n = builtins"].map((n) => `module.nix:${lineOf(FILE, n)}`);
    expect(sites(report, RULE)).toEqual(want);
    const [first] = findingsOf(report, RULE);
    expect(first).toMatchObject({ severity: "info", column: 6 });
    expect(first!.message).toContain("upstream = pkgs.fetchFromGitHub { … } (line 3)");
    expect(first!.fix).toMatchObject({ safety: "manual" });
    expect(findingsOf(report, RULE)[2]!.message).toContain("(pkgs.hello)");
  });
});
