// polkit-wheel-allow-all: a polkit rule (security.polkit.extraConfig) that answers
// polkit.Result.YES for members of wheel without looking at the action: every action polkit guards
// (pkexec of any command as root, systemd units, mounting disks, installing firmware, changing
// users through accountsservice) is granted to any process of a wheel member without a password,
// so a compromised browser or editor of an admin becomes root with `pkexec`. Medium, as a
// passwordless sudo rule for wheel; low where wheel's sudo asks no password already on the host
// (security.sudo.wheelNeedsPassword = false): no new way to root, one more to close.
// A rule that checks action.id before YES is judged by the actions it names: the root-equivalent
// ones (org.freedesktop.systemd1.manage-units, which `systemd-run` and `run0` use to start a
// transient unit as root; manage-unit-files; set-environment; policykit.exec; machine1.host-shell;
// org.libvirt.unix.manage; accounts.user-administration), named exactly, by a list the id is
// looked up in, or by a prefix that covers one (`action.id.indexOf("org.freedesktop.systemd1.") == 0`),
// are passwordless root too (medium, as above).
// Silent: rules for other actions (power-off, NetworkManager, udisks2 mounts), rules narrowed by
// the action's details (action.lookup("unit")), AUTH_ADMIN(_KEEP) answers, rules for another group.
import type { OptionDefinition } from "../../nix/options.js";
import { hostValue, isDead, type Scope } from "../shared/scope.js";
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

/** polkit actions that are root for whoever holds them without a password, and why. */
export const ROOT_EQUIVALENT_ACTIONS: ReadonlyMap<string, string> = new Map([
  ["org.freedesktop.systemd1.manage-units", "starting any unit, transient ones included (`systemd-run`, `run0`), which runs any command as root"],
  ["org.freedesktop.systemd1.manage-unit-files", "linking and enabling unit files of their own choosing, which systemd then runs as root"],
  ["org.freedesktop.systemd1.set-environment", "setting the service manager's environment (`LD_PRELOAD` for every unit started after it)"],
  ["org.freedesktop.policykit.exec", "pkexec of any program as root"],
  ["org.freedesktop.machine1.host-shell", "a root shell on the host (`machinectl shell root@.host`)"],
  ["org.libvirt.unix.manage", "managing qemu:///system, whose domains can be handed the host's disks or a passthrough of its root filesystem"],
  ["org.freedesktop.accounts.user-administration", "creating an administrator account with a password of their choosing, and changing other accounts' passwords"],
]);

