// A host's definitions, completed with the inline modules of its declaration in flake.nix that the
// option index does not see: the index reads inline modules in `modules = [ ... ]` lists, but a
// host declared through a helper (`nas = mkHost "nas" [ { nix.gc.automatic = true; } ];`) passes
// them in the helper's arguments.
import { indexModule, type OptionDefinition } from "../../nix/options.js";
import { globToRegExp } from "../../scan/glob.js";
import { SyntaxKind as K } from "../../nix/syntax.js";
import type { HostContext, NixFileContext } from "../types.js";
import { unparen } from "./syntax.js";

type Def = { file: NixFileContext; def: OptionDefinition };

const extraCache = new WeakMap<HostContext, Def[]>();

function declarationExtras(h: HostContext): Def[] {
  const cached = extraCache.get(h);
  if (cached) return cached;
  const out: Def[] = [];
  const decl = h.declaration;
  const flake = decl ? h.files.find((f) => f.file === decl.file) : undefined;
  if (decl && flake) {
    const known = new Set(flake.index.definitions.map((d) => d.binding));
    decl.node.walk((n) => {
      if (n.kind !== K.NODE_LIST) return;
      for (const el of n.childNodes()) {
        const m = unparen(el);
        if (m?.kind !== K.NODE_ATTR_SET && m?.kind !== K.NODE_LAMBDA) continue;
        const idx = indexModule(m);
        if (!idx.isModule) continue;
        for (const def of idx.definitions) if (!known.has(def.binding)) out.push({ file: flake, def });
      }
    });
  }
  extraCache.set(h, out);
  return out;
}

/** Every definition of a path in the host, inline modules of its declaration included. */
export function hostDefinitions(h: HostContext, path: string): Def[] {
  return [...h.definitions(path), ...declarationExtras(h).filter((x) => x.def.path === path)];
}

/** Definitions whose path matches a glob (`*` one segment, `**` any), inline modules included. */
export function hostMatching(h: HostContext, pattern: string): Def[] {
  const re = globToRegExp(pattern, ".");
  return [...h.matching(pattern), ...declarationExtras(h).filter((x) => re.test(x.def.path))];
}
