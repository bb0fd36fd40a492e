// Code only nix-darwin evaluates, inside a module NixOS hosts share (`lib.optionalAttrs isDarwin`,
// `mkIf pkgs.stdenv.isDarwin`, the else of `if isLinux`): not the NixOS hosts' setting (bbigras
// nix-config modules/shared/nix.nix: `sandbox = false` only for Macs, judged wrong when reported).
import { describe, expect, it } from "vitest";
import { parseNix } from "../../src/nix/index.js";
import { platformBranch, platformOfCondition } from "../../src/nix/platform-branch.js";
import { SyntaxKind as K, type SyntaxNode } from "../../src/nix/syntax.js";
import { flakeWith } from "../../src/rules/shared/examples.js";
import { scanMemory } from "../helpers/memory.js";

describe("platformOfCondition", () => {
  it.each([
    ["isDarwin", "darwin"],
    ["pkgs.stdenv.isDarwin", "darwin"],
    ["pkgs.stdenv.hostPlatform.isDarwin", "darwin"],
    ["(!isDarwin)", "linux"],
    ["!pkgs.stdenv.isLinux", "darwin"],
    ["isDarwin && cfg.enable", "darwin"],
    ["stdenv.isLinux", "linux"],
  ])("%s is %s", (text, want) => expect(platformOfCondition(text)).toBe(want));
  it.each(["cfg.enable", "isDarwin || isLinux", "config.my.isDarwinHost", "!(isDarwin && x) || y"])("%s is no platform test", (text) => expect(platformOfCondition(text)).toBeUndefined());
});

function valueOf(text: string, name: string): SyntaxNode {
  let found: SyntaxNode | undefined;
  parseNix(text).root.walk((n) => {
    if (!found && n.kind === K.NODE_ATTRPATH_VALUE && n.firstChild()?.text === name) found = n;
  });
  return found!;
}

describe("platformBranch", () => {
  it("reads optionalAttrs, mkIf, optionals and both branches of if", () => {
    const t = `{ lib, pkgs, ... }: {\n  a = lib.mkMerge [ (lib.optionalAttrs pkgs.stdenv.isDarwin { x = 1; }) (lib.mkIf (!pkgs.stdenv.isDarwin) { y = 1; }) ];\n  b = if pkgs.stdenv.isLinux then { l = 1; } else { d = 1; };\n  c = { plain = 1; };\n  e = lib.optionals isDarwin [ { inList = 1; } ];\n}\n`;
    expect(platformBranch(valueOf(t, "x"))).toBe("darwin");
    expect(platformBranch(valueOf(t, "y"))).toBe("linux");
    expect(platformBranch(valueOf(t, "l"))).toBe("linux");
    expect(platformBranch(valueOf(t, "d"))).toBe("darwin");
    expect(platformBranch(valueOf(t, "plain"))).toBeUndefined();
    expect(platformBranch(valueOf(t, "inList"))).toBe("darwin");
  });
});

describe("NixOS-only rules skip the darwin branch of a shared module", () => {
  const shared = (cond: string) => `{ lib, pkgs, ... }: {\n  virtualisation.docker.enable = true;\n  users.users.alice = { isNormalUser = true; extraGroups = [ "networkmanager" ]; };\n  users.users.bob = lib.mkIf ${cond} { isNormalUser = true; extraGroups = [ "docker" ]; };\n}\n`;
  it("a docker membership only Macs get is not reported on the NixOS host", async () => {
    const r = await scanMemory({ "flake.nix": flakeWith(["./shared.nix"]), "shared.nix": shared("pkgs.stdenv.isDarwin") });
    expect(r.findings.filter((f) => f.ruleId === "root-equivalent-group")).toEqual([]);
  });
  it("the Linux branch is", async () => {
    const r = await scanMemory({ "flake.nix": flakeWith(["./shared.nix"]), "shared.nix": shared("pkgs.stdenv.isLinux") });
    expect(r.findings.filter((f) => f.ruleId === "root-equivalent-group").map((f) => f.line)).toEqual([4]);
  });
});
