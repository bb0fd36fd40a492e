// rec-let-shadow: in `rec { name = ... name ...; }` the attribute's own name means the attribute,
// not the enclosing `let` binding or function argument of the same name. When such an outer
// binding exists, the author meant it: the attribute is defined as itself (infinite recursion).
// References under a lambda are left alone (`rec { f = n: ... f (n - 1); }` is deliberate recursion).
import { attrpathSegments } from "../../nix/options.js";
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { replaceNode } from "../../nix/edit.js";
import type { Rule } from "../types.js";
import { isVariableReference, resolveVariable, unparen } from "../shared/syntax.js";
import { nixManual } from "../shared/references.js";

/** Is `node` under a lambda, looking up to `stop` (the attribute's value) included? */
function underLambda(node: SyntaxNode, stop: SyntaxNode): boolean {
  for (let p: SyntaxNode | null = node; p; p = p.parent) {
    if (p.kind === K.NODE_LAMBDA) return true;
    if (p === stop) break;
  }
  return false;
}

/** Is `node` directly the value, or reached through operators and applications only (so forcing
 * the attribute forces it), rather than inside a set, list or string built lazily? */
function strictlyReached(node: SyntaxNode, value: SyntaxNode): boolean {
  for (let p: SyntaxNode | null = node; p && p !== value; p = p.parent) {
    const q = p.parent;
    if (!q) return false;
    if (q.kind === K.NODE_ATTR_SET || q.kind === K.NODE_LIST || q.kind === K.NODE_ATTRPATH_VALUE || q.kind === K.NODE_LET_IN) return false;
  }
  return true;
}

const KIND_WORDS: Record<string, string> = { let: "the let binding", param: "the function argument", formal: "the function argument", rec: "the attribute of the enclosing rec set" };

export const recLetShadow: Rule = {
  id: "rec-let-shadow",
  name: "`rec` attribute that refers to itself instead of the `let` binding of the same name",
  category: "anti-pattern",
  severity: "medium",
  rationale:
    "Inside `rec { ... }` an attribute's own name refers to the attribute, not to an enclosing `let` binding or function argument of the same name. `let version = \"1.0\"; in rec { version = version; }` therefore defines version as itself, and evaluating it fails with \"infinite recursion encountered\" (possibly only when some rarely used attribute is finally forced). The author meant the outer binding.",
  fix: "`name = name;` becomes `inherit name;` (inherit reads the enclosing scope, never the rec set itself). Otherwise rename the outer binding, or drop `rec` and refer to the outer name.",
  references: [
    nixManual("Recursive sets", "language/syntax#recursive-sets"),
    { title: "nix.dev: Best practices, recursive attribute set rec", url: "https://nix.dev/guides/best-practices#recursive-attribute-set-rec" },
  ],
  compliance: {
    cis: ["n/a: a defect of the Nix language code (it fails to evaluate), not a setting of the running system, which is what the CIS Linux benchmark audits"],
    nist: ["PR.PS-06"],
  },
  examples: {
    fire: [`{ stdenv, fetchurl }:
let
  version = "2.12.1";
in
stdenv.mkDerivation rec {
  pname = "hello";
  version = version;
  src = fetchurl {
    url = "mirror://gnu/hello/hello-\${version}.tar.gz";
    hash = "sha256-jZkUKv2SV28wsM18tCqNxoCZmLxdYH2Idh9RLibH2yA=";
  };
}
`],
    silent: [`{ stdenv, fetchurl }:
let
  version = "2.12.1";
in
stdenv.mkDerivation rec {
  pname = "hello";
  inherit version;
  src = fetchurl {
    url = "mirror://gnu/hello/hello-\${version}.tar.gz";
    hash = "sha256-jZkUKv2SV28wsM18tCqNxoCZmLxdYH2Idh9RLibH2yA=";
  };
}
`],
  },

  checkNix(ctx) {
    for (const set of ctx.parsed.root.descendants(K.NODE_ATTR_SET)) {
      if (!set.firstToken(K.TOKEN_REC)) continue;
      for (const b of set.childNodes()) {
        if (b.kind !== K.NODE_ATTRPATH_VALUE) continue;
        const [path, value] = b.childNodes();
        if (!path || !value) continue;
        const segs = attrpathSegments(path);
        if (segs.length !== 1 || segs[0]!.dynamic) continue;
        const name = segs[0]!.name;
        const selfRefs: SyntaxNode[] = [];
        value.walk((n) => {
          if (n.kind !== K.NODE_IDENT || n.text !== name || !isVariableReference(n)) return;
          if (underLambda(n, value)) return;
          if (resolveVariable(n)?.scope === set) selfRefs.push(n);
        });
        if (selfRefs.length === 0) continue;
        const outer = resolveVariable(set, name);
        if (!outer) continue;
        const outerLine = outer.binder.line;
        const strict = selfRefs.some((r) => strictlyReached(r, value));
        const direct = unparen(value)?.kind === K.NODE_IDENT && unparen(value)!.text === name;
        ctx.report({
          node: b,
          key: `rec ${name}`,
          message:
            `In this rec set, \`${name}\` in the value of \`${name}\` is the attribute itself, not ${KIND_WORDS[outer.kind]} \`${name}\` on line ${outerLine}` +
            (strict ? `: evaluating it fails with "infinite recursion encountered".` : `: the value refers to itself, not to the outer binding.`),
          fix: direct
            ? { safety: "auto", description: `\`inherit ${name};\` takes \`${name}\` from the enclosing scope, as intended.`, edits: [replaceNode(ctx.file, b, `inherit ${name};`)] }
            : { safety: "manual", description: `Rename the outer \`${name}\` (e.g. \`${name}'\`) and refer to that, or drop \`rec\`.` },
        });
      }
    }
  },
};
