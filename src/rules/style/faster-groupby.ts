// faster-groupby (statix 0.5.x faster_groupby): `lib.groupBy` where `builtins.groupBy` (Nix 2.5)
// is the same function. See lib-builtin.ts.
import { libBuiltinRule } from "./lib-builtin.js";

export const fasterGroupBy = libBuiltinRule({
  id: "faster-groupby",
  lint: "faster_groupby",
  fn: "groupBy",
  since: "2.5",
  examples: {
    fire: ["{ lib, hosts }:\n{\n  byRole = lib.groupBy (h: h.role) hosts;\n}\n", "{ pkgs, xs }:\npkgs.lib.groupBy (x: x.kind) xs\n"],
    silent: ["{ lib, hosts }:\n{\n  byRole = builtins.groupBy (h: h.role) hosts;\n  counted = lib.groupBy' (a: b: a + b) 0 (h: h.role) hosts;\n}\n"],
  },
});
