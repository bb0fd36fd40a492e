// template-function-variants: several named functions that each call the same function with
// their own arguments passed through unchanged plus a few fixed values:
//   mkServer = { hostname, system ? "x86_64-linux" }: mkSystem { inherit hostname system; profile = "server"; };
//   mkGaming = { hostname, system ? "x86_64-linux" }: mkSystem { inherit hostname system; profile = "gaming"; };
// Each variant saves one line at the call site and adds a function to read and maintain; calling
// the base function with `profile = "server";` says the same. (trivial-wrapper covers the single
// function that only renames a lib function.) Reported once per base function and file when at
// least two variants exist; a function that computes anything from its arguments is not a variant.
import { attrpathSegments } from "../../nix/options.js";
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import type { Rule } from "../types.js";
import { dottedName, flattenApply, unparen } from "../shared/syntax.js";

/** A literal that fixes a value: string without interpolation, number, bool, null, path, or a list of them. */
function isConstant(n: SyntaxNode | undefined): boolean {
  const u = unparen(n);
  if (!u) return false;
  switch (u.kind) {
    case K.NODE_LITERAL:
    case K.NODE_PATH:
      return !u.firstChild(K.NODE_INTERPOL);
    case K.NODE_STRING:
      return !u.firstChild(K.NODE_INTERPOL);
    case K.NODE_IDENT:
      return u.text === "true" || u.text === "false" || u.text === "null";
    case K.NODE_LIST:
      return u.childNodes().every(isConstant);
    default:
      return false;
  }
}

interface Variant {
  name: string;
  binding: SyntaxNode;
  callee: string;
  fixed: string[];
}

/** `name = { a, b ? x }: f { inherit a b; k = "const"; };` as a variant of f. */
function variantOf(binding: SyntaxNode): Variant | undefined {
  const [path, value] = binding.childNodes();
  if (!path || !value) return undefined;
  const segs = attrpathSegments(path);
  if (segs.length !== 1 || segs[0]!.dynamic) return undefined;
  const lambda = unparen(value);
  if (lambda?.kind !== K.NODE_LAMBDA) return undefined;
  const [param, body] = lambda.childNodes();
  if (param?.kind !== K.NODE_PATTERN || !body) return undefined;
  const formals = param.childNodes().filter((c) => c.kind === K.NODE_PAT_ENTRY).map((c) => c.childNodes()[0]!.text);
  if (formals.length === 0 || param.firstToken(K.TOKEN_ELLIPSIS) || param.firstChild(K.NODE_PAT_BIND)) return undefined;
  const call = unparen(body);
  if (call?.kind !== K.NODE_APPLY) return undefined;
  const { fn, args } = flattenApply(call);
  const callee = dottedName(fn);
  const set = unparen(args[0]);
  if (!callee || args.length !== 1 || set?.kind !== K.NODE_ATTR_SET || set.firstToken(K.TOKEN_REC)) return undefined;
  const passed = new Set<string>();
  const fixed: string[] = [];
  for (const b of set.childNodes()) {
    if (b.kind === K.NODE_INHERIT) {
      if (b.firstChild(K.NODE_INHERIT_FROM)) return undefined;
      for (const id of b.childNodes()) if (id.kind === K.NODE_IDENT) passed.add(id.text);
    } else if (b.kind === K.NODE_ATTRPATH_VALUE) {
      const [p, v] = b.childNodes();
      const s = p ? attrpathSegments(p) : [];
      if (s.length !== 1 || s[0]!.dynamic) return undefined;
      const u = unparen(v);
      if (u?.kind === K.NODE_IDENT && u.text === s[0]!.name && formals.includes(u.text)) passed.add(u.text);
      else if (isConstant(v)) fixed.push(`${s[0]!.name} = ${u!.text}`);
      else return undefined;
    }
  }
  // Every argument passed on unchanged, nothing else passed, at least one value fixed.
  if (fixed.length === 0 || passed.size !== formals.length || !formals.every((f) => passed.has(f))) return undefined;
  return { name: segs[0]!.name, binding, callee, fixed };
}