/** `action.id == "x"`, `"x" === action.id`. */
const ID_EQUALS = /\baction\s*\.\s*id\s*===?\s*(["'])([\w.-]+)\1|(["'])([\w.-]+)\3\s*===?\s*action\s*\.\s*id\b/g;
/** `action.id.indexOf("p") == 0` (or `>= 0`, `!= -1`, `> -1`), `action.id.startsWith("p")`, `.includes("p")`. */
const ID_PREFIX = /\baction\s*\.\s*id\s*\.\s*(indexOf|startsWith|includes)\s*\(\s*(["'])([\w.-]+)\2\s*\)(\s*(?:===?\s*0|>=\s*0|>\s*-1|!==?\s*-1))?/g;
/** A regular expression literal tested against the id. */
const ID_REGEX = /\/((?:\\.|[^/\n\\])+)\/[gimsuy]*\s*\.\s*test\s*\(\s*action\s*\.\s*id\s*\)|\baction\s*\.\s*id\s*\.\s*match\s*\(\s*\/((?:\\.|[^/\n\\])+)\/[gimsuy]*\s*\)/g;
/** A list of ids the action is looked up in: `[ ... ].indexOf(action.id) >= 0`, `ids.includes(action.id)`. */
const ID_IN_LIST = /\.\s*(?:indexOf|includes)\s*\(\s*action\s*\.\s*id\s*\)/;
const ACTION_LITERAL = /(["'])((?:org|com|net|io)\.[\w-]+(?:\.[\w-]+)+)\1/g;
/** A narrowing of the action's details (the unit, the program pkexec runs). */
const LOOKUP = /\baction\s*\.\s*lookup\s*\(/;

/**
 * The root-equivalent actions a rule body answers YES to: compared ids (exact, or prefixes such as
 * `action.id.indexOf("org.freedesktop.systemd1.") == 0` covering one), each followed by a YES as
 * the next answer the rule gives. None when the rule narrows the action by its details
 * (`action.lookup("unit")`).
 */
export function rootActionsGranted(body: string): Array<{ id: string; at: number }> {
  if (LOOKUP.test(body)) return [];
  const mentions: Array<{ text: string; at: number; how: "exact" | "prefix" | "part" }> = [];
  for (const m of body.matchAll(ID_EQUALS)) mentions.push({ text: m[2] ?? m[4]!, at: m.index, how: "exact" });
  for (const m of body.matchAll(ID_PREFIX)) {
    const how = m[1];
    const cmp = (m[4] ?? "").replace(/\s+/g, "");
    // `!action.id.startsWith(p)` excludes; a bare indexOf is a position, not a test.
    if (/!\s*$/.test(body.slice(0, m.index))) continue;
    if (how === "indexOf" && cmp === "") continue;
    // indexOf(p) == 0 and startsWith are prefixes; includes, >= 0, != -1 and > -1 any part.
    mentions.push({ text: m[3]!, at: m.index, how: how === "startsWith" || /^===?0$/.test(cmp) ? "prefix" : "part" });
  }
  // `/^org\.freedesktop\.systemd1\./.test(action.id)`, `action.id.match(/.../)`: a literal pattern.
  for (const m of body.matchAll(ID_REGEX)) {
    const pattern = m[1] ?? m[2]!;
    if (/!\s*$/.test(body.slice(0, m.index))) continue;
    const anchored = pattern.startsWith("^");
    const text = pattern.replace(/^\^/, "").replace(/\$$/, "").replace(/\\\./g, ".");
    // Only plain text (dots escaped): a pattern with alternatives or classes is not read.
    if (!/^[\w.-]+$/.test(text)) continue;
    mentions.push({ text, at: m.index, how: pattern.endsWith("$") && anchored ? "exact" : anchored ? "prefix" : "part" });
  }
  if (ID_IN_LIST.test(body)) for (const m of body.matchAll(ACTION_LITERAL)) mentions.push({ text: m[2]!, at: m.index, how: "exact" });
  const out: Array<{ id: string; at: number }> = [];
  for (const m of mentions) {
    const ids = [...ROOT_EQUIVALENT_ACTIONS.keys()].filter((id) => (m.how === "prefix" ? id.startsWith(m.text) : m.how === "part" ? id.includes(m.text) : id === m.text));
    if (!ids.length) continue;
    // The answer the rule gives next after the comparison is YES, and the wheel test is among the
    // conditions since the answer before it (a YES for another group beside a wheel rule for
    // another action is not wheel's).
    const answer = /\bpolkit\s*\.\s*Result\s*\.\s*(\w+)/.exec(body.slice(m.at));
    if (answer?.[1] !== "YES") continue;
    const before = [...body.slice(0, m.at).matchAll(/\bpolkit\s*\.\s*Result\s*\.\s*\w+/g)].at(-1);
    const from = before ? before.index + before[0].length : 0;
    if (!WHEEL.test(body.slice(from, m.at + answer.index))) continue;
    for (const id of ids) if (!out.some((o) => o.id === id)) out.push({ id, at: m.at });
  }
  return out;
}

/** The rules text with comments blanked out (same length, newlines kept): `/* … *\/`, `// …`, and
 * lines starting with `#` (not JavaScript, but written in Nix-minded configurations to turn a rule
 * off: knopki-devops-at-home comments out a manage-units rule that way). Quotes are followed, so a
 * `//` in a string stays. */
export function blankComments(text: string): string {
  let out = "";
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      out += c;
      if (c === "\\" && i + 1 < text.length) out += text[++i];
      else if (c === quote || c === "\n") quote = undefined;
      continue;
    }
    const lineStart = out.lastIndexOf("\n") + 1;
    const block = c === "/" && text[i + 1] === "*";
    const line = (c === "/" && text[i + 1] === "/") || (c === "#" && out.slice(lineStart).trim() === "");
    if (block || line) {
      const end = block ? text.indexOf("*/", i + 2) : text.indexOf("\n", i);
      const stop = end === -1 ? text.length : block ? end + 2 : end;
      out += text.slice(i, stop).replace(/[^\n]/g, " ");
      i = stop - 1;
      continue;
    }
    if (c === '"' || c === "'" || c === "`") quote = c;
    out += c;
  }
  return out;
}

function places(ctx: NixFileContext): Place[] {
  const out: Place[] = [];
  if (ctx.moduleClass === "home-manager") return out;
  for (const def of ctx.index.byPath.get("security.polkit.extraConfig") ?? []) {
    if (isDead(def)) continue;
    const s = cookString(def.inner);
    if (!s) continue;
    const text = blankComments(s.text);
    const starts = [...text.matchAll(/polkit\s*\.\s*addRule\s*\(/g)].map((m) => m.index);
    starts.forEach((start, i) => {
      const body = text.slice(start, starts[i + 1] ?? text.length);
      if (!WHEEL.test(body) || !YES.test(body)) return;
      const firstLine = body.indexOf("\n") === -1 ? body.length : body.indexOf("\n");
      if (ACTION_FILTER.test(body)) {
        const granted = rootActionsGranted(body);
        if (!granted.length) return;
        const first = granted[0]!;
        const lineEnd = body.indexOf("\n", first.at);
        out.push({
          def,
          report: {
            range: sourceRange(s, start + first.at, start + (lineEnd === -1 ? body.length : lineEnd)),
            optionPath: def.path,
            key: `polkit-wheel-root:${granted.map((g) => g.id).join(",")}`,
            severity: "medium",
            title: "polkit grants wheel a root-equivalent action without a password",
            message:
              `This polkit rule answers polkit.Result.YES for members of wheel for ${granted.map((g) => `${g.id} (${ROOT_EQUIVALENT_ACTIONS.get(g.id)!})`).join("; ")}. ` +
              "That is root without a password for every process of a wheel member, as a NOPASSWD sudo rule for ALL would be: a compromised program an admin runs (a browser, an editor plugin) becomes root.",
            evidence: body.slice(first.at, lineEnd === -1 ? body.length : lineEnd).trim().slice(0, 120),
            fix: {
              safety: "manual",
              description:
                'Answer polkit.Result.AUTH_ADMIN_KEEP for this action (the password is asked once and remembered for a few minutes), or narrow it to what is meant to be passwordless (`action.lookup("unit") == "foo.service"`, `action.lookup("verb") == "restart"`).',
            },
          },
        });
        return;
      }
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

/** doas lets wheel become root without a password on the host (security.doas enabled with
 * wheelNeedsPassword = false, as the host's values tell). */
function doasWheelPasswordless(scope: Scope): boolean {
  const on = hostValue(scope, "security.doas.enable");
  const pw = hostValue(scope, "security.doas.wheelNeedsPassword");
  return on.kind === "known" && on.value === true && pw.kind === "known" && pw.value === false;
}

const checks = perHost(places, (p, scope, _file, report) => {
  // wochap-nix-config's glegion: doas without a password for wheel already, so the polkit rule
  // adds no new way to root (judged low).
  if (doasWheelPasswordless(scope)) {
    return report({ ...p.report, severity: "low", message: `${p.report.message} Wheel's doas asks no password on this host either (security.doas.wheelNeedsPassword = false), so this adds no new way to root; close both together.` });
  }
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
      // manage-units: `systemd-run` (or `run0`) starts a transient unit as root without a password.
      hostExample(`{\n  security.polkit.extraConfig = ''\n    polkit.addRule(function(action, subject) {\n      if (action.id == "org.freedesktop.systemd1.manage-units") {\n        if (subject.isInGroup("wheel")) {\n          return polkit.Result.YES;\n        }\n      }\n    });\n  '';\n}\n`),
      // A prefix covering every systemd action, and pkexec through a list of ids.
      hostExample(`{\n  security.polkit.extraConfig = ''\n    polkit.addRule(function(action, subject) {\n      if (action.id.indexOf("org.freedesktop.systemd1.") == 0 && subject.isInGroup("wheel")) return polkit.Result.YES;\n    });\n    polkit.addRule(function(action, subject) {\n      var ok = [ "org.freedesktop.login1.reboot", "org.freedesktop.policykit.exec" ];\n      if (ok.indexOf(action.id) >= 0 && subject.isInGroup("wheel")) return polkit.Result.YES;\n    });\n  '';\n}\n`),
    ],
    silent: [
      // The rule checks the action first.
      hostExample(`{\n  security.polkit.extraConfig = ''\n    polkit.addRule(function(action, subject) {\n      if (action.id == "org.freedesktop.login1.reboot" && subject.isInGroup("wheel"))\n        return polkit.Result.YES;\n    });\n  '';\n}\n`),
      // Asks the admin's password (and keeps it).
      hostExample(`{\n  security.polkit.extraConfig = ''\n    polkit.addRule(function(action, subject) {\n      if (subject.isInGroup("wheel")) return polkit.Result.AUTH_ADMIN_KEEP;\n    });\n  '';\n}\n`),
      // Actions that are not root: power, NetworkManager, mounting removable media; manage-units
      // narrowed to one unit; manage-units answered with the admin's password.
      hostExample(`{\n  security.polkit.extraConfig = ''\n    polkit.addRule(function(action, subject) {\n      if ((action.id == "org.freedesktop.login1.power-off" || action.id.indexOf("org.freedesktop.NetworkManager.") == 0 || action.id == "org.freedesktop.udisks2.filesystem-mount") && subject.isInGroup("wheel")) return polkit.Result.YES;\n    });\n    polkit.addRule(function(action, subject) {\n      if (action.id == "org.freedesktop.systemd1.manage-units" && action.lookup("unit") == "wg-quick-wg0.service" && subject.isInGroup("wheel")) return polkit.Result.YES;\n    });\n    polkit.addRule(function(action, subject) {\n      if (action.id == "org.freedesktop.systemd1.manage-units" && subject.isInGroup("wheel")) return polkit.Result.AUTH_ADMIN_KEEP;\n    });\n  '';\n}\n`),
      // Another group (libvirtd is the libvirt module's own group for this).
      hostExample(`{\n  security.polkit.extraConfig = ''\n    polkit.addRule(function(action, subject) {\n      if (action.id == "org.libvirt.unix.manage" && subject.isInGroup("libvirtd")) return polkit.Result.YES;\n    });\n  '';\n}\n`),
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
