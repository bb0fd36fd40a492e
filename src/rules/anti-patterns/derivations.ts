// What the package-writing anti-patterns share: which applications build a derivation, and the
// attribute set a builder's argument is (`{ ... }`, `rec { ... }`, `finalAttrs: { ... }`).
import { attrpathSegments } from "../../nix/options.js";
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { unparen } from "../shared/syntax.js";

/** Functions whose argument set describes a package (callee name, last segment). */
export const PACKAGE_BUILDERS =
  /^(mkDerivation|buildPythonPackage|buildPythonApplication|buildGoModule|buildGoPackage|buildRustPackage|buildNpmPackage|buildDotnetModule|buildPerlPackage|buildDunePackage|buildRubyGem|mkYarnPackage|buildComposerProject|buildGradlePackage|buildMavenPackage|buildDenoPackage|buildBunPackage|buildZigPackage|buildCrystalPackage|buildNimPackage|buildHaskellPackage|mkRustPackage)$/;

/** The attribute set of a builder's argument: `{ ... }`, `rec { ... }`, `finalAttrs: { ... }`,
 * `old: { ... }` (overrideAttrs), through `let ... in`. */
export function argumentSet(arg: SyntaxNode | undefined): SyntaxNode | undefined {
  let n = unparen(arg);
  for (let i = 0; n && i < 4; i++) {
    if (n.kind === K.NODE_ATTR_SET) return n;
    if (n.kind === K.NODE_LAMBDA || n.kind === K.NODE_LET_IN) n = unparen(n.childNodes().at(-1));
    else return undefined;
  }
  return undefined;
}

/** The single-segment bindings of a set, by name (`inherit x;` maps to the INHERIT node). */
export function bindingsByName(set: SyntaxNode): Map<string, { binding: SyntaxNode; value?: SyntaxNode }> {
  const out = new Map<string, { binding: SyntaxNode; value?: SyntaxNode }>();
  for (const b of set.childNodes()) {
    if (b.kind === K.NODE_ATTRPATH_VALUE) {
      const [path, value] = b.childNodes();
      const segs = path ? attrpathSegments(path) : [];
      if (segs[0] && !segs[0].dynamic && !out.has(segs[0].name)) out.set(segs[0].name, { binding: b, value: segs.length === 1 ? value : undefined });
    } else if (b.kind === K.NODE_INHERIT) {
      for (const id of b.childNodes()) if (id.kind === K.NODE_IDENT) out.set(id.text, { binding: b });
    }
  }
  return out;
}
