// manual-inherit (statix W03): `{ a = a; }` where `inherit a;` says the same. In a plain set the
// value `a` is read from the enclosing scope, exactly like `inherit a;`, so the fix is automatic.
// In a `let` or `rec { }` the value is the binding itself: `a = a;` is an infinite recursion, and
// `inherit a;` would change that into "the `a` from further out". statix rewrites it anyway; here
// it is reported as the bug it is, and the rewrite is offered for review only, when an `a` exists
// further out.
import { SyntaxKind as K } from "../../nix/syntax.js";
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
      fire: [`let\n  name = "demo";\n  version = "1.0";\nin\n{\n  name = name;\n  version = version;\n}\n`, `{ pkgs ? { hello = "hello"; } }:\nlet\n  hello = hello;\nin\n[ pkgs ]\n`],
      silent: [`let\n  name = "demo";\nin\n{\n  inherit name;\n  pname = name;\n  meta.name = name;\n  "name2" = name;\n}\n`],
    },
  }),

  checkNix(ctx) {
    for (const n of ctx.parsed.root.descendants(K.NODE_ATTRPATH_VALUE)) {
      const [path, value] = n.childNodes();
      const keys = path?.childNodes() ?? [];
      if (keys.length !== 1 || keys[0]!.kind !== K.NODE_IDENT || value?.kind !== K.NODE_IDENT || value.text !== keys[0]!.text) continue;
      const name = value.text;
      const scope = n.parent;
      const selfRef = !!scope && (scope.kind === K.NODE_LET_IN || scope.kind === K.NODE_LEGACY_LET || (scope.kind === K.NODE_ATTR_SET && !!scope.firstToken(K.TOKEN_REC)));
      const edits: TextEdit[] = [{ file: ctx.file, start: n.start, end: n.end, text: `inherit ${name};` }];
      // Nix rejects `inherit a;` when no `a` is in scope further out: then there is no fix to offer.
      const ok = fixParses(ctx, edits);
      ctx.report({
        node: n,
        key: `${name} = ${name}`,
        message: selfRef
          ? `\`${name} = ${name};\` in a ${scope!.kind === K.NODE_ATTR_SET ? "`rec { }`" : "`let`"} binds \`${name}\` to itself (infinite recursion when used); \`inherit ${name};\` would take the \`${name}\` of the enclosing scope.`
          : `\`${name} = ${name};\` is better written \`inherit ${name};\`.`,
        fix: ok
          ? selfRef
            ? { safety: "review", description: `Write \`inherit ${name};\` if the \`${name}\` of the enclosing scope is meant (the binding to itself never evaluates).`, edits }
            : { safety: "auto", description: `Write \`inherit ${name};\` (the same value).`, edits }
          : { safety: "manual", description: selfRef ? `Bind \`${name}\` to what is meant: no \`${name}\` exists further out.` : `Write \`inherit ${name};\`.` },
      });
    }
  },
};
