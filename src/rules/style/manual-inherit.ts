// manual-inherit (statix W03): `{ a = a; }` where `inherit a;` says the same. In a plain set the
// value `a` is read from the enclosing scope, exactly like `inherit a;`, so the fix is automatic.
// In a `let` or `rec { }` the value is the binding itself: `a = a;` is an infinite recursion, and
// `inherit a;` would change that into "the `a` from further out". statix rewrites it anyway; here
// it is reported as the bug it is, and the rewrite is offered for review only, when an `a` exists
// further out.
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { rangeOf } from "../nix-strings.js";
import { bindingSet, groupBy, groupEdits } from "./inherit-groups.js";
import type { Rule, TextEdit } from "../types.js";
import { fixParses, styleMeta } from "./expression.js";

export const manualInherit: Rule = {
  ...styleMeta({
    id: "manual-inherit",
    name: "`a = a;` instead of `inherit a;`",
    statix: "manual_inherit",
    rationale: "`inherit a;` is Nix's word for \"the `a` of the enclosing scope\": `a = a;` spells it out by hand, and in a `let` or `rec { }` it is not that at all but a binding to itself (infinite recursion).",
    fix: "Write `inherit a;` (several names can share one: `inherit a b c;`).",
    examples: {
      fire: [
        // One finding for the set: `inherit name version;`.
        `let\n  name = "demo";\n  version = "1.0";\nin\n{\n  name = name;\n  version = version;\n}\n`,
        `{ pkgs ? { hello = "hello"; } }:\nlet\n  hello = hello;\nin\n[ pkgs ]\n`,
      ],
      silent: [`let\n  name = "demo";\nin\n{\n  inherit name;\n  pname = name;\n  meta.name = name;\n  "name2" = name;\n}\n`],
    },
  }),

  checkNix(ctx) {
    const plain: SyntaxNode[] = [];
    for (const n of ctx.parsed.root.descendants(K.NODE_ATTRPATH_VALUE)) {
      const [path, value] = n.childNodes();
      const keys = path?.childNodes() ?? [];
      if (keys.length !== 1 || keys[0]!.kind !== K.NODE_IDENT || value?.kind !== K.NODE_IDENT || value.text !== keys[0]!.text) continue;
      const name = value.text;
      const scope = n.parent;
      const selfRef = !!scope && (scope.kind === K.NODE_LET_IN || scope.kind === K.NODE_LEGACY_LET || (scope.kind === K.NODE_ATTR_SET && !!scope.firstToken(K.TOKEN_REC)));
      if (!selfRef) {
        plain.push(n);
        continue;
      }
      // A binding to itself is a bug of its own: one finding each.
      const edits: TextEdit[] = [{ file: ctx.file, start: n.start, end: n.end, text: `inherit ${name};` }];
      // Nix rejects `inherit a;` when no `a` is in scope further out: then there is no fix to offer.
      const ok = fixParses(ctx, edits);
      ctx.report({
        node: n,
        key: `${name} = ${name}`,
        message: `\`${name} = ${name};\` in a ${scope!.kind === K.NODE_ATTR_SET ? "`rec { }`" : "`let`"} binds \`${name}\` to itself (infinite recursion when used); \`inherit ${name};\` would take the \`${name}\` of the enclosing scope.`,
        fix: ok
          ? { safety: "review", description: `Write \`inherit ${name};\` if the \`${name}\` of the enclosing scope is meant (the binding to itself never evaluates).`, edits }
          : { safety: "manual", description: `Bind \`${name}\` to what is meant: no \`${name}\` exists further out.` },
      });
    }
    // The `a = a;` bindings of one set: one finding, one `inherit a b c;`.
    for (const group of groupBy(plain, (n) => String(bindingSet(n)?.start ?? n.start))) {
      const names = group.map((n) => n.childNodes()[1]!.text);
      const statement = `inherit ${names.join(" ")};`;
      const edits = groupEdits(ctx.file, ctx.text, group, statement);
      const ok = fixParses(ctx, edits);
      const shown = names.map((x) => `\`${x} = ${x};\``).join(", ");
      ctx.report({
        node: group[0]!,
        range: rangeOf(ctx.parsed.source.lines, group[0]!.start, group.at(-1)!.end),
        key: names.map((x) => `${x} = ${x}`).join("; "),
        message: `${shown} ${group.length === 1 ? "is" : "are"} better written \`${statement}\`.`,
        fix: ok ? { safety: "auto", description: `Write \`${statement}\` (the same value${group.length === 1 ? "" : "s"}).`, edits } : { safety: "manual", description: `Write \`${statement}\`.` },
      });
    }
  },
};
