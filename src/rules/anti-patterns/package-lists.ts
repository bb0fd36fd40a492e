// Package lists as written (`environment.systemPackages`, `home.packages`,
// `users.users.<n>.packages`): which packages a list literal names, without evaluating anything.
// An element counts when it is `pkgs.<name>` / `pkgs.<set>.<name>`, or a bare name under a
// `with pkgs;` that nothing closer binds; everything else (overrides, calls, let-bound
// derivations) is not named and is left out.
import { indexModule, type OptionDefinition } from "../../nix/options.js";
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import type { HostContext, NixFileContext } from "../types.js";
import { hostDefinitions, hostMatching } from "./host.js";
import { calleeName, dottedName, flattenApply, resolveVariable, unparen } from "../shared/syntax.js";

export interface PackageRef {
  /** The attribute path below pkgs: `firefox`, `python3Packages.requests`. */
  name: string;
  /** The element of the list literal. */
  node: SyntaxNode;
  /** The list literal it is an element of. */
  list: SyntaxNode;
}

const PKGS = /^(pkgs|pkgs-unstable|pkgsUnstable|unstable|pkgs\.unstable)$/;

function underWithPkgs(node: SyntaxNode): boolean {
  for (let p = node.parent; p; p = p.parent) {
    if (p.kind === K.NODE_WITH && PKGS.test(dottedName(p.childNodes()[0]) ?? "") && (p.childNodes()[1]?.start ?? 0) <= node.start) return true;
  }
  return false;
}

/** The package an element names, if it plainly names one. */
function packageName(el: SyntaxNode): string | undefined {
  const n = unparen(el);
  if (!n) return undefined;
  if (n.kind === K.NODE_IDENT) {
    if (resolveVariable(n) || !underWithPkgs(n)) return undefined;
    return n.text;
  }
  const dotted = dottedName(n);
  if (!dotted) return undefined;
  for (const prefix of ["pkgs.unstable.", "pkgs.", "pkgs-unstable.", "pkgsUnstable.", "unstable."]) {
    if (dotted.startsWith(prefix)) return dotted.slice(prefix.length);
  }
  return undefined;
}

/** The named packages of a list value (through `++`, `lib.optionals c [...]`, `with pkgs; [...]`).
 * `conditional` is set on those from `optionals`. */
export function packagesOf(value: SyntaxNode | undefined, depth = 0): Array<PackageRef & { conditional: boolean }> {
  const n = unparen(value);
  if (!n || depth > 8) return [];
  switch (n.kind) {
    case K.NODE_WITH:
      return packagesOf(n.childNodes()[1], depth + 1);
    case K.NODE_LIST:
      return n.childNodes().flatMap((el) => {
        const name = packageName(el);
        return name ? [{ name, node: el, list: n, conditional: false }] : [];
      });
    case K.NODE_BIN_OP:
      return n.childTokens().some((t) => t.kind === K.TOKEN_CONCAT) ? n.childNodes().flatMap((c) => packagesOf(c, depth + 1)) : [];
    case K.NODE_APPLY: {
      const { fn, args } = flattenApply(n);
      if (calleeName(fn) === "optionals" && args.length === 2) return packagesOf(args[1], depth + 1).map((p) => ({ ...p, conditional: true }));
      return [];
    }
    default:
      return [];
  }
}

type Def = { file: NixFileContext; def: OptionDefinition };

/** Every `home.packages` of a host's home-manager users: `home-manager.users.<n>.home.packages`,
 * a function module written in place (`home-manager.users.<n> = { pkgs, ... }: { ... }`, which the
 * option index does not walk into), and home-manager module files the host includes. */
export function homePackageDefinitions(h: HostContext): Def[] {
  const out: Def[] = [...hostMatching(h, "home-manager.users.*.home.packages"), ...hostDefinitions(h, "home.packages")];
  for (const x of hostMatching(h, "home-manager.users.*")) {
    const m = unparen(x.def.inner);
    if (m?.kind !== K.NODE_LAMBDA) continue;
    for (const def of indexModule(m).definitions) {
      if (def.path === "home.packages") out.push({ file: x.file, def: { ...def, path: `${x.def.path}.home.packages`, segments: [...x.def.segments, ...def.segments], conditions: [...x.def.conditions, ...def.conditions] } });
    }
  }
  return out;
}
