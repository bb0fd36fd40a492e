// nix-unsafe-evaluation: `allow-unsafe-native-code-during-evaluation = true` in the system's
// nix.conf (`nix.settings`, or a line of nix.extraOptions). It turns on `builtins.exec` and
// `builtins.importNative`: evaluating a Nix expression can then run any program, with the
// evaluating user's rights, before anything is built and outside every sandbox. Whoever evaluates
// code they did not write (a flake input, `nix run github:...`, a pull request checked out for
// review, root's `nixos-rebuild` of an imported module) lets that code run commands. Low: it needs
// code that calls builtins.exec, but it removes the line between reading Nix code and running it.
// `false` (the default) and a home-manager module (nixSettingSites skips it) are silent.
import { replaceNode } from "../../nix/edit.js";
import { staticValue } from "../../nix/values.js";
import { nixSettingSites } from "./nix-settings.js";
import type { NixFileContext, Rule } from "../types.js";
import { hostExample } from "../shared/examples.js";
import { nixConfSetting, nixosOption } from "../shared/references.js";

const NAME = "allow-unsafe-native-code-during-evaluation";

function checkNix(ctx: NixFileContext): void {
  for (const site of nixSettingSites(ctx, NAME, [])) {
    const value = site.kind === "line" ? (site.value === "true" ? true : undefined) : staticValue(site.def.inner);
    if (value !== true) continue;
    const message =
      `${site.optionPath} sets ${NAME} = true: builtins.exec and builtins.importNative work, so evaluating a Nix expression can run any program as the evaluating user (root for nixos-rebuild), before any build and outside the build sandbox. ` +
      "Any code evaluated on this machine, a flake input or a repository checked out for review included, can then run commands just by being evaluated.";
    const fix = { safety: "review" as const, description: `Remove ${NAME} (it defaults to false). Code that needs builtins.exec (secret plugins such as nix-plugins' extra-builtins) can usually read the file at activation instead, or run with --option ${NAME} true for that one command.` };
    if (site.kind === "line") {
      ctx.report({ range: site.range, optionPath: site.optionPath, key: NAME, severity: "low", title: "Nix evaluation may run programs (allow-unsafe-native-code-during-evaluation)", message, fix: { ...fix, safety: "manual" } });
    } else {
      ctx.report({
        node: site.def.inner ?? site.def.binding,
        optionPath: site.optionPath,
        severity: "low",
        title: "Nix evaluation may run programs (allow-unsafe-native-code-during-evaluation)",
        message,
        fix: { ...fix, edits: site.def.inner ? [replaceNode(ctx.file, site.def.inner, "false")] : undefined },
      });
    }
  }
}

export const nixUnsafeEvaluation: Rule = {
  id: "nix-unsafe-evaluation",
  examples: {
    fire: [
      hostExample(`{ nix.settings.allow-unsafe-native-code-during-evaluation = true; }\n`),
      hostExample(`{\n  nix.extraOptions = ''\n    experimental-features = nix-command flakes\n    allow-unsafe-native-code-during-evaluation = true\n  '';\n}\n`),
    ],
    silent: [
      hostExample(`{ nix.settings.allow-unsafe-native-code-during-evaluation = false; }\n`),
      // Look-alike: import-from-derivation is a different setting (builds during evaluation, inside the sandbox).
      hostExample(`{ nix.settings.allow-import-from-derivation = true; }\n`),
      // A home-manager module writes the user's own nix.conf.
      hostExample(`{ home-manager.users.alice = import ./home.nix; }\n`, "configuration.nix", { "home.nix": `{ pkgs, ... }: {\n  home.packages = [ pkgs.hello ];\n  nix.settings.allow-unsafe-native-code-during-evaluation = true;\n}\n` }),
    ],
  },
  name: "Nix evaluation may run programs",
  category: "access",
  severity: "low",
  rationale:
    "allow-unsafe-native-code-during-evaluation enables builtins.exec and builtins.importNative, so evaluating Nix code runs arbitrary programs as the evaluating user, outside the build sandbox. Evaluating a configuration, a flake or a reviewed pull request is then the same as running it.",
  fix: "Leave allow-unsafe-native-code-during-evaluation at its default (false); pass it with --option for the one command that needs it.",
  references: [
    nixConfSetting("allow-unsafe-native-code-during-evaluation"),
    nixosOption("nix.settings"),
  ],
  compliance: { cis: ["1.5 Additional Process Hardening"], nist: ["PR.PS-01"] },
  checkNix,
};
