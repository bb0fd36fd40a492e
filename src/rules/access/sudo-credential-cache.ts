// sudo-credential-cache: sudo remembers a user's authentication for a while (5 minutes, per
// terminal, by default), and sudo's Defaults in security.sudo(-rs).extraConfig can stretch that:
// - `timestamp_timeout` below 0: the record never expires until reboot. After one sudo, anything
//   running as the user in that terminal (a later `npm install`, a compromised editor plugin started
//   from it) gets root without a password. Low; medium when the record is also shared by all of
//   the user's terminals (`timestamp_type=global` or `!tty_tickets`): then after the first sudo
//   since boot every process of the user is root without a password, as with NOPASSWD ALL.
// - `timestamp_type=global` / `!tty_tickets` alone: the five minutes after a sudo in one terminal
//   hold for every process of the user, in any terminal or none (a background job, a browser):
//   low, a boundary as weak as the never-expiring per-terminal record.
// The last setting of a scope in the text wins, as in sudoers (`Defaults timestamp_timeout=-1`
// followed by `Defaults timestamp_timeout=5` is silent). Judged per host: where sudo is turned off
// (security.sudo.enable = false; sudo-rs not enabled) the text does nothing.
// Silent: timestamp_timeout of 0 or more, timestamp_type=tty/ppid/kernel, a home-manager module.
import type { OptionDefinition } from "../../nix/options.js";
import { hostValue, isDead } from "../shared/scope.js";
import { cookString, logicalLines, sourceRange, type CookedString, type StringLine } from "../shared/string-lines.js";
import type { NixFileContext, Rule, RuleReport } from "../types.js";
import { hostExample } from "../shared/examples.js";
import { perHost } from "../shared/per-host.js";
import { nixosOption } from "../shared/references.js";
import { sudoersDefaults, type SudoersDefault } from "./sudoers.js";

interface Place {
  def: OptionDefinition;
  mod: string;
  report: RuleReport;
}

interface Setting {
  d: SudoersDefault;
  line: StringLine;
}

const who = (scope: string) => (scope === "" ? "every user" : scope.startsWith(":") ? scope.slice(1) : `the users of \`Defaults${scope}\``);

function places(ctx: NixFileContext): Place[] {
  const out: Place[] = [];
  if (ctx.moduleClass === "home-manager") return out;
  for (const mod of ["security.sudo", "security.sudo-rs"]) {
    for (const def of ctx.index.byPath.get(`${mod}.extraConfig`) ?? []) {
      if (isDead(def)) continue;
      const s = cookString(def.inner);
      if (!s) continue;
      // The last setting of each scope wins.
      const timeouts = new Map<string, Setting & { minutes: number }>();
      const types = new Map<string, Setting & { global: boolean }>();
      for (const line of logicalLines(s)) {
        for (const d of sudoersDefaults(line.text)) {
          if (d.name === "timestamp_timeout") {
            const minutes = d.negated ? 0 : Number(d.value);
            if (Number.isFinite(minutes)) timeouts.set(d.scope, { d, line, minutes });
          } else if (d.name === "tty_tickets" && d.value === undefined) types.set(d.scope, { d, line, global: d.negated });
          else if (d.name === "timestamp_type" && d.value !== undefined) types.set(d.scope, { d, line, global: d.value === "global" });
        }
      }
      const place = (x: Setting, report: Omit<RuleReport, "range" | "optionPath" | "evidence">) =>
        out.push({ def, mod, report: { ...report, range: range(s, x), optionPath: `${mod}.extraConfig`, evidence: x.line.text.trim() } });
      // sudo-rs keeps its records per terminal whatever the text says.
      const globalFor = (scope: string) => (mod === "security.sudo" ? (types.get(scope) ?? types.get(""))?.global === true : false);
      for (const [scope, t] of timeouts) {
        if (t.minutes >= 0) continue;
        const global = globalFor(scope);
        place(t, {
          key: `timestamp_timeout:${scope}`,
          severity: global ? "medium" : "low",
          title: global ? "sudo authentication never expires and is shared by every terminal" : "sudo authentication never expires",
          message:
            `${mod}.extraConfig sets \`timestamp_timeout=${t.d.value}\` for ${who(scope)}: a negative timeout makes sudo remember an authentication until the machine reboots, instead of 5 minutes. ` +
            (global
              ? "With the record shared by all of the user's terminals (timestamp_type=global or !tty_tickets), after the first sudo since boot every process of that user is root without a password, as with NOPASSWD ALL: a compromised browser, editor plugin or build script becomes root."
              : "After one sudo, anything running as that user in that terminal from then on (a later `npm install`, a compromised editor plugin or a background job started from it) becomes root without a password."),
          fix: {
            safety: "manual",
            description: "Remove timestamp_timeout=-1 (sudo's default is 5 minutes) or set a short positive timeout (`Defaults timestamp_timeout=15`); use a password manager or a hardware key (pam_u2f) if typing the password is the problem.",
          },
        });
      }
      for (const [scope, ty] of types) {
        if (!ty.global || mod !== "security.sudo") continue;
        // Said with the never-expiring timeout above, when there is one.
        if ([...timeouts.values()].some((x) => x.minutes < 0)) continue;
        const t = timeouts.get(scope) ?? timeouts.get("");
        place(ty, {
          key: `timestamp_type:${scope}`,
          severity: "low",
          title: "sudo authentication shared by every terminal",
          message:
            `${mod}.extraConfig has \`${ty.d.negated ? "!tty_tickets" : "timestamp_type=global"}\` for ${who(scope)}: after a sudo in one terminal, every process of that user, in any terminal or none (a background job, a browser), runs sudo without a password for the next ${t ? `${t.minutes}` : "5"} minutes. ` +
            "The default per-terminal record limits that to the terminal where the password was typed.",
          fix: { safety: "manual", description: "Remove the setting: sudo's default (timestamp_type=tty) keeps one record per terminal." },
        });
      }
    }
  }
  return out;
}

