// faster-zipattrswith (statix 0.5.x faster_zipattrswith): `lib.zipAttrsWith` where
// `builtins.zipAttrsWith` (Nix 2.6) is the same function. See lib-builtin.ts.
import { libBuiltinRule } from "./lib-builtin.js";

export const fasterZipAttrsWith = libBuiltinRule({
  id: "faster-zipattrswith",
  lint: "faster_zipattrswith",
  fn: "zipAttrsWith",
  since: "2.6",
  examples: {
    fire: ["{ lib, sets }:\n{\n  merged = lib.zipAttrsWith (name: values: values) sets;\n}\n"],
    silent: ["{ lib, sets }:\n{\n  merged = builtins.zipAttrsWith (name: values: values) sets;\n  zipped = lib.zipAttrs sets;\n}\n"],
  },
});
