// polkit-wheel-allow-all: a polkit rule (security.polkit.extraConfig) that answers
// polkit.Result.YES for members of wheel without looking at the action: every action polkit guards
// (pkexec of any command as root, systemd units, mounting disks, installing firmware, changing
// users through accountsservice) is granted to any process of a wheel member without a password,
// so a compromised browser or editor of an admin becomes root with `pkexec`. Medium, as a
// passwordless sudo rule for wheel; low where wheel's sudo asks no password already on the host
// (security.sudo.wheelNeedsPassword = false): no new way to root, one more to close.
// Silent: a rule that checks action.id (or action.lookup) before YES, AUTH_ADMIN(_KEEP) answers,
// rules for another group.
import type { OptionDefinition } from "../../nix/options.js";
import { isDead } from "../shared/scope.js";
import { cookString, sourceRange } from "../shared/string-lines.js";
import type { NixFileContext, Rule, RuleReport } from "../types.js";
import { hostExample } from "../shared/examples.js";
import { perHost } from "../shared/per-host.js";
import { wheelPasswordless } from "./wheel-sudo.js";
import { nixosOption } from "../shared/references.js";

interface Place {
  def: OptionDefinition;
  report: RuleReport;
}

const WHEEL = /\bisInGroup\s*\(\s*(["'])wheel\1\s*\)/;
const YES = /\bpolkit\.Result\.YES\b/;
const ACTION_FILTER = /\baction\s*\.\s*(?:id|lookup)\b|\baction\.id\b/;

function places(ctx: NixFileContext): Place[] {
  const out: Place[] = [];
  if (ctx.moduleClass === "home-manager") return out;
  for (const def of ctx.index.byPath.get("security.polkit.extraConfig") ?? []) {
    if (isDead(def)) continue;
    const s = cookString(def.inner);
    if (!s) continue;
    const starts = [...s.text.matchAll(/polkit\s*\.\s*addRule\s*\(/g)].map((m) => m.index);
    starts.forEach((start, i) => {
      const body = s.text.slice(start, starts[i + 1] ?? s.text.length);
      if (!WHEEL.test(body) || !YES.test(body) || ACTION_FILTER.test(body)) return;
      const firstLine = body.indexOf("\n") === -1 ? body.length : body.indexOf("\n");
      out.push({
        def,
        report: {
          range: sourceRange(s, start, start + firstLine),
          optionPath: def.path,
          key: `polkit-wheel:${start}`,
          severity: "medium",
          title: "polkit grants every action to wheel without a password",
          message:
            "This polkit rule answers polkit.Result.YES for members of wheel whatever the action: pkexec of any command as root, starting and stopping units, mounting disks and changing accounts are granted to every process of a wheel member without a password prompt, so a compromised program an admin runs (a browser, an editor plugin) becomes root with pkexec.",
          fix: {
            safety: "manual",
            description:
              'Limit the rule to the actions it is meant for (`if (subject.isInGroup("wheel") && action.id.indexOf("org.freedesktop.login1.") == 0) return polkit.Result.YES;`), or answer polkit.Result.AUTH_ADMIN_KEEP so the password is asked once and remembered for a few minutes.',
          },
        },
      });
    });
  }
  return out;
}

const checks = perHost(places, (p, scope, _file, report) => {
  const via = wheelPasswordless(scope);
  if (via === undefined) return report(p.report);
  report({
    ...p.report,
    severity: "low",
    message: `${p.report.message} Wheel's sudo asks no password on this host either${via ? ` (${via})` : ""} (security.sudo.wheelNeedsPassword = false), so this adds no new way to root; close both together.`,
  });
});

export const polkitWheelAllowAll: Rule = {
  id: "polkit-wheel-allow-all",
  examples: {
    fire: [
      hostExample(`{\n  security.polkit.extraConfig = ''\n    polkit.addRule(function (action, subject) {\n      if (subject.isInGroup('wheel'))\n        return polkit.Result.YES;\n    });\n  '';\n}\n`),
      // Low: wheel's sudo is passwordless already.
      hostExample(`{\n  security.sudo.wheelNeedsPassword = false;\n  security.polkit.extraConfig = ''\n    polkit.addRule(function(action, subject) {\n      if (subject.isInGroup("wheel")) { return polkit.Result.YES; }\n    });\n  '';\n}\n`),
    ],
    silent: [
      // The rule checks the action first.
      hostExample(`{\n  security.polkit.extraConfig = ''\n    polkit.addRule(function(action, subject) {\n      if (action.id == "org.freedesktop.login1.reboot" && subject.isInGroup("wheel"))\n        return polkit.Result.YES;\n    });\n  '';\n}\n`),
      // Asks the admin's password (and keeps it).
      hostExample(`{\n  security.polkit.extraConfig = ''\n    polkit.addRule(function(action, subject) {\n      if (subject.isInGroup("wheel")) return polkit.Result.AUTH_ADMIN_KEEP;\n    });\n  '';\n}\n`),
    ],
  },
  name: "polkit grants every action to wheel without a password",
  category: "access",
  severity: "medium",
  rationale:
    "A polkit rule returning polkit.Result.YES for wheel without checking the action grants every privileged action, pkexec as root included, to any process of a wheel member without a password: the same as passwordless sudo for wheel.",
  fix: "Filter the rule on action.id (only the actions meant to be passwordless), or answer AUTH_ADMIN_KEEP.",
  references: [
    nixosOption("security.polkit.extraConfig"),
    { title: "polkit(8): authorization rules", url: "https://www.freedesktop.org/software/polkit/docs/latest/polkit.8.html" },
  ],
  compliance: { cis: ["5.3 Configure privilege escalation"], nist: ["PR.AA-05"] },
  ...checks,
};
