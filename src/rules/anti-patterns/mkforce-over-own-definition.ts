// mkforce-over-own-definition: a module of the repository sets an option at normal priority and a
// host (another file of the same host) forces a different value over it with mkForce. The module
// meant a default, and wrote it so that it can only be overridden by force: `mkDefault` in the
// module lets the host set its value plainly, and keeps mkForce for what cannot be changed at the
// source. Only what the repository's own files define is judged (nixpkgs' modules are not read),
// only leaf definitions without conditions, and the fix (wrapping the module's value in
// `lib.mkDefault`) is offered where `lib` is an argument of that module. One finding per module
// file, listing its forced values and where they are forced.
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { replaceNode } from "../../nix/edit.js";
import { hostExample } from "../shared/examples.js";
import { isDead } from "../shared/scope.js";
import { fixParses } from "../style/expression.js";
import type { OptionDefinition } from "../../nix/options.js";
import type { NixFileContext, Rule } from "../types.js";
import { scopeBindings, unparen } from "../shared/syntax.js";

/** Does the file's own function take `lib`? */
function takesLib(ctx: NixFileContext): boolean {
  const top = unparen(ctx.parsed.root.childNodes().find((c) => c.kind !== K.NODE_ERROR));
  return top?.kind === K.NODE_LAMBDA && scopeBindings(top).has("lib");
}

/** Can the text stand as a function argument without parentheses? */
function isAtom(n: SyntaxNode): boolean {
  return [K.NODE_IDENT, K.NODE_LITERAL, K.NODE_STRING, K.NODE_LIST, K.NODE_ATTR_SET, K.NODE_PAREN, K.NODE_PATH].includes(n.kind) || (n.kind === K.NODE_SELECT && !n.firstToken(K.TOKEN_OR_KW));
}

export const mkforceOverOwnDefinition: Rule = {
  id: "mkforce-over-own-definition",
  name: "Module default written at normal priority, then forced by a host",
  category: "anti-pattern",
  severity: "low",
  rationale:
    "A shared module that sets `services.nginx.user = \"nginx\";` at normal priority leaves a host that wants another value no way but `lib.mkForce`: two normal definitions that differ are an evaluation error. The module meant a default; written with `lib.mkDefault`, the host sets its value plainly and `mkForce` stays reserved for what cannot be changed at the source. Each forced override of the repository's own module is a sign of the priority system ignored.",
  fix: "Write the module's value as `lib.mkDefault <value>` and drop the host's `lib.mkForce`.",
  references: [
    { title: "NixOS manual: Option Definitions, setting priorities (mkDefault, mkForce)", url: "https://nixos.org/manual/nixos/stable/#sec-option-definitions-setting-priorities" },
  ],
  compliance: {
    cis: ["n/a: concerns how the configuration is assembled, not a setting of the running system, which is what the CIS Linux benchmark audits"],
    nist: ["PR.PS-01"],
  },
  examples: {
    fire: [
      hostExample("{ lib, ... }:\n{\n  imports = [ ./common.nix ];\n  services.nginx.user = lib.mkForce \"www\";\n}\n", "configuration.nix", {
        "common.nix": "{ lib, ... }:\n{\n  services.nginx.user = \"nginx\";\n  time.timeZone = \"UTC\";\n}\n",
      }),
    ],
    silent: [
      // The module writes a default: the host sets its value plainly.
      hostExample("{ lib, ... }:\n{\n  imports = [ ./common.nix ];\n  services.nginx.user = \"www\";\n}\n", "configuration.nix", {
        "common.nix": "{ lib, ... }:\n{\n  services.nginx.user = lib.mkDefault \"nginx\";\n}\n",
      }),
      // Forcing over nixpkgs' own definitions cannot be judged here.
      hostExample("{ lib, ... }:\n{\n  networking.wireless.enable = lib.mkForce false;\n}\n"),
      // A conditional definition in the module is not a default.
      hostExample("{ lib, ... }:\n{\n  imports = [ ./common.nix ];\n  services.nginx.user = lib.mkForce \"www\";\n}\n", "configuration.nix", {
        "common.nix": "{ config, lib, ... }:\n{\n  services.nginx.user = lib.mkIf config.services.nginx.enable \"nginx\";\n}\n",
      }),
    ],
  },

  checkHost(h) {
    // Per module file: its normal-priority definitions that some other file of the host forces.
    const byFile = new Map<NixFileContext, Map<OptionDefinition, string[]>>();
    for (const f of h.files) {
      for (const forced of f.index.definitions) {
        if (forced.priority !== "mkForce" || !forced.isLeaf || isDead(forced) || !forced.inner || f.inTest(forced.binding)) continue;
        for (const { file, def } of h.definitions(forced.path)) {
          if (file === f || def.priority || def.conditions.length || !def.isLeaf || !def.value || !def.inner || isDead(def)) continue;
          if (def.inner.text.replace(/\s+/g, " ") === forced.inner.text.replace(/\s+/g, " ")) continue;
          const defs = byFile.get(file) ?? new Map<OptionDefinition, string[]>();
          byFile.set(file, defs);
          defs.set(def, [...(defs.get(def) ?? []), `${f.file}:${forced.line}`]);
        }
      }
    }
    // One finding per module file, at its first such definition, listing them all.
    for (const [file, defs] of byFile) {
      const list = [...defs].sort((a, b) => a[0].binding.start - b[0].binding.start);
      const first = list[0]![0];
      const edits = takesLib(file)
        ? list.filter(([d]) => d.value === d.inner).map(([d]) => replaceNode(file.file, d.value!, `lib.mkDefault ${isAtom(unparen(d.value)!) ? d.value!.text : `(${d.value!.text})`}`))
        : [];
      const complete = edits.length === list.length && fixParses(file, edits);
      const render = (xs: string[]) =>
        `${xs.length === 1 ? "This value is" : `${xs.length} values of this module are`} set at normal priority and forced over with mkForce elsewhere: ${xs.slice(0, 6).join("; ")}${xs.length > 6 ? `; and ${xs.length - 6} more` : ""}. A value meant to be overridden is a default (\`lib.mkDefault\`).`;
      const items = list.map(([d, sites]) => `\`${d.path}\` (line ${d.line}, forced in ${[...new Set(sites)].join(", ")})`);
      h.report({
        file: file.file,
        node: first.binding,
        key: "forced defaults",
        // Hosts that include this module list their forced values: one finding, their union.
        message: render(items),
        detail: { items, render },
        fix: complete
          ? { safety: "review", description: "Make them `lib.mkDefault` here, then drop the mkForce where they are overridden.", edits }
          : { safety: "manual", description: "Write these values with `lib.mkDefault` and drop the mkForce where they are overridden." },
      });
    }
  },
};
