// trivial-wrapper: a named function that only hands its arguments to a lib or builtins function:
// `f = x: lib.g x;` (eta-expanded: `f = lib.g;` is the same function) or
// `concat = a: b: lib.concatStrings [ a b ];` (collects its arguments into the list the library
// function takes). Conservative: only let/attribute bindings (not lambdas passed as arguments),
// only `lib.*`/`builtins.*` callees, every parameter used exactly once in order and nothing else,
// and never the slots whose name the module system imposes (`apply`, `check`, `merge`...).
import { attrpathSegments } from "../../nix/options.js";
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { replaceNode } from "../../nix/edit.js";
import type { Rule } from "../types.js";
import { dottedName, flattenApply, unparen } from "../shared/syntax.js";
import { nixpkgsManual } from "../shared/references.js";

const IMPOSED_NAMES = new Set(["apply", "check", "merge", "__functor", "__toString", "functor", "postprocess", "type"]);

/** The parameters of a chain of simple lambdas `a: b: body`, and the body. */
function lambdaChain(node: SyntaxNode): { params: string[]; body: SyntaxNode } | undefined {
  const params: string[] = [];
  let n = unparen(node);
  while (n?.kind === K.NODE_LAMBDA) {
    const [param, body] = n.childNodes();
    if (param?.kind !== K.NODE_IDENT_PARAM) return undefined;
    params.push(param.childNodes()[0]!.text);
    n = unparen(body);
  }
  return params.length && n ? { params, body: n } : undefined;
}

function isParam(node: SyntaxNode | undefined, name: string): boolean {
  const n = unparen(node);
  return n?.kind === K.NODE_IDENT && n.text === name;
}

export const trivialWrapper: Rule = {
  id: "trivial-wrapper",
  name: "Trivial wrapper around a lib/builtins function",
  category: "anti-pattern",
  severity: "info",
  rationale:
    "Maintenance, not security: A named function that only passes its arguments on to a lib or builtins function (`f = x: lib.g x;`, `concat = a: b: lib.concatStrings [ a b ];`) adds a name to learn and a place for bugs without adding behaviour; readers must look it up to find it does nothing. Use the library function where it is needed.",
  fix: "Use the library function directly: `upper = s: lib.toUpper s;` is `upper = lib.toUpper;`, or call `lib.toUpper` at the call sites; for list-building wrappers pass the list at the call site.",
  references: [
    nixpkgsManual("library functions", "sec-functions-library"),
    { title: "statix: eta_reduction lint", url: "https://github.com/oppiliappan/statix" },
  ],
  compliance: {
    cis: ["n/a: a property of the Nix language code, not a setting of the running system, which is what the CIS Linux benchmark audits"],
    nist: ["PR.PS-06"],
  },
  examples: {
    fire: [`{ lib }:
let
  concat = a: b: lib.concatStrings [ a b ];
  upper = s: lib.toUpper s;
in
{
  greeting = upper (concat "hello, " "world");
}
`],
    silent: [`{ lib }:
{
  greeting = lib.toUpper (lib.concatStrings [ "hello, " "world" ]);
}
`],
  },

  checkNix(ctx) {
    for (const b of ctx.parsed.root.descendants(K.NODE_ATTRPATH_VALUE)) {
      const parent = b.parent;
      if (parent?.kind !== K.NODE_LET_IN && parent?.kind !== K.NODE_ATTR_SET) continue;
      const [path, value] = b.childNodes();
      if (!path || !value) continue;
      const segs = attrpathSegments(path);
      if (segs.length !== 1 || segs[0]!.dynamic || IMPOSED_NAMES.has(segs[0]!.name)) continue;
      const chain = lambdaChain(value);
      if (!chain || chain.body.kind !== K.NODE_APPLY) continue;
      const { params, body } = chain;
      if (params.includes("lib") || params.includes("builtins") || new Set(params).size !== params.length) continue;
      const { fn, args } = flattenApply(body);
      const callee = dottedName(fn);
      if (!callee || !/^(lib|builtins)\.[\w'-]+(\.[\w'-]+)*$/.test(callee)) continue;
      const name = segs[0]!.name;
      const eta = args.length === params.length && params.every((p, i) => isParam(args[i], p));
      const list = unparen(args[0]);
      const collects =
        args.length === 1 && params.length >= 2 && list?.kind === K.NODE_LIST && list.childNodes().length === params.length && params.every((p, i) => isParam(list.childNodes()[i], p));
      if (!eta && !collects) continue;
      const sig = params.join(": ") + ":";
      ctx.report({
        node: b,
        key: `wrapper ${name}`,
        message: eta
          ? `\`${name} = ${sig} ${shortBody(body)}\` only passes its argument${params.length > 1 ? "s" : ""} on: it is \`${callee}\` under another name.`
          : `\`${name} = ${sig} ${shortBody(body)}\` only collects its arguments into the list ${callee} takes: call ${callee} with the list where it is needed.`,
        fix: eta
          ? { safety: "auto", description: `Write \`${name} = ${callee};\` (the same function), or use ${callee} at the call sites.`, edits: [replaceNode(ctx.file, value, callee)] }
          : { safety: "manual", description: `Replace the calls of ${name} with ${callee} [ ... ] and remove ${name}.` },
      });
    }
  },
};

function shortBody(n: SyntaxNode): string {
  const t = n.text.replace(/\s+/g, " ");
  return t.length > 60 ? t.slice(0, 59) + "…" : t;
}
