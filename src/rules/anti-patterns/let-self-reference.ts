// let-self-reference: a `let` binding (or a `rec` attribute) whose value needs itself to be computed:
// `let x = x + 1; in x`, `let pkgs = pkgs // { ... };`, or two bindings that need each other
// (`let a = b + 1; b = a * 2;`). In a let, every binding sees all the others and itself, so the
// name in the value is the binding, not an outer one the author probably meant, and evaluating it
// fails with "infinite recursion encountered". Only references Nix forces to compute the value
// count (operators, conditions, the set of a select, the function of an application, string
// interpolation): a reference inside a list, a set, a function or an argument is lazy and the
// usual fixpoint idiom (`let self = { a = 1; b = self.a; }`, `let x = f x`). `rec` attributes
// that refer to an outer binding of the same name are rec-let-shadow's finding, not this one's.
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { replaceNode } from "../../nix/edit.js";
import { fixParses, operatorOf } from "../style/expression.js";
import type { NixFileContext, Rule } from "../types.js";
import { isVariableReference, resolveVariable, scopeBindings } from "../shared/syntax.js";
import { nixManual } from "../shared/references.js";

/** Does evaluating `parent` force the value of its child `child`? */
function forces(parent: SyntaxNode, child: SyntaxNode): boolean {
  const kids = parent.childNodes();
  switch (parent.kind) {
    case K.NODE_PAREN:
    case K.NODE_UNARY_OP:
    case K.NODE_ASSERT:
    case K.NODE_STRING:
    case K.NODE_INTERPOL:
    case K.NODE_PATH:
      return true;
    case K.NODE_BIN_OP: {
      const op = operatorOf(parent)?.kind;
      // The right side of && || -> is evaluated only for some values of the left side; `a |> f`
      // is `f a`, whose argument is lazy.
      if (op === K.TOKEN_AND || op === K.TOKEN_OR || op === K.TOKEN_IMPL || op === K.TOKEN_PIPE_FROM) return child === kids[0];
      if (op === K.TOKEN_PIPE_INTO) return child === kids[1];
      return true;
    }
    case K.NODE_IF_ELSE:
    case K.NODE_SELECT:
    case K.NODE_HAS_ATTR:
    case K.NODE_APPLY:
      return child === kids[0];
    case K.NODE_LET_IN:
    case K.NODE_WITH:
      return child === kids.at(-1);
    default:
      return false;
  }
}

/** The names of `scope` that computing `value` forces, with the first reference to each. */
function forcedNames(scope: SyntaxNode, value: SyntaxNode): Map<string, SyntaxNode> {
  const out = new Map<string, SyntaxNode>();
  value.walk((n) => {
    if (n !== value && (!n.parent || !forces(n.parent, n))) return false;
    if (n.kind === K.NODE_IDENT && isVariableReference(n) && resolveVariable(n)?.scope === scope && !out.has(n.text)) out.set(n.text, n);
    return undefined;
  });
  return out;
}

/** The expression each binding of a let or rec set is computed from (`x = e;`, `inherit (e) x;`). */
function boundExpressions(scope: SyntaxNode): Map<string, { binder: SyntaxNode; expr: SyntaxNode }> {
  const out = new Map<string, { binder: SyntaxNode; expr: SyntaxNode }>();
  for (const [name, b] of scopeBindings(scope)) {
    if (b.value) out.set(name, { binder: b.binder, expr: b.value });
    else if (b.binder.kind === K.NODE_INHERIT) {
      // `inherit (e) x;` is `x = e.x;`: e is forced.
      const from = b.binder.firstChild(K.NODE_INHERIT_FROM)?.childNodes()[0];
      if (from) out.set(name, { binder: b.binder, expr: from });
    }
  }
  return out;
}

function check(ctx: NixFileContext, scope: SyntaxNode): void {
  const bound = boundExpressions(scope);
  const edges = new Map<string, Map<string, SyntaxNode>>();
  for (const [name, { expr }] of bound) edges.set(name, forcedNames(scope, expr));
  const reported = new Set<string>();
  for (const start of bound.keys()) {
    const cycle = findCycle(edges, start);
    if (!cycle) continue;
    const key = [...cycle].sort().join(" ");
    if (reported.has(key)) continue;
    reported.add(key);
    const { binder } = bound.get(start)!;
    const isRec = scope.kind === K.NODE_ATTR_SET;
    if (cycle.length === 1) {
      // rec-let-shadow reports a rec attribute that names an outer binding of the same name.
      const outer = resolveVariable(scope, start);
      if (isRec && outer) continue;
      const direct = bound.get(start)!.expr;
      const inherits = !isRec && outer && direct.kind === K.NODE_IDENT && direct.text === start && binder.kind === K.NODE_ATTRPATH_VALUE;
      const edits = inherits ? [replaceNode(ctx.file, binder, `inherit ${start};`)] : [];
      ctx.report({
        node: binder,
        key: `self ${start}`,
        message:
          `\`${start}\` is computed from \`${start}\` itself: inside a ${isRec ? "rec set" : "let"} the name means this very binding` +
          (outer ? `, not the ${outer.kind === "let" ? "let binding" : outer.kind === "rec" ? "rec attribute" : "function argument"} \`${start}\` on line ${outer.binder.line}` : "") +
          `, so evaluating it fails with "infinite recursion encountered".`,
        fix:
          inherits && fixParses(ctx, edits)
            ? { safety: "auto", description: `\`inherit ${start};\` takes \`${start}\` from the enclosing scope, as intended.`, edits }
            : { safety: "manual", description: outer ? `Rename this binding (e.g. \`${start}'\`) or the outer one, and refer to the one you mean.` : `Compute \`${start}\` from something other than itself.` },
      });
    } else {
      ctx.report({
        node: binder,
        key: `cycle ${key}`,
        message: `${cycle.map((n) => `\`${n}\``).join(" needs ")} needs \`${cycle[0]}\` again: each is forced to compute the other, so evaluating any of them fails with "infinite recursion encountered".`,
        fix: { safety: "manual", description: "Break the cycle: compute one of them from something else." },
      });
    }
  }
}

