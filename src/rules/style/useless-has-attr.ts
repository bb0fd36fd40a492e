// useless-has-attr (statix's useless_has_attr): `if x ? a then x.a else d` is `x.a or d`. Nix
// defines both the same way: `x ? a.b` is false and `x.a.b or d` is `d` whenever some set on the
// path lacks the name or is not a set at all, so the rewrite keeps the value for every `x` (checked
// against nix-instantiate in the tests). (`if x.a ? b then x.a.b` fails when `x.a` does not exist;
// `x.a.b or d` gives `d` there: different only where the original fails.) The then-branch must select exactly the tested path from
// exactly the tested expression (compared token by token, as statix compares text). The default
// is parenthesised unless it is an atom, because `or` binds tighter than application.
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { replaceNode } from "../../nix/edit.js";
import type { Rule } from "../types.js";
import { unparen } from "../shared/syntax.js";
import { isAtom, statixMeta, tokenText } from "./statix-lint.js";

/** An expression that may follow `or` as it is (not a select that has its own `or`, which would
 * still parse the same but reads ambiguously). */
function plainDefault(node: SyntaxNode): boolean {
  return isAtom(node) && !(node.kind === K.NODE_SELECT && node.firstToken(K.TOKEN_OR_KW));
}

export const uselessHasAttr: Rule = {
  ...statixMeta("useless_has_attr", {
    id: "useless-has-attr",
    name: "`if x ? a then x.a else d` instead of `x.a or d`",
    rationale:
      "Testing for an attribute and then selecting it, with a default otherwise, is exactly what `x.a or d` does, in one expression. statix reports the same (useless_has_attr).",
    fix: "Write `x.a or d` (with the default in parentheses unless it is a name, literal, list, set or select).",
    examples: {
      fire: [
        "{ cfg }:\n{\n  port = if cfg ? port then cfg.port else 8080;\n  user = if cfg ? settings.user then cfg.settings.user else builtins.getEnv \"USER\";\n}\n",
      ],
      silent: [
        "{ cfg }:\n{\n  port = if cfg ? port then cfg.port + 1 else 8080;\n  other = if cfg ? port then cfg.address else null;\n  plain = cfg.port or 8080;\n}\n",
      ],
    },
  }),

  checkNix(ctx) {
    for (const ifElse of ctx.parsed.root.descendants(K.NODE_IF_ELSE)) {
      const [cond, body, otherwise] = ifElse.childNodes();
      if (cond?.kind !== K.NODE_HAS_ATTR || !otherwise) continue;
      const [set, path] = cond.childNodes();
      const select = unparen(body);
      if (!set || !path || select?.kind !== K.NODE_SELECT || select.firstToken(K.TOKEN_OR_KW)) continue;
      const [selSet, selPath] = select.childNodes();
      // `if x.a ? b then x.a.b` as well as `if x ? a.b then x.a.b`: the whole dotted path must agree.
      if (!selSet || !selPath || `${tokenText(selSet)} . ${tokenText(selPath)}` !== `${tokenText(set)} . ${tokenText(path)}`) continue;
      const fallback = plainDefault(otherwise) ? otherwise.text : `(${otherwise.text})`;
      const replacement = `${selSet.text}.${selPath.text} or ${fallback}`;
      const shown = replacement.length > 70 ? `${select.text} or …` : replacement;
      ctx.report({
        node: ifElse,
        message: `This \`if\` tests for an attribute and selects it: write \`${shown.replace(/\s+/g, " ")}\`.`,
        fix: { safety: "auto", description: "Replace the `if` with a select with an `or` default (the same value for every input).", edits: [replaceNode(ctx.file, ifElse, replacement)] },
      });
    }
  },
};
