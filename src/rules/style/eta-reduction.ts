// eta-reduction (statix W07): `x: f x` is `f` when `f` is a plain name other than `x`, as statix
// has it (a longer function, `x: a.b x` or `x: f 1 x`, is left alone for readability).
//
// `f` and `x: f x` give the same result for every argument, but are not the same value:
// `builtins.functionArgs` sees `f`'s formals only unreduced (callPackage reads them), an attribute
// set with `__functor` is not a lambda, and `isFunction` tells them apart. So the fix is automatic
// only when `f` is bound to a lambda with a plain parameter (`f = y: …`), where none of that
// differs; otherwise it is offered for review.
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import type { Rule, TextEdit } from "../types.js";
import { resolveVariable, unparen } from "../shared/syntax.js";
import { fixParses, styleMeta } from "./expression.js";

/** Is the name bound, lexically, to a lambda whose parameter is a plain name? */
function plainLambda(ref: SyntaxNode): boolean {
  const b = resolveVariable(ref);
  const v = unparen(b?.value);
  return v?.kind === K.NODE_LAMBDA && v.childNodes()[0]?.kind === K.NODE_IDENT_PARAM;
}

const IDENTISH = /[A-Za-z0-9_'-]/;

export const etaReduction: Rule = {
  ...styleMeta({
    id: "eta-reduction",
    name: "`x: f x` where `f` would do",
    statix: "eta_reduction",
    rationale: "A function that only passes its argument on to another (`x: f x`) is that other function: the wrapper adds a name and a level of calls for a reader to see through.",
    fix: "Pass the function itself (`map f xs` rather than `map (x: f x) xs`), after checking nothing reads its formals (`callPackage`, `functionArgs`).",
    examples: {
      fire: [`let\n  double = n: n * 2;\nin\nmap (x: double x) [ 1 2 3 ]\n`, `let\n  pick = { name, ... }: name;\nin\nmap (p: pick p) [ { name = "a"; } ]\n`],
      silent: [
        `let\n  pair = { a = n: n + 1; };\nin\n[\n  (map (x: pair.a x) [ 1 ])\n  (map (x: builtins.div 6 x) [ 1 2 ])\n  (map (x: x x) [ ])\n  (map ({ x }: x) [ { x = 1; } ])\n]\n`,
      ],
    },
  }),

  checkNix(ctx) {
    for (const n of ctx.parsed.root.descendants(K.NODE_LAMBDA)) {
      const [param, body] = n.childNodes();
      if (param?.kind !== K.NODE_IDENT_PARAM || body?.kind !== K.NODE_APPLY) continue;
      const x = param.childNodes()[0]?.text;
      const [f, arg] = body.childNodes();
      if (!x || f?.kind !== K.NODE_IDENT || arg?.kind !== K.NODE_IDENT || arg.text !== x || f.text === x) continue;
      // `(x: f x)` becomes `f` without its parentheses, unless a name or number touches them.
      const p = n.parent;
      const before = p?.kind === K.NODE_PAREN ? ctx.text[p.start - 1] : undefined;
      const after = p?.kind === K.NODE_PAREN ? ctx.text[p.end] : undefined;
      const target = p?.kind === K.NODE_PAREN && !(before && IDENTISH.test(before)) && !(after && IDENTISH.test(after)) ? p : n;
      const edits: TextEdit[] = [{ file: ctx.file, start: target.start, end: target.end, text: f.text }];
      // `f = x: f x;` reduced would be `f = f;`, an infinite recursion: no fix inside f's own binding.
      const binder = resolveVariable(f)?.binder;
      if (binder && n.start >= binder.start && n.end <= binder.end) continue;
      const exact = plainLambda(f);
      ctx.report({
        node: n,
        key: `${x}: ${f.text} ${x}`,
        message: `\`${x}: ${f.text} ${x}\` only passes its argument to \`${f.text}\`: write \`${f.text}\`.`,
        fix: fixParses(ctx, edits)
          ? exact
            ? { safety: "auto", description: `Write \`${f.text}\` (a function of one plain argument: the same).`, edits }
            : { safety: "review", description: `Write \`${f.text}\`: the same results, but check nothing reads the function's formals (\`callPackage\`, \`builtins.functionArgs\`) and that \`${f.text}\` is a lambda, not a set with \`__functor\`.`, edits }
          : { safety: "manual", description: `Write \`${f.text}\`.` },
      });
    }
  },
};