function range(s: CookedString, x: Setting) {
  return sourceRange(s, x.line.start + x.d.at, x.line.start + x.d.at + x.d.length);
}

const checks = perHost(places, (p, scope, _file, report) => {
  const enabled = hostValue(scope, `${p.mod}.enable`);
  if (enabled.kind === "known" && enabled.value === false) return;
  if (p.mod === "security.sudo-rs" && !(enabled.kind === "known" && enabled.value === true) && scope.kind === "host") return;
  report(p.report);
});

export const sudoCredentialCache: Rule = {
  id: "sudo-credential-cache",
  examples: {
    fire: [
      hostExample(`{\n  security.sudo.extraConfig = "Defaults env_reset,timestamp_timeout=-1";\n}\n`),
      // Medium: never expiring and shared by every terminal of the user.
      hostExample(`{\n  security.sudo.extraConfig = ''\n    Defaults timestamp_type=global\n    Defaults:alice timestamp_timeout = -1\n  '';\n}\n`),
      // Low: one record for all of the user's terminals.
      hostExample(`{\n  security.sudo.extraConfig = ''\n    Defaults !tty_tickets\n  '';\n}\n`),
    ],
    silent: [
      hostExample(`{\n  security.sudo.extraConfig = ''\n    Defaults timestamp_timeout=0\n    Defaults:alice timestamp_timeout=15\n    Defaults env_reset, timestamp_timeout=5, timestamp_type=tty\n  '';\n}\n`),
      // A later setting wins; sudo turned off.
      hostExample(`{\n  security.sudo.extraConfig = ''\n    Defaults timestamp_timeout=-1\n    Defaults timestamp_timeout=10\n  '';\n}\n`),
      hostExample(`{\n  security.sudo.enable = false;\n  security.sudo.extraConfig = "Defaults timestamp_timeout=-1";\n}\n`),
    ],
  },
  name: "sudo remembers authentication too long or too widely",
  category: "access",
  severity: "low",
  rationale:
    "sudo remembers a successful authentication for 5 minutes in the terminal where it was typed. A negative timestamp_timeout makes that last until reboot, and a global timestamp shares it with every process of the user: programs the user runs later, or elsewhere, then get root without the password being asked.",
  fix: "Keep sudo's default timeout (or a short positive one) and its per-terminal records (timestamp_type=tty).",
  references: [
    nixosOption("security.sudo.extraConfig"),
    { title: "sudoers(5): timestamp_timeout and timestamp_type", url: "https://www.sudo.ws/docs/man/sudoers.man/" },
  ],
  compliance: { cis: ["5.2.6 Ensure sudo authentication timeout is configured correctly"], nist: ["PR.AA-03"] },
  ...checks,
};
