// mkif-trivial: an `mkIf` that decides nothing. `mkIf true x` is `x`; `mkIf false x` defines
// nothing at all (dead code that reads like configuration); and an `mkIf c` inside another
// `mkIf c` with the same condition (`config = mkIf cfg.enable { x = mkIf cfg.enable y; }`) is
// always true where it is evaluated. `mkIf true` as a block's on/off switch (a module's whole
// `config`, a block of mkMerge) is an idiom and left alone. The inner condition must be the same text and every name
// in it must resolve to the same binding as in the outer one (a `cfg` rebound in between is a
// different condition). `mkIf cond true` is mkif-constant's finding, not this one's.
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { replaceNode } from "../../nix/edit.js";
import { fixParses, isBuiltinConstant } from "../style/expression.js";
import type { Rule } from "../types.js";
import { applications, isVariableReference, resolveVariable, shortText, unparen } from "../shared/syntax.js";
import { nixosManual } from "../shared/references.js";

type App = ReturnType<typeof applications>[number];

function isMkIf(a: App): boolean {
  const fn = a.fn;
  if (a.args.length !== 2) return false;
  if (fn.kind === K.NODE_IDENT) return fn.text === "mkIf";
  return a.name === "mkIf" && /^(lib|pkgs\.lib|nixpkgs\.lib)\.mkIf$/.test(fn.text.replace(/\s+/g, ""));
}

/** The same condition: same text once spaces are normalised, each name bound by the same binder. */
function sameCondition(a: SyntaxNode, b: SyntaxNode): boolean {
  const norm = (n: SyntaxNode) => n.text.replace(/\s+/g, " ").trim();
  if (norm(unparen(a)!) !== norm(unparen(b)!)) return false;
  const refs = (n: SyntaxNode) => {
    const out: Array<SyntaxNode | undefined> = [];
    n.walk((m) => {
      if (m.kind === K.NODE_IDENT && isVariableReference(m)) out.push(resolveVariable(m)?.binder);
    });
    return out;
  };
  const ra = refs(a);
  const rb = refs(b);
  return ra.length === rb.length && ra.every((x, i) => x === rb[i]);
}

/** Is there a comment on the line of `mkIf false` or on the lines just above it (blank lines and
 * the binding's own line aside)? */
