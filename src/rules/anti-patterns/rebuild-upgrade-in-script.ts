// rebuild-upgrade-in-script: a script runs `nixos-rebuild <action> --upgrade` (or
// `--upgrade-all`), so every run deploys whatever the channels hold at that moment. The fix
// removes the flag (for review: deploys then use the pinned inputs only).
import type { Rule, TextEdit } from "../types.js";
import { commandEvidence, rangeOf, removeWordEdit, scriptCommandHooks, type ScriptCommand, type ScriptFile } from "./scripts.js";
import { commandName } from "../../shell/parse.js";
import { nixosManual } from "../shared/references.js";

function check(cmds: ScriptCommand[], { file, text, lines, report }: ScriptFile): void {
  for (const { argv, what } of cmds) {
    const name = commandName(argv[0]);
    if (name !== "nixos-rebuild" && name !== "nixos-rebuild-ng") continue;
    const flags = argv.filter((w) => w.value === "--upgrade" || w.value === "--upgrade-all");
    if (flags.length === 0) continue;
    const evidence = commandEvidence(text, argv);
    const edits = flags.map((w) => removeWordEdit(file, text, w));
    const complete = edits.every((e): e is TextEdit => !!e);
    report({
      range: rangeOf(lines, argv[0]!.start, argv.at(-1)!.end),
      key: `${what}: ${evidence}`,
      evidence,
      message: `${what === "shell script" ? "This script" : `The script in ${what}`} runs \`${evidence}\`: ${flags[0]!.value} updates the channels first, so it deploys whatever they hold at that moment, not what the repository pins.`,
      fix: {
        safety: complete ? "review" : "manual",
        description: `Remove ${flags.map((w) => w.value).join(" and ")}; update pinned inputs (flake.lock) in a reviewed commit, or use system.autoUpgrade with a flake.`,
        ...(complete ? { edits } : {}),
      },
    });
  }
}

export const rebuildUpgradeInScript: Rule = {
  id: "rebuild-upgrade-in-script",
  name: "`nixos-rebuild --upgrade` in a script",
  category: "anti-pattern",
  severity: "medium",
  rationale:
    "`nixos-rebuild switch --upgrade` first updates the root user's channels, so what is deployed is whatever the channel holds at that moment: not pinned, not reviewed, not the same on two machines deployed a minute apart, and not reproducible from the repository. For a flake the channel update is unrelated work with the same side effects on the hosts' channels.",
  fix: "Pin the inputs (flake.lock, updated by a reviewed commit) and deploy exactly those (`nixos-rebuild switch --flake .#host`), or use `system.autoUpgrade` with a flake; drop `--upgrade` from scripts.",
  references: [
    nixosManual("Upgrading NixOS", "sec-upgrading"),
    nixosManual("Automatic Upgrades", "sec-upgrading-automatic"),
  ],
  compliance: {
    cis: ["1.2 Configure Software Updates"],
    nist: ["PR.PS-01", "PR.PS-02"],
  },
  examples: {
    fire: [`{ pkgs, ... }:
{
  systemd.services.nightly-deploy = {
    startAt = "daily";
    path = [ pkgs.nixos-rebuild ];
    script = ''
      nixos-rebuild switch --upgrade
    '';
  };
}
`],
    silent: [`{ ... }:
{
  # Updates come from a reviewed flake.lock in the repository.
  system.autoUpgrade = {
    enable = true;
    flake = "github:example/infra";
    dates = "daily";
  };
}
`],
  },

  ...scriptCommandHooks(check),
};