export const templateFunctionVariants: Rule = {
  id: "template-function-variants",
  name: "Template functions that only fix one argument of another",
  category: "anti-pattern",
  severity: "info",
  rationale:
    "Maintenance, not security: `mkServer`, `mkWorkstation`, `mkGaming`... that each call `mkSystem` with their own arguments unchanged and one fixed value (`profile = \"server\"`) add a function per variant and save one line per call. Every new argument of the base function must be threaded through each of them, they drift apart, and a reader has to open each to learn that it does nothing of its own. Calling the base function with the value says the same, in the place where it matters.",
  fix: "Call the base function directly with the fixed value (`mkSystem { hostname = \"web1\"; profile = \"server\"; }`) and remove the variants.",
  references: [
    { title: "nix.dev: Best practices", url: "https://nix.dev/guides/best-practices" },
  ],
  compliance: {
    cis: ["n/a: concerns how the Nix source is structured, not a setting of the running system, which is what the CIS Linux benchmark audits"],
    nist: ["PR.PS-06"],
  },
  examples: {
    fire: [
      "{ mkSystem }:\n{\n  mkWorkstation = { hostname, system ? \"x86_64-linux\", extraModules ? [ ] }:\n    mkSystem { inherit hostname system extraModules; profile = \"workstation\"; };\n  mkServer = { hostname, system ? \"x86_64-linux\", extraModules ? [ ] }:\n    mkSystem { inherit hostname system extraModules; profile = \"server\"; };\n}\n",
      "{ lib, inputs }:\nlet\n  mkHost = { name, profile }: lib.nixosSystem { modules = [ ./hosts/${name} ./profiles/${profile}.nix ]; };\n  mkLaptop = { name }: mkHost { inherit name; profile = \"laptop\"; };\n  mkDesktop = { name }: mkHost { name = name; profile = \"desktop\"; };\nin\n{\n  nixosConfigurations.t14 = mkLaptop { name = \"t14\"; };\n}\n",
    ],
    silent: [
      // One helper with its own logic.
      "{ lib }:\n{\n  mkHost = { name, system ? \"x86_64-linux\" }: lib.nixosSystem { inherit system; modules = [ ./hosts/${name} ]; };\n  mkServer = { name }: lib.nixosSystem { system = \"x86_64-linux\"; modules = [ ./hosts/${name} ./server.nix ]; };\n}\n",
      // A single variant is left alone.
      "{ mkSystem }:\n{\n  mkServer = { hostname }: mkSystem { inherit hostname; profile = \"server\"; };\n}\n",
      // Variants that compute something from their arguments.
      "{ mkSystem }:\n{\n  mkA = { hostname }: mkSystem { hostname = \"a-${hostname}\"; profile = \"a\"; };\n  mkB = { hostname }: mkSystem { hostname = \"b-${hostname}\"; profile = \"b\"; };\n}\n",
    ],
  },

  checkNix(ctx) {
    const groups = new Map<string, Variant[]>();
    for (const b of ctx.parsed.root.descendants(K.NODE_ATTRPATH_VALUE)) {
      if (b.parent?.kind !== K.NODE_LET_IN && b.parent?.kind !== K.NODE_ATTR_SET) continue;
      const v = variantOf(b);
      if (!v) continue;
      groups.set(v.callee, [...(groups.get(v.callee) ?? []), v]);
    }
    for (const [callee, variants] of groups) {
      if (variants.length < 2) continue;
      const names = variants.map((v) => `\`${v.name}\` (${v.fixed.join("; ")})`);
      ctx.report({
        node: variants[0]!.binding,
        key: `variants of ${callee}`,
        message: `${variants.length} functions only call \`${callee}\` with their own arguments and a fixed value: ${names.join(", ")}. Calling \`${callee}\` with that value says the same.`,
        fix: { safety: "manual", description: `Call \`${callee}\` directly with the fixed value at each call site and remove ${variants.map((v) => `\`${v.name}\``).join(", ")}.` },
      });
    }
  },
};