function saysWhyOff(lines: { lineText(line: number): string }, line: number): boolean {
  if (/#/.test(lines.lineText(line).replace(/"(?:[^"\\]|\\.)*"/g, ""))) return true;
  for (let l = line - 1, seen = 0; l >= 1 && seen < 2; l--) {
    const t = lines.lineText(l).trim();
    if (t === "") continue;
    if (t.startsWith("#") || t.endsWith("*/")) return true;
    // `services.x = lib.mkIf false {` on its own line: look above the binding once.
    if (seen++ > 0 || !/=\s*\(?\s*$/.test(t)) return false;
  }
  return false;
}

/** `mkIf true` as a block's on/off switch: the whole `config = mkIf true { ... }` of a module, or
 * one block of an `mkMerge [ ... ]`. Flipping it to false turns the block off: an idiom, kept on
 * purpose. NixOS admins judged every such finding debatable ("`mkIf true` as a toggle; harmless":
 * cleverca22-nixos-configs cardano-relay.nix, latency-tracker.nix, nas-monitoring.nix, steam.nix in
 * the corpus11 census, arianvp-nixos-stuff kube-apiserver.nix in corpus10), while `mkIf false` dead
 * blocks and repeated conditions were right. `mkIf true` on one option stays reported. */
function blockSwitch(a: App): boolean {
  let n: SyntaxNode = a.node;
  while (n.parent?.kind === K.NODE_PAREN) n = n.parent;
  const parent = n.parent;
  if (parent?.kind === K.NODE_ATTRPATH_VALUE && parent.childNodes()[1] === n) return parent.childNodes()[0]?.text === "config";
  if (parent?.kind === K.NODE_LIST) {
    let l: SyntaxNode = parent;
    while (l.parent?.kind === K.NODE_PAREN) l = l.parent;
    const app = l.parent;
    return app?.kind === K.NODE_APPLY && /(?:^|\.)mkMerge$/.test(app.childNodes()[0]?.text.replace(/\s+/g, "") ?? "");
  }
  return false;
}

export const mkifTrivial: Rule = {
  id: "mkif-trivial",
  name: "`mkIf` that decides nothing",
  category: "anti-pattern",
  severity: "info",
  rationale:
    "Maintenance, not security: `mkIf true x` is `x` with a layer of indirection; `mkIf false x` defines nothing, so the block reads like configuration while none of it applies (a disabled block that looks live); and an `mkIf c` inside an `mkIf c` with the same condition is always true where it is evaluated. Each hides what the module actually does and makes the reader re-derive a decision that was already made.",
  fix: "Write `x` for `mkIf true x`; delete (or comment out, saying why) a definition under `mkIf false`; drop the inner `mkIf c` whose condition an enclosing `mkIf c` already guarantees.",
  references: [
    nixosManual("Option Definitions, conditional definitions (mkIf)", "sec-option-definitions-delaying-conditionals"),
  ],
  compliance: {
    cis: ["n/a: concerns how the Nix source says something, not a setting of the running system, which is what the CIS Linux benchmark audits"],
    nist: ["PR.PS-01"],
  },
  examples: {
    fire: [
      "{ lib, ... }:\n{\n  services.openssh = lib.mkIf true {\n    enable = true;\n  };\n}\n",
      "{ lib, ... }:\n{\n  services.printing = lib.mkIf false {\n    enable = true;\n  };\n}\n",
      "{ config, lib, ... }:\nlet\n  cfg = config.homelab.backup;\nin\n{\n  options.homelab.backup.enable = lib.mkEnableOption \"backups\";\n  config = lib.mkIf cfg.enable {\n    services.restic.backups.home = lib.mkIf cfg.enable {\n      paths = [ \"/home\" ];\n    };\n  };\n}\n",
      "{ config, lib, ... }:\nwith lib;\n{\n  config = mkIf config.services.nginx.enable (mkIf config.services.nginx.enable {\n    networking.firewall.allowedTCPPorts = [ 443 ];\n  });\n}\n",
    ],
    silent: [
      // Switched off on purpose, saying why.
      "{ lib, ... }:\n{\n  imports = [ ];\n  config = lib.mkMerge [\n    { services.openssh.enable = true; }\n    # mautrix: disabled, broken upstream\n    (lib.mkIf false {\n      services.mautrix-telegram.enable = true;\n    })\n  ];\n}\n",
      // A real condition.
      "{ config, lib, ... }:\n{\n  services.fail2ban = lib.mkIf config.services.openssh.enable { enable = true; };\n}\n",
      // Nested mkIf with a different condition.
      "{ config, lib, ... }:\nlet\n  cfg = config.homelab;\nin\n{\n  config = lib.mkIf cfg.enable {\n    services.nginx = lib.mkIf cfg.web.enable { enable = true; };\n  };\n}\n",
      // The same text, but `cfg` is rebound in between: a different condition.
      "{ config, lib, ... }:\nlet\n  cfg = config.homelab;\nin\n{\n  config = lib.mkIf cfg.enable (\n    let cfg = config.homelab.web; in {\n      services.nginx = lib.mkIf cfg.enable { enable = true; };\n    });\n}\n",
      // A module's block switch (`config = mkIf true`, a block of mkMerge): flip it to false to turn
      // the block off; kept on purpose.
      "{ lib, ... }:\n{\n  config = lib.mkIf true {\n    services.openssh.enable = true;\n  };\n}\n",
      "{ lib, ... }:\n{\n  config = lib.mkMerge [\n    { services.openssh.enable = true; }\n    (lib.mkIf true { services.printing.enable = true; })\n  ];\n}\n",
      // `true` rebound by a let is not Nix's constant.
      "{ config, lib, ... }:\nlet\n  true = config.services.openssh.enable;\nin\n{\n  services.fail2ban = lib.mkIf true { enable = true; };\n}\n",
      // A function called mkIf that is not lib's.
      "let\n  my = { mkIf = a: b: b; };\nin\nmy.mkIf true { }\n",
    ],
  },

  checkNix(ctx) {
    const mkIfs = applications(ctx.parsed.root).filter(isMkIf);
    const seen = new Set<SyntaxNode>();
    for (const a of mkIfs) {
      const cond = unparen(a.args[0])!;
      const body = a.args[1]!;
      for (const constant of ["true", "false"]) {
        if (!isBuiltinConstant(cond, constant)) continue;
        // A block switched off with a comment saying so (`# disabled: broken upstream`) is
        // parked on purpose, which is what the fix asks for.
        if (constant === "false" && saysWhyOff(ctx.parsed.source.lines, a.node.line)) continue;
        if (constant === "true" && blockSwitch(a)) continue;
        const edits = constant === "true" ? [replaceNode(ctx.file, a.node, body.text)] : [];
        ctx.report({
          node: a.node,
          key: `mkIf ${constant}`,
          message:
            constant === "true"
              ? `\`${shortText(a.node, 60)}\` always applies: it is its body with a layer of indirection.`
              : `This \`mkIf false …\` never applies: nothing under it is defined, though it reads like configuration.`,
          fix:
            constant === "true" && fixParses(ctx, edits)
              ? { safety: "auto", description: "Keep the body, without `mkIf true`.", edits }
              : { safety: "manual", description: "Delete the definition (or comment it out, saying why it is off)." },
        });
      }
      // The same condition in an enclosing mkIf (the inner one is reported; the outer decides).
      for (let p = a.node.parent; p; p = p.parent) {
        if (p.kind === K.NODE_LAMBDA) break;
        const outer = mkIfs.find((o) => o.node === p && o.args[1] && o.args[1].start <= a.node.start && a.node.end <= o.args[1].end);
        if (!outer || seen.has(a.node) || !sameCondition(outer.args[0]!, a.args[0]!)) continue;
        seen.add(a.node);
        const edits = [replaceNode(ctx.file, a.node, body.text)];
        ctx.report({
          node: a.node,
          key: `nested mkIf ${shortText(cond, 60)}`,
          message: `This \`mkIf ${shortText(cond, 60)}\` is inside an \`mkIf\` with the same condition (line ${outer.node.line}): where it is evaluated, the condition is already true.`,
          fix: fixParses(ctx, edits) ? { safety: "auto", description: "Keep the body, without the inner `mkIf`.", edits } : { safety: "manual", description: "Drop the inner `mkIf`, keeping its body." },
        });
        break;
      }
    }
  },
};
