// manual-inherit-from (statix W04): `{ b = a.b; }` where `inherit (a) b;` says the same. Nix
// evaluates the source of `inherit (a)` in the same scope as the value `a.b` (the enclosing one
// in a plain set, the set's own in `let`/`rec`), so the rewrite is exact. `b = a.b or c;` is not
// the same (the default would be lost) and is left alone, unlike statix.
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { rangeOf } from "../nix-strings.js";
import { bindingSet, groupBy, groupEdits } from "./inherit-groups.js";
import type { Rule } from "../types.js";
import { fixParses, styleMeta } from "./expression.js";

export const manualInheritFrom: Rule = {
  ...styleMeta({
    id: "manual-inherit-from",
    name: "`b = a.b;` instead of `inherit (a) b;`",
    statix: "manual_inherit_from",
    rationale: "`inherit (a) b;` says \"take `b` from `a`\" once, where `b = a.b;` repeats the name and invites a typo between the two.",
    fix: "Write `inherit (a) b;` (several names from one set can share one: `inherit (a) b c;`).",
    examples: {
      fire: [
        // One finding for the set: `inherit (versions) stable unstable;`.
        `let\n  versions = { stable = "24.11"; unstable = "25.05"; };\nin\n{\n  stable = versions.stable;\n  unstable = versions.unstable;\n}\n`,
        `let\n  length = builtins.length;\n  inherit (builtins) head;\nin\n{ inherit length head; }\n`,
        // Three bindings from one set, a fourth from another: two findings.
        `{ binding, cfg }:\n{\n  name = binding.name;\n  command = binding.command;\n  binding = binding.binding;\n  height = cfg.height;\n  auto_home = true;\n}\n`,
      ],
      silent: [
        `let\n  versions = { stable = "24.11"; };\nin\n{\n  current = versions.stable;\n  stable = versions.stable or "none";\n  nested.stable = versions.stable;\n  deep = versions.deep.stable;\n}\n`,
        // Field mappings: other bindings read the same base under another name; rewriting one
        // breaks the parallel form.
        `{ typography, settings }:\n{\n  font = {\n    name = typography.family;\n    size = typography.size;\n  };\n  server = {\n    hostname = settings.host;\n    owner = settings.owner;\n    listenAddr = "0.0.0.0:5555";\n  };\n}\n`,
      ],
    },
  }),

  checkNix(ctx) {
    const norm = (n: SyntaxNode) => n.text.replace(/\s+/g, " ");
    const found: Array<{ n: SyntaxNode; base: SyntaxNode; name: string }> = [];
    for (const n of ctx.parsed.root.descendants(K.NODE_ATTRPATH_VALUE)) {
      const [path, value] = n.childNodes();
      const keys = path?.childNodes() ?? [];
      if (keys.length !== 1 || keys[0]!.kind !== K.NODE_IDENT || value?.kind !== K.NODE_SELECT || value.firstToken(K.TOKEN_OR_KW)) continue;
      const [base, selPath] = value.childNodes();
      const sel = selPath?.childNodes() ?? [];
      if (!base || sel.length !== 1 || sel[0]!.kind !== K.NODE_IDENT || sel[0]!.text !== keys[0]!.text) continue;
      found.push({ n, base, name: sel[0]!.text });
    }
    // The candidates of one set that read from the same base: one finding, one `inherit (a) x y z;`.
    for (const group of groupBy(found, (c) => `${bindingSet(c.n)?.start ?? c.n.start}\0${norm(c.base)}`)) {
      const { base } = group[0]!;
      // A field mapping: another binding of the set selects from the same base under another name
      // (`name = typography.family; size = typography.size;`). Rewriting some of them breaks the
      // parallel form that makes the mapping readable: left alone.
      const set = bindingSet(group[0]!.n);
      if (set && isFieldMapping(set, norm(base), new Set(group.map((c) => c.n)), norm)) continue;
      const names = group.map((c) => c.name);
      const from = base.kind === K.NODE_PAREN ? base.text : `(${base.text})`;
      const statement = `inherit ${from} ${names.join(" ")};`;
      const edits = groupEdits(ctx.file, ctx.text, group.map((c) => c.n), statement);
      const shownFrom = from.length > 60 ? "(…)" : from.replace(/\s+/g, " ");
      const shown = `inherit ${shownFrom} ${names.join(" ")};`;
      ctx.report({
        node: group[0]!.n,
        range: rangeOf(ctx.parsed.source.lines, group[0]!.n.start, group.at(-1)!.n.end),
        key: names.map((name) => `${name} = ${norm(base)}.${name}`).join("; "),
        message: `${names.map((name) => `\`${name} = ….${name};\``).join(", ")} ${group.length === 1 ? "is" : "are"} better written \`${shown}\`.`,
        fix: fixParses(ctx, edits) ? { safety: "auto", description: `Write \`${shown}\` (the same value${group.length === 1 ? "" : "s"}).`, edits } : { safety: "manual", description: `Write \`${shown}\`.` },
      });
    }
  },
};

/** Does another binding of the set select from `base` in a way `inherit` cannot say (another name,
 * a deeper path, a default)? */
function isFieldMapping(set: SyntaxNode, base: string, candidates: ReadonlySet<SyntaxNode>, norm: (n: SyntaxNode) => string): boolean {
  for (const b of set.childNodes()) {
    if (b.kind !== K.NODE_ATTRPATH_VALUE || candidates.has(b)) continue;
    const value = b.childNodes()[1];
    if (value?.kind !== K.NODE_SELECT) continue;
    const from = value.childNodes()[0];
    if (from && norm(from) === base) return true;
  }
  return false;
}
