// mkoption-without-description: `mkOption { ... }` whose attribute set has no `description`.
// Silent for options marked `internal = true` or `visible = false` (not documented anyway), for
// mkEnableOption / mkPackageOption (they write the description), for a declaration with nothing
// but a submodule type (it extends an option declared elsewhere: `accounts.email.accounts =
// mkOption { type = attrsOf (submodule ./extra.nix); }`), and when the argument is not an
// attribute set written in place (`mkOption (common // { ... })` cannot be read statically).
import { attrpathSegments } from "../../nix/options.js";
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { staticBool } from "../../nix/values.js";
import type { NixFileContext, Rule } from "../types.js";
import { hostExample } from "../shared/examples.js";
import { applications, unparen } from "../shared/syntax.js";
import { nixosManual } from "../shared/references.js";

/** The set's attributes by name (first segment), with their value when written `name = value;`. */
export function attrsOf(set: SyntaxNode): Map<string, SyntaxNode | undefined> {
  const out = new Map<string, SyntaxNode | undefined>();
  for (const b of set.childNodes()) {
    if (b.kind === K.NODE_ATTRPATH_VALUE) {
      const [path, value] = b.childNodes();
      const segs = path ? attrpathSegments(path) : [];
      if (segs[0] && !segs[0].dynamic) out.set(segs[0].name, segs.length === 1 ? value : undefined);
    } else if (b.kind === K.NODE_INHERIT) {
      for (const id of b.childNodes()) if (id.kind === K.NODE_IDENT) out.set(id.text, undefined);
    }
  }
  return out;
}

/** The declared option path of an mkOption call, from the index's declarations. */
export function declaredPath(ctx: NixFileContext, call: SyntaxNode): string | undefined {
  return ctx.index.declarations.find((d) => unparen(d.value) === call)?.path;
}

/** Where to point for an option declaration: the attribute path naming it, else the call. */
export function declarationAnchor(call: SyntaxNode): SyntaxNode {
  let p = call.parent;
  while (p?.kind === K.NODE_PAREN) p = p.parent;
  return p?.kind === K.NODE_ATTRPATH_VALUE ? (p.childNodes()[0] ?? call) : call;
}

export const mkoptionWithoutDescription: Rule = {
  id: "mkoption-without-description",
  name: "Option declared without a description",
  category: "anti-pattern",
  // A documentation lint: how a module is written, asked for with the style lints (issue: 315 of
  // one library's findings were this, and admins judged it a matter of taste in configurations).
  group: "style",
  severity: "info",
  rationale:
    "Maintenance, not security: An option is an interface: whoever sets it (another host, a colleague, you in a year) needs to know what it does, what values mean, and what it changes. Without `description` the option is undocumented in the generated manual and `nixos-option`, and its meaning lives only in the implementation.",
  fix: "Add `description` saying what the option controls and what its values mean (or use mkEnableOption / mkPackageOption, which write it); mark internal plumbing `internal = true`.",
  references: [
    nixosManual("Option Declarations", "sec-option-declarations"),
  ],
  compliance: {
    cis: ["n/a: documentation of the Nix source, not a setting of the running system, which is what the CIS Linux benchmark audits"],
    nist: ["PR.PS-06"],
  },
  // Its examples are a host's module: the scan reports this lint only in a configuration's own
  // modules, not in a library.
  examples: {
    fire: [hostExample(`{ lib, ... }:
{
  options.homelab.retention = lib.mkOption {
    type = lib.types.str;
    default = "30d";
  };
}
`)],
    silent: [hostExample(`{ lib, ... }:
{
  options.homelab.retention = lib.mkOption {
    type = lib.types.str;
    default = "30d";
    description = "How long Prometheus keeps samples (a Prometheus duration such as 30d).";
  };
}
`)],
  },

  checkNix(ctx) {
    for (const app of applications(ctx.parsed.root)) {
      if (app.name !== "mkOption" || app.args.length !== 1) continue;
      const set = unparen(app.args[0]);
      if (set?.kind !== K.NODE_ATTR_SET) continue;
      const attrs = attrsOf(set);
      if (attrs.has("description")) continue;
      if (attrs.has("internal") && staticBool(attrs.get("internal")) !== false) continue;
      if (attrs.has("visible") && staticBool(attrs.get("visible")) !== true) continue;
      // Re-declaring an existing option with only a submodule type extends that option's
      // submodule (declarations merge); the original declaration carries the description.
      if (attrs.size === 1 && /\bsubmodule(With)?\b/.test(attrs.get("type")?.text ?? "")) continue;
      const anchor = declarationAnchor(app.node);
      const path = declaredPath(ctx, app.node);
      const name = path ?? (anchor !== app.node ? anchor.text : "this option");
      ctx.report({
        node: anchor,
        optionPath: path,
        key: path ? undefined : `mkOption ${anchor.text}`,
        message: `Option ${name} is declared without a description: what it controls and what its values mean are documented nowhere.`,
        fix: { safety: "manual", description: "Add `description = \"...\";` saying what the option controls and what its values mean (or mark it `internal = true`)." },
      });
    }
  },
};
