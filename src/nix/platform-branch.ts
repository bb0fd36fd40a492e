// Code only one platform evaluates: modules shared between NixOS and nix-darwin guard what is
// Mac-only with a platform test (`lib.optionalAttrs isDarwin { … }`, `mkIf pkgs.stdenv.isDarwin …`,
// `if stdenv.hostPlatform.isDarwin then … else …`, `lib.optionals (!isLinux) [ … ]`). On a NixOS
// host such a branch is never evaluated (bbigras/nix-config modules/shared/nix.nix turns the
// sandbox off only inside `optionalAttrs isDarwin`, and on for NixOS beside it).
import type { OptionCondition } from "./options.js";
import { calleeName, flattenApply, unparen } from "./read.js";
import { SyntaxKind as K, type SyntaxNode } from "./syntax.js";

export type Platform = "darwin" | "linux";

/** Functions whose first argument is a condition and whose last is what it guards. */
const GUARDS = new Set(["mkIf", "optionalAttrs", "optionals", "optional", "optionalString"]);

const TEST = /^(?:[\w'-]+\.)*is(Darwin|Linux)$/;

/** The platform a condition's text tests for (`isDarwin`, `pkgs.stdenv.hostPlatform.isDarwin`,
 * `!isLinux`, `isDarwin && cfg.enable`); undefined when it is no platform test. */
export function platformOfCondition(text: string): Platform | undefined {
  let t = text.trim();
  while (t.startsWith("(") && t.endsWith(")") && balanced(t.slice(1, -1))) t = t.slice(1, -1).trim();
  // A conjunction is only true on the platform one of its terms tests for.
  if (t.includes("&&") && !t.includes("||") && !/[()]/.test(t)) {
    for (const part of t.split("&&")) {
      const p = platformOfCondition(part);
      if (p) return p;
    }
    return undefined;
  }
  let negated = false;
  while (t.startsWith("!")) {
    negated = !negated;
    t = t.slice(1).trim();
    while (t.startsWith("(") && t.endsWith(")") && balanced(t.slice(1, -1))) t = t.slice(1, -1).trim();
  }
  const m = TEST.exec(t);
  if (!m) return undefined;
  const p: Platform = m[1] === "Darwin" ? "darwin" : "linux";
  return negated ? other(p) : p;
}

function balanced(s: string): boolean {
  let depth = 0;
  for (const c of s) {
    if (c === "(") depth++;
    else if (c === ")" && --depth < 0) return false;
  }
  return depth === 0;
}

function other(p: Platform): Platform {
  return p === "darwin" ? "linux" : "darwin";
}

/** The platform an option definition's conditions restrict it to (the index records `mkIf`,
 * `optionalAttrs` and both branches of `if`). */
export function definitionPlatform(conditions: readonly OptionCondition[]): Platform | undefined {
  for (const c of conditions) {
    const p = platformOfCondition(c.text);
    if (p) return c.kind === "else" ? other(p) : p;
  }
  return undefined;
}

/** The platform the code at a node is restricted to by an enclosing guard or `if`, if any. */
export function platformBranch(node: SyntaxNode): Platform | undefined {
  let child: SyntaxNode = node;
  for (const a of node.ancestors()) {
    if (a.kind === K.NODE_IF_ELSE) {
      const [cond, yes, no] = a.childNodes();
      if (cond && child !== cond) {
        const p = platformOfCondition(cond.text);
        if (p && child === yes) return p;
        if (p && child === no) return other(p);
      }
    } else if (a.kind === K.NODE_APPLY && a.parent?.kind !== K.NODE_APPLY) {
      const { fn, args } = flattenApply(a);
      const name = calleeName(fn);
      const body = args.at(-1);
      if (name && GUARDS.has(name) && args.length === 2 && body && contains(body, node)) {
        const p = platformOfCondition(unparen(args[0])?.text ?? "");
        if (p) return p;
      }
    }
    child = a;
  }
  return undefined;
}

function contains(outer: SyntaxNode, inner: SyntaxNode): boolean {
  return inner.start >= outer.start && inner.end <= outer.end;
}
