// deprecated-to-path (statix's deprecated_to_path): `builtins.toPath` is deprecated (Nix's manual:
// use `/. + "/path"` for a path, or the string itself). It does not return a path: it returns the
// string, with `.`, `..` and repeated slashes resolved, and fails on a relative one. statix offers
// no fix; here an absolute string literal without interpolation gets the exact replacement (the
// resolved string, which is what the call returns). Anything else (a variable, a string with
// context) cannot be rewritten blindly: `/. + x` is a path, not a string, and fails on a store
// path's context; the fix says what to choose.
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { nixString, replaceNode } from "../../nix/edit.js";
import { staticString } from "../../nix/options.js";
import type { Rule } from "../types.js";
import { resolveVariable, unparen } from "../shared/syntax.js";
import { statixMeta, tokenText } from "./statix-lint.js";
import { nixManual } from "../shared/references.js";

/** What Nix's canonPath makes of an absolute path string (no symlinks resolved). */
export function canonicalAbsolute(path: string): string {
  const parts: string[] = [];
  for (const seg of path.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") parts.pop();
    else parts.push(seg);
  }
  return "/" + parts.join("/");
}

function literalArgument(arg: SyntaxNode): string | undefined {
  const s = unparen(arg);
  if (s?.kind !== K.NODE_STRING) return undefined;
  return staticString(s);
}

export const deprecatedToPath: Rule = {
  ...statixMeta("deprecated_to_path", {
    id: "deprecated-to-path",
    name: "Deprecated `builtins.toPath`",
    rationale:
      "`builtins.toPath` is deprecated: despite its name it returns a string (the absolute path, with `.` and `..` resolved), not a path, which misleads readers. statix reports it as deprecated_to_path.",
    fix: "Use the string itself when a string is wanted, or `/. + \"/abs/path\"` (a path) when a path is; the fix writes the resolved string for a literal argument.",
    references: [nixManual("builtins.toPath", "language/builtins.html#builtins-toPath")],
    examples: {
      fire: ["{\n  etc = builtins.toPath \"/etc/./nixos/\";\n}\n", "{ dir }:\nwith builtins;\n{\n  abs = toPath dir;\n}\n"],
      silent: ["{\n  etc = /. + \"/etc/nixos\";\n  str = builtins.toString ./.;\n  fn = builtins.toPath;\n}\n"],
    },
  }),

  checkNix(ctx) {
    for (const apply of ctx.parsed.root.descendants(K.NODE_APPLY)) {
      const [fn, arg] = apply.childNodes();
      if (!fn || !arg) continue;
      const callee = tokenText(fn);
      // statix's two spellings: `builtins.toPath` and `toPath` (in scope through `with builtins`).
      if (callee === "builtins . toPath") {
        if (resolveVariable(fn.childNodes()[0]!)) continue;
      } else if (callee === "toPath") {
        if (resolveVariable(fn)) continue;
      } else continue;
      const literal = literalArgument(arg);
      const exact = literal?.startsWith("/") ? nixString(canonicalAbsolute(literal)) : undefined;
      ctx.report({
        node: apply,
        message: `\`${fn.text.trim()}\` is deprecated (it returns a string, not a path)${exact ? `; this call is the string ${exact}` : ""}.`,
        fix: exact
          ? { safety: "auto", description: `Replace the call with the string it returns, ${exact}.`, edits: [replaceNode(ctx.file, apply, exact)] }
          : { safety: "manual", description: "Use the string itself (toPath returned it unchanged but for `.`/`..`), or `/. + x` if a path was meant (a path value, copied to the store when interpolated)." },
      });
    }
  },
};