/** A cycle through `start` in the forced-reference graph, as the list of names from `start`. */
function findCycle(edges: Map<string, Map<string, SyntaxNode>>, start: string): string[] | undefined {
  const path: string[] = [];
  const seen = new Set<string>();
  const visit = (n: string): boolean => {
    path.push(n);
    for (const m of edges.get(n)?.keys() ?? []) {
      if (m === start) return true;
      if (!seen.has(m)) {
        seen.add(m);
        if (visit(m)) return true;
      }
    }
    path.pop();
    return false;
  };
  return visit(start) ? path : undefined;
}

export const letSelfReference: Rule = {
  id: "let-self-reference",
  name: "`let` binding that needs itself (infinite recursion)",
  category: "anti-pattern",
  severity: "medium",
  rationale:
    "In `let x = x + 1; in ...` the `x` on the right is the binding being defined, not an outer `x`: a let is recursive, every binding sees itself and its siblings. Computing it needs its own value, so evaluation fails with \"infinite recursion encountered\", often only when a rarely used branch finally forces it. The author meant an outer binding (a function argument, a let further out) or a previous value.",
  fix: "`x = x;` meant to take the outer x becomes `inherit x;` (inherit reads the enclosing scope). Otherwise rename one of the two bindings and refer to the one meant.",
  references: [
    nixManual("let-expressions", "language/syntax#let-expressions"),
    nixManual("inheriting attributes", "language/syntax#inheriting-attributes"),
  ],
  compliance: {
    cis: ["n/a: a defect of the Nix language code (it fails to evaluate), not a setting of the running system, which is what the CIS Linux benchmark audits"],
    nist: ["PR.PS-06"],
  },
  examples: {
    fire: [
      "{ lib, ... }:\nlet\n  ports = ports ++ [ 443 ];\nin\n{\n  networking.firewall.allowedTCPPorts = ports;\n}\n",
      "{ pkgs, ... }:\nlet\n  pkgs = pkgs // { myTool = pkgs.hello; };\nin\n{\n  environment.systemPackages = [ pkgs.myTool ];\n}\n",
      "rec {\n  a = 1;\n  b = let a = a + 1; in a;\n}\n",
      "{ version, ... }:\nlet\n  version = version;\nin\n{\n  system.nixos.label = version;\n}\n",
      "let\n  base = extra + 1;\n  extra = base * 2;\nin\nbase\n",
      "let\n  name = \"host-${name}\";\nin\n{ networking.hostName = name; }\n",
    ],
    silent: [
      // The fixpoint idiom: the reference is inside a set, forced only when that attribute is read.
      "let\n  attrset = { a = 1; b = attrset.a + 1; };\nin\nattrset.b\n",
      // Recursion through a function is deliberate.
      "let\n  fact = n: if n == 0 then 1 else n * fact (n - 1);\nin\nfact 5\n",
      // An argument is lazy: `self` is passed, not forced.
      "let\n  self = import ./overlay.nix self;\nin\nself\n",
      // A list that mentions itself lazily.
      "let\n  xs = [ 1 (builtins.length xs) ];\nin\nbuiltins.head xs\n",
      // The right side of && is evaluated only when the left is true.
      "let\n  ok = false && ok;\nin\nok\n",
      // inherit reads the enclosing scope, never the let itself.
      "{ version, ... }:\nlet\n  inherit version;\nin\n{\n  system.nixos.label = version;\n}\n",
      // An outer name in a rec set: rec-let-shadow's finding, not this one's.
      "let\n  version = \"1.0\";\nin\nrec {\n  version = version;\n}\n",
    ],
  },

  checkNix(ctx) {
    for (const scope of ctx.parsed.root.descendants(K.NODE_LET_IN)) check(ctx, scope);
    for (const scope of ctx.parsed.root.descendants(K.NODE_ATTR_SET)) if (scope.firstToken(K.TOKEN_REC)) check(ctx, scope);
  },
};
