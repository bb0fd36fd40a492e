// sudo-nopasswd: privilege escalation without a password. Reported:
// - security.sudo.wheelNeedsPassword = false (also sudo-rs and doas): every wheel member is root
//   without re-authenticating, so anything running as them (a browser exploit, a malicious npm
//   package, a stolen SSH key) is root too;
// - NOPASSWD in security.sudo.extraRules (commands' options) and in security.sudo.extraConfig lines,
//   `Defaults !authenticate`, doas `noPass = true` rules and `permit nopass` lines, when they cover
//   every command (ALL, or no doas `cmd`) or a root-equivalent program without argument
//   restrictions (a shell, an editor, nixos-rebuild, systemctl...). A NOPASSWD rule for one
//   narrow command (`systemctl restart foo`) is the intended use and stays silent, unless it also
//   has SETENV: the caller's LD_PRELOAD or PATH then reaches the root command, whatever it is;
// - NOPASSWD commands the caller can satisfy with a program of their own, however narrow they
//   look: a glob over the Nix store (`/nix/store/*-nixos-system-*`: anyone who can reach the
//   Nix daemon builds a store path of that name), a glob in the program path, a program or the
//   script an interpreter runs in a user-writable directory (sudoers.ts, hiddenRootGrant).
// extraRules are read with the let-bound strings their commands interpolate and through functions
// of the file that build them (`mkRule "${prefix}-${name}"`, `map (c: { command = ...; }) [ ... ]`),
// as the static evaluator reads them.
// Rules that give this to everyone (ALL, %users) are high, and so are the narrow-looking grants
// above (SETENV, a satisfiable glob, a writable program): nobody compensates for a grant they
// believe is narrow, and for a service account it turns a compromise of the service into root.
// Judged per host: where a user the grant covers is also a Nix trusted user, the message says
// removing NOPASSWD alone leaves that way to root.
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { attrpathSegments, unparen } from "../../nix/options.js";
import { replaceNode } from "../../nix/edit.js";
import { staticValue } from "../../nix/values.js";
import { effectiveValue, isDead } from "../shared/scope.js";
import { cookString, logicalLines, sourceRange, showInterpolations, INTERPOLATION } from "../shared/string-lines.js";
import { listOf, removeListElements } from "../shared/edits.js";
import { PASSWORD_OPTION_NAMES, userOption } from "./users.js";
import { commandBase, doasLine, grantsRoot, hiddenRootGrant, runsAsRoot, sudoersLine } from "./sudoers.js";
import { INTERPOLATION_MARK, isAttrs, StaticEvaluator, type EvalValue } from "../../nix/static-eval.js";
import type { NixFileContext, Rule, RuleReport } from "../types.js";
import type { OptionDefinition } from "../../nix/options.js";
import { perHost } from "../shared/per-host.js";
import type { Scope } from "../shared/scope.js";
import { machineKind } from "./machine.js";
import { groupsOf, listedNames, membersOf, trustedEntries, trustedThrough } from "./root-paths.js";
import { hostExample } from "../shared/examples.js";
import { nixosOption } from "../shared/references.js";

const SUDO_MODULES = ["security.sudo", "security.sudo-rs"];

const SETENV_WHY =
  "with SETENV the caller sets any environment variable for the command, past env_reset and env_delete (LD_PRELOAD, PATH, PYTHONPATH...), so a dynamically linked or interpreted command runs the caller's code as root, without a password.";

/** The value of `name = ...;` in an attribute set literal. */
export function bindingValue(set: SyntaxNode, name: string): SyntaxNode | undefined {
  for (const b of set.childNodes()) {
    if (b.kind !== K.NODE_ATTRPATH_VALUE) continue;
    const [path, value] = b.childNodes();
    const segs = path ? attrpathSegments(path) : [];
    if (segs.length === 1 && !segs[0]!.dynamic && segs[0]!.name === name) return value;
  }
  return undefined;
}

/** A command string's text with interpolations as placeholders (`${pkgs.systemd}/bin/systemctl`
 * reads as `\0/bin/systemctl`, whose program is `systemctl`). */
function commandText(node: SyntaxNode | undefined): string | undefined {
  const c = cookString(node);
  return c ? c.text.replaceAll(INTERPOLATION, "") : undefined;
}

function stringsOf(node: SyntaxNode | undefined): string[] {
  const v = staticValue(node);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : typeof v === "string" ? [v] : [];
}

/** The accounts a rule names, for the message: literal names as they are, other elements by their
 * expression (`users = [ flake.config.me.username ]` is somebody, not nobody), a whole list given by
 * an expression as such. "(nobody listed)" only when neither is set. */
function whoOf(rule: SyntaxNode, groupPrefix: string): string {
  const part = (name: "users" | "groups", prefix: string): string[] => {
    const node = bindingValue(rule, name);
    if (!node) return [];
    const statics = stringsOf(node);
    const list = listOf(node);
    const short = (n: SyntaxNode) => n.text.replace(/\s+/g, " ").slice(0, 60);
    if (list) {
      return list.childNodes().map((el) => {
        const v = staticValue(el);
        return typeof v === "string" ? `${prefix}${v}` : `${name === "users" ? "user" : "group"} \`${short(el)}\``;
      });
    }
    if (statics.length) return statics.map((x) => `${prefix}${x}`);
    return [`the ${name} given by \`${short(node)}\``];
  };
  return [...part("users", ""), ...part("groups", groupPrefix)].join(", ") || "(nobody listed)";
}

function describe(grant: { all: boolean; program?: string }): string {
  return grant.all ? "every command" : `${grant.program}, which gives a root shell when run without argument restrictions`;
}

/** One passwordless grant, found once per file; the host decides what its message adds. */
interface Grant {
  def: OptionDefinition;
  report: RuleReport;
  users: string[];
  groups: string[];
  everyone: boolean;
  /** What the fix does, for the message: "removing NOPASSWD" unless said. */
  lever?: string;
  /** security.sudo(-rs).wheelNeedsPassword = false. */
  wheel?: boolean;
}

function checkWheelNeedsPassword(ctx: NixFileContext, out: Grant[]): void {
  for (const mod of [...SUDO_MODULES, "security.doas"]) {
    for (const def of ctx.index.byPath.get(`${mod}.wheelNeedsPassword`) ?? []) {
      if (isDead(def) || staticValue(def.inner) !== false) continue;
      const tool = mod.slice("security.".length);
      if (mod === "security.doas") {
        // doas is off by default: the setting does nothing in a file that switches doas off
        // (GaetanLepage-nix-config modules/nixos/core/security.nix, judged wrong).
        if ((ctx.index.byPath.get("security.doas.enable") ?? []).some((d) => !isDead(d) && staticValue(d.inner) === false)) continue;
        ctx.report(wheelReport(ctx, def, tool));
        continue;
      }
      out.push({ def, report: wheelReport(ctx, def, tool), users: [], groups: ["wheel"], everyone: false, lever: "setting wheelNeedsPassword back to true", wheel: true });
    }
  }
}

function wheelReport(ctx: NixFileContext, def: OptionDefinition, tool: string): RuleReport {
  // Admins who log in with keys only have no password for sudo to ask: turning the prompt back on
  // without giving them one locks them out of sudo (srvos' servers, key-only containers). The edit
  // is offered only where the file itself gives accounts passwords.
  // A locked one (`hashedPassword = "!"`) is no password (dc-tec-nixos-config server/default.nix).
  const passwords = ctx.index.definitions.some((d) => {
    const u = userOption(d);
    return u?.rest.length === 1 && PASSWORD_OPTION_NAMES.includes(u.rest[0]!) && !lockedValue(d);
  });
  return {
    node: def.inner ?? def.binding,
    optionPath: def.path,
    severity: "medium",
    title: `Passwordless ${tool} for wheel`,
    message: `${def.path} = false: every member of wheel becomes root through ${tool} without typing a password, so any process running as such a user (a compromised browser, a malicious package, a stolen SSH key) is root too.`,
    fix: {
      safety: "review",
      description: `Set ${def.path} = true (the default)${passwords ? "" : ", after giving every admin a password (users.users.<name>.hashedPasswordFile from agenix/sops-nix): an admin who logs in with keys only has none, and would lose sudo"}. Automation that needs root without a prompt should use a dedicated rule for its exact command, or deploy as root with a key.`,
      edits: def.inner && passwords ? [replaceNode(ctx.file, def.inner, "true")] : undefined,
    },
  };
}

/** The elements of a list, through parentheses and `let ... in [ ... ]`. */
function listElements(node: SyntaxNode | undefined): readonly SyntaxNode[] | undefined {
  let n = unparen(node);
  for (let i = 0; n?.kind === K.NODE_LET_IN && i < 8; i++) n = unparen(n.childNodes().at(-1));
  return n?.kind === K.NODE_LIST ? n.childNodes() : undefined;
}

const strings = (v: EvalValue | undefined): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : typeof v === "string" ? [v] : []);

/** One command of an extraRules rule, from its value (and its literal, when written in place). */
interface RuleCommand {
  /** The command, unknown interpolations left out (`${pkgs.x}/bin/x` reads `/bin/x`). */
  text: string;
  /** The command for the message, unknown interpolations shown as `${…}`. */
  shown: string;
  options: string[];
  /** The "NOPASSWD" literal and the options list literal, when the command is written in place. */
  nopass?: SyntaxNode;
  /** The "SETENV" literal, when the command is written in place. */
  setenv?: SyntaxNode;
  optionsList?: SyntaxNode;
}

/** The commands of a rule literal: each command's text read with the let-bound strings it
 * interpolates (`"${prefix}/bin/x"`), its options from the literal or their value. */
function literalCommands(rule: SyntaxNode, evaluate: (n: SyntaxNode) => EvalValue): RuleCommand[] | undefined {
  const commandsNode = bindingValue(rule, "commands");
  const commands = listOf(commandsNode);
  if (!commands) {
    // A list built by an expression (`map (c: { command = ...; }) [ ... ]`): its value.
    const v = commandsNode ? evaluate(commandsNode) : undefined;
    return Array.isArray(v) ? v.map(commandOfValue).filter((c) => c !== undefined) : undefined;
  }
  const out: RuleCommand[] = [];
  for (const cmdNode of commands.childNodes()) {
    const cmd = unparen(cmdNode);
    if (cmd?.kind === K.NODE_ATTR_SET) {
      const commandNode = bindingValue(cmd, "command");
      const optionsNode = bindingValue(cmd, "options");
      const value = commandNode ? evaluate(commandNode) : undefined;
      const raw = typeof value === "string" ? value : commandNode ? cookString(commandNode)?.text : undefined;
      if (raw === undefined) continue;
      const optionsList = listOf(optionsNode);
      const options = optionsNode ? strings(evaluate(optionsNode)) : [];
      const nopass = optionsList?.childNodes().find((o) => staticValue(o) === "NOPASSWD");
      const setenv = optionsList?.childNodes().find((o) => staticValue(o) === "SETENV");
      out.push({ ...commandOfText(raw), options, nopass, setenv, optionsList });
    } else if (cmd) {
      const v = evaluate(cmd);
      const c = commandOfValue(v);
      if (c) out.push(c);
    }
  }
  return out;
}

const commandOfText = (raw: string) => ({ text: raw.replaceAll(INTERPOLATION_MARK, ""), shown: showInterpolations(raw) });

function commandOfValue(v: EvalValue): RuleCommand | undefined {
  if (typeof v === "string") return { ...commandOfText(v), options: [] };
  if (!isAttrs(v)) return undefined;
  const command = v.attrs.get("command");
  return typeof command === "string" ? { ...commandOfText(command), options: strings(v.attrs.get("options")) } : undefined;
}

/** Removes the given option literals of a command's options list; none when one of them is not written in place. */
function optionEdits(ctx: NixFileContext, c: RuleCommand, remove: Array<SyntaxNode | undefined>): ReturnType<typeof removeListElements> | undefined {
  if (!c.optionsList || remove.some((n) => n === undefined)) return undefined;
  return removeListElements(ctx.file, ctx.text, c.optionsList, remove as SyntaxNode[]);
}

function checkSudoExtraRules(ctx: NixFileContext, out: Grant[]): void {
  const evaluator = new StaticEvaluator({ load: () => undefined, interpolate: true });
  const evaluate = (n: SyntaxNode) => evaluator.evalAt(n, ctx.file);
  for (const mod of SUDO_MODULES) {
    for (const def of ctx.index.byPath.get(`${mod}.extraRules`) ?? []) {
      if (isDead(def)) continue;
      const elements = listElements(def.inner);
      if (!elements) continue;
      for (const ruleNode of elements) {
        const rule = unparen(ruleNode);
        if (!rule) continue;
        let users: string[];
        let groups: string[];
        // The names the rule lists, for the per-host trusted-user check (let-bound lists too).
        let listedUsers: string[];
        let listedGroups: string[];
        let who: string;
        let commands: RuleCommand[] | undefined;
        let runAs: unknown;
        if (rule.kind === K.NODE_ATTR_SET) {
          runAs = staticValue(bindingValue(rule, "runAs"));
          users = stringsOf(bindingValue(rule, "users"));
          groups = stringsOf(bindingValue(rule, "groups"));
          listedUsers = listedNames(bindingValue(rule, "users"));
          listedGroups = listedNames(bindingValue(rule, "groups"));
          who = whoOf(rule, "%");
          commands = literalCommands(rule, evaluate);
        } else {
          // A rule built by a function of the file (`mkRule "…"`) or bound to a name: its value.
          const v = evaluate(rule);
          if (!isAttrs(v)) continue;
          runAs = v.attrs.get("runAs");
          users = strings(v.attrs.get("users"));
          groups = strings(v.attrs.get("groups"));
          listedUsers = users;
          listedGroups = groups;
          who = [...users, ...groups.map((g) => `%${g}`)].join(", ") || "(nobody listed)";
          const list = v.attrs.get("commands");
          commands = Array.isArray(list) ? list.map(commandOfValue).filter((c) => c !== undefined) : undefined;
        }
        if (!commands) continue;
        // `runAs = "ableton"` lets the rule's users become ableton, not root (NixOS: "ALL:ALL").
        if (typeof runAs === "string" && !runsAsRoot(runAs)) continue;
        const everyone = users.includes("ALL") || groups.includes("users");
        for (const c of commands) {
          if (!c.options.includes("NOPASSWD")) continue;
          const { text, shown } = c;
          const setenv = c.options.includes("SETENV");
          const hidden = hiddenRootGrant(shown);
          // SETENV lets the caller set LD_PRELOAD, PATH, PYTHONPATH... for the command, past
          // env_reset and env_delete: any dynamically linked command then runs the caller's code.
          const grant = grantsRoot(text) ?? (setenv || hidden ? { all: false, program: commandBase(text) } : undefined);
          if (!grant) continue;
          const whom = everyone ? "every user" : who;
          // A rule that looks narrow but is root (a store glob, a writable program, SETENV) is high:
          // nobody compensates for a grant they believe is narrow, and for a service account it
          // turns a compromise of the service into root.
          const severity = everyone || hidden || (setenv && !grantsRoot(text)) ? "high" : "medium";
          const tags = `NOPASSWD${setenv ? " and SETENV" : ""}`;
          out.push({ def, users: listedUsers, groups: listedGroups, everyone, report: {
            node: c.nopass ?? ruleNode,
            optionPath: `${mod}.extraRules`,
            key: `${who}:${text}`,
            severity,
            title: hidden ? "Passwordless sudo rule the caller can satisfy with their own program" : setenv ? "Passwordless sudo rule with SETENV" : "Passwordless sudo rule",
            message: hidden
              ? `${mod}.extraRules lets ${whom} run \`${shown}\` as root with ${tags}, and ${hidden}: root without a password for any process of ${whom}.${setenv ? ` Also, ${SETENV_WHY}` : ""}`
              : setenv
                ? `${mod}.extraRules lets ${whom} run ${grantsRoot(text) ? describe(grant) : grant.program} as root with NOPASSWD and SETENV: ${SETENV_WHY}`
                : `${mod}.extraRules lets ${whom} run ${describe(grant)} as root with NOPASSWD: root without re-authenticating.`,
            evidence: `{ command = "${text}"; options = [ ${c.options.map((o) => `"${o}"`).join(" ")} ]; } for ${who}`,
            fix: {
              safety: "review",
              description: hidden
                ? "Name the exact program and arguments (a fixed store path through interpolation, `${config.system.build.toplevel}`, not a glob; a root-owned program, not one in a home or temporary directory), or drop NOPASSWD."
                : setenv && !grantsRoot(text)
                  ? "Drop SETENV: with it the caller's environment reaches the root command, so no command restriction holds. Without it the rule grants this one command without a password, which is what NOPASSWD rules are for, so NOPASSWD may stay (give the command fixed arguments where its options could reach other files)."
                  : setenv
                    ? "Drop SETENV and NOPASSWD: with SETENV the caller's environment reaches the root command, and the command itself is already root-equivalent."
                    : "Drop NOPASSWD, or restrict the rule to the exact command and arguments the automation needs.",
              // SETENV is the dangerous part of a narrow rule (chayleaf's buffyboard systemctl rule:
              // the patch that removed NOPASSWD and kept SETENV was judged harmful); a root-equivalent
              // command loses both.
              edits: optionEdits(ctx, c, setenv && !grantsRoot(text) ? [c.setenv] : setenv ? [c.nopass, c.setenv] : [c.nopass]),
            },
          } });
        }
      }
    }
  }
}

function checkSudoersText(ctx: NixFileContext, out: Grant[]): void {
  for (const mod of SUDO_MODULES) {
    for (const def of ctx.index.byPath.get(`${mod}.extraConfig`) ?? []) {
      if (isDead(def)) continue;
      const s = cookString(def.inner);
      if (!s) continue;
      for (const line of logicalLines(s)) {
        for (const f of sudoersLine(line.text)) {
          const grants = f.commands.map((c) => grantsRoot(c)).filter((g) => g !== undefined);
          const setenv = f.kind === "nopasswd" && /\bSETENV\s*:/.test(line.text);
          const hidden = f.kind === "nopasswd" ? f.commands.map((c) => hiddenRootGrant(showInterpolations(c))).find((h) => h !== undefined) : undefined;
          if (f.kind === "nopasswd" && grants.length === 0 && !setenv && !hidden) continue;
          const grant = f.kind === "no-authenticate" ? { all: true } : (grants.find((g) => g.all) ?? grants[0] ?? { all: false, program: f.commands.join(", ") });
          const range = sourceRange(s, line.start + f.at, line.start + f.at + f.length);
          const whom = f.everyone ? "every user" : showInterpolations(f.who);
          const shown = showInterpolations(line.text.trim());
          const who = f.who.startsWith("%") ? { users: [], groups: [f.who.slice(1)] } : { users: [f.who], groups: [] };
          out.push({ def, ...who, everyone: f.everyone, report: {
            range,
            optionPath: `${mod}.extraConfig`,
            key: line.text.trim(),
            // SETENV and a grant the caller satisfies with their own program look narrow: high.
            severity: f.everyone || hidden || (setenv && grants.length === 0) ? "high" : "medium",
            title:
              f.kind === "no-authenticate"
                ? "sudo authentication disabled"
                : hidden
                  ? "Passwordless sudo rule the caller can satisfy with their own program"
                  : setenv
                    ? "Passwordless sudo rule with SETENV"
                    : "Passwordless sudo rule",
            message:
              f.kind === "no-authenticate"
                ? `${mod}.extraConfig has \`${shown}\`: sudo asks ${f.everyone ? "nobody" : whom} for a password, for every command.`
                : hidden
                  ? `${mod}.extraConfig line \`${shown}\` lets ${whom} run its commands as root with NOPASSWD, and ${hidden}.${setenv ? ` Also, ${SETENV_WHY}` : ""}`
                  : setenv
                    ? `${mod}.extraConfig line \`${shown}\` lets ${whom} run ${grants.length ? describe(grant) : "its commands"} as root with NOPASSWD and SETENV: ${SETENV_WHY}`
                    : `${mod}.extraConfig line \`${shown}\` lets ${whom} run ${describe(grant)} as root with NOPASSWD.`,
            evidence: shown,
            fix: { safety: "manual", description: "Remove NOPASSWD (or `!authenticate`) and SETENV, or restrict the rule to the exact command and arguments that need it (a fixed path, not a glob or a user-writable file)." },
          } });
        }
      }
    }
  }
}

function checkDoas(ctx: NixFileContext): void {
  // doas is off by default: rules in a file that switches it off grant nothing.
  if ((ctx.index.byPath.get("security.doas.enable") ?? []).some((d) => !isDead(d) && staticValue(d.inner) === false)) return;
  for (const def of ctx.index.byPath.get("security.doas.extraRules") ?? []) {
    if (isDead(def)) continue;
    const rules = listOf(def.inner);
    if (!rules) continue;
    for (const ruleNode of rules.childNodes()) {
      const rule = unparen(ruleNode);
      if (rule?.kind !== K.NODE_ATTR_SET) continue;
      const noPass = bindingValue(rule, "noPass");
      if (staticValue(noPass) !== true) continue;
      const runAs = staticValue(bindingValue(rule, "runAs"));
      if (typeof runAs === "string" && runAs !== "root") continue;
      const cmd = commandText(bindingValue(rule, "cmd"));
      const hasArgs = bindingValue(rule, "args") !== undefined;
      const grant = cmd === undefined ? { all: true } : hasArgs ? undefined : grantsRoot(cmd);
      if (!grant) continue;
      const groups = stringsOf(bindingValue(rule, "groups"));
      const who = whoOf(rule, ":");
      const everyone = groups.includes("users");
      ctx.report({
        node: noPass!,
        optionPath: "security.doas.extraRules",
        key: `${who}:${cmd ?? "ALL"}`,
        severity: everyone ? "high" : "medium",
        title: "Passwordless doas rule",
        message: `security.doas.extraRules lets ${who} run ${describe(grant)} as root with noPass = true.`,
        fix: { safety: "review", description: "Set noPass = false (or use persist), or restrict the rule with cmd and args.", edits: [replaceNode(ctx.file, noPass!, "false")] },
      });
    }
  }
  for (const def of ctx.index.byPath.get("security.doas.extraConfig") ?? []) {
    if (isDead(def)) continue;
    const s = cookString(def.inner);
    if (!s) continue;
    for (const line of logicalLines(s)) {
      const f = doasLine(line.text);
      if (!f) continue;
      const grant = f.command === undefined ? { all: true } : f.hasArgs ? undefined : grantsRoot(f.command);
      if (!grant) continue;
      ctx.report({
        range: sourceRange(s, line.start + f.at, line.start + f.at + f.length),
        optionPath: "security.doas.extraConfig",
        key: line.text.trim(),
        severity: f.everyone ? "high" : "medium",
        title: "Passwordless doas rule",
        message: `security.doas.extraConfig line \`${showInterpolations(line.text.trim())}\` lets ${showInterpolations(f.who)} run ${describe(grant)} as root without a password.`,
        evidence: line.text.trim(),
        fix: { safety: "manual", description: "Remove nopass (persist keeps the prompt rare), or restrict the rule with cmd and args." },
      });
    }
  }
}

/** The grants of a file (the doas ones are reported directly: Nix trusted users are not asked there). */
function grants(ctx: NixFileContext): Grant[] {
  const out: Grant[] = [];
  checkWheelNeedsPassword(ctx, out);
  checkSudoExtraRules(ctx, out);
  checkSudoersText(ctx, out);
  return out;
}

// Judged per host: a user the rule covers may also be a Nix trusted user there (dustinlyons: the
// NOPASSWD nixos-rebuild rule's user is in trusted-users), root through the daemon without any
// password, so dropping NOPASSWD alone leaves a way to root open; the message says so.
/**
 * wheelNeedsPassword = false judged with the machine it lands on: a live installer image (the
 * nixpkgs profile sets it itself, with mkImageMediaOverride, which beats a plain definition, and
 * its nixos account has no password: info, no patch; eh8-chenglab's iso1chng), NixOS-WSL (Windows
 * is root in the guest without a password: info, no fix; eh8-chenglab's win1chng), a qemu-vm test
 * machine (low), and a host whose wheel members all have an empty password, which sudo refuses
 * (setting it true leaves them without root: no patch; nyx's artemis).
 */
function wheelInContext(g: Grant, scope: Scope): RuleReport {
  const r = g.report;
  const where = scope.kind === "host" ? `host ${scope.host}` : "this module";
  const machine = machineKind(scope);
  if (machine?.kind === "installer") {
    return {
      ...r,
      severity: "info",
      message:
        `${r.message.replace(/, so any process.*$/, ".")} On ${where}, a live installer image (it imports ${machine.profile}), this is the nixpkgs installer's own setting: ` +
        "installation-device.nix sets wheelNeedsPassword = false with mkImageMediaOverride, which wins over a plain definition, and its nixos account has an empty password that sudo could not ask for anyway. (The image's default, not a weakness of an installed host.)",
      fix: { safety: "manual", description: "Nothing to change on the image: the line is redundant with the installer profile, and a plain `true` here would lose to its mkImageMediaOverride. Keep the installed system's own configuration asking for a password." },
    };
  }
  if (machine?.kind === "wsl") {
    return {
      ...r,
      severity: "info",
      message:
        `${r.message.replace(/, so any process.*$/, ".")} On ${where}, a NixOS-WSL guest (wsl.enable), a sudo password is no boundary: Windows runs \`wsl -u root\` without any password, ` +
        "and whatever runs as the Windows user can do that, so a password prompt here protects nothing (NixOS-WSL itself defaults wheelNeedsPassword to false).",
      fix: { safety: "manual", description: "Nothing to change inside the guest: root in it is guarded by the Windows account. Protect the Windows account instead." },
    };
  }
  const locked = wheelAndRootLocked(scope);
  if (locked.length) {
    return {
      ...r,
      severity: "low",
      message:
        `${r.message} On ${where} every wheel member (${locked.join(", ")}) and root have a locked password or none (hashedPassword = "!", or users.mutableUsers = false with no password given): ` +
        "sudo has no password to ask for, so wheelNeedsPassword = true would leave no way to root at all. Passwordless sudo for key-only admins is the usual setup there: what guards root is the admins' SSH keys (low).",
      fix: {
        safety: "manual",
        description: `No patch: setting wheelNeedsPassword = true here locks every admin out of root. Keep it false and guard the admins' SSH keys; to require a password, first give ${locked.join(", ")} a real one (users.users.<name>.hashedPasswordFile from agenix or sops-nix).`,
      },
    };
  }
  const empty = wheelWithEmptyPasswords(scope);
  const lowered = machine?.kind === "vm-test" ? "low" : r.severity;
  const vmNote = machine?.kind === "vm-test" ? ` ${where} is a qemu-vm test machine (it imports ${machine.profile}), a throwaway, so it is reported as low.` : "";
  if (empty.length) {
    return {
      ...r,
      severity: lowered,
      message:
        r.message +
        vmNote +
        ` Every wheel member here (${empty.join(", ")}) has an empty password, which sudo does not accept: with wheelNeedsPassword = true they would lose root altogether.`,
      fix: {
        safety: "manual",
        description: `No patch: first give ${empty.join(", ")} a real password (users.users.<name>.hashedPasswordFile from agenix or sops-nix), or lock the account and reach root another way; only then set wheelNeedsPassword = true.`,
      },
    };
  }
  return vmNote ? { ...r, severity: lowered, message: r.message + vmNote } : r;
}

/** A password definition that locks the account: a hash starting with `!` or `*`. */
function lockedValue(d: OptionDefinition): boolean {
  const v = staticValue(d.inner);
  return typeof v === "string" && /^[!*]/.test(v);
}

/** The members of wheel on this scope when each of them, and root, has a locked password or none
 * at all with users.mutableUsers = false (nobody can set one on the machine). */
function wheelAndRootLocked(scope: Scope): string[] {
  const members = membersOf(scope, "wheel");
  if (!members.length) return [];
  const immutable = effectiveValue(scope.definitions("users.mutableUsers"));
  const frozen = immutable.kind === "known" && immutable.value === false;
  for (const u of [...members, "root"]) {
    const defs = PASSWORD_OPTION_NAMES.flatMap((o) => [...scope.definitions(`users.users.${u}.${o}`), ...scope.definitions(`users.users."${u}".${o}`)]).filter((d) => !isDead(d.def));
    if (defs.length ? !defs.every((d) => lockedValue(d.def)) : !frozen) return [];
  }
  return members;
}

/** The members of wheel on this scope when every one of them is given an empty password (`password = ""`, `hashedPassword = ""`). */
function wheelWithEmptyPasswords(scope: Scope): string[] {
  const members = membersOf(scope, "wheel");
  if (!members.length) return [];
  for (const u of members) {
    const defs = PASSWORD_OPTION_NAMES.flatMap((o) => [...scope.definitions(`users.users.${u}.${o}`), ...scope.definitions(`users.users."${u}".${o}`)]).filter((d) => !isDead(d.def));
    if (!defs.length || !defs.every((d) => staticValue(d.def.inner) === "")) return [];
  }
  return members;
}

const checks = perHost(grants, (g0, scope, _file, report) => {
  // A rule of a sudo that the scope switches off (`security.sudo.enable = false`, with run0 or doas
  // instead; arianvp-nixos-stuff framework): no sudo binary, so the grant grants nothing.
  const mod = SUDO_MODULES.find((m) => g0.def.path.startsWith(`${m}.`));
  if (mod) {
    const on = effectiveValue(scope.definitions(`${mod}.enable`));
    if (on.kind === "known" && on.value === false) return;
  }
  // `wheelNeedsPassword = mkDefault false` that a host sets back to true (lovesegfault/nix-config:
  // spinoza over modules/nixos/core.nix): no passwordless sudo there.
  if (g0.def.path.endsWith(".wheelNeedsPassword")) {
    const won = effectiveValue(scope.definitions(g0.def.path));
    if (won.kind === "known" && won.value !== false) return;
  }
  const g = g0.wheel ? { ...g0, report: wheelInContext(g0, scope) } : g0;
  const entries = trustedEntries(scope);
  if (!entries.length) return report(g.report);
  const trusted = new Map<string, string>();
  const note = (user: string, e: { entry: string; at: string }) => {
    // Named by the entry, not its place: hosts differing only in where it is set stay one finding.
    if (!trusted.has(user)) trusted.set(user, `trusted-users "${e.entry}"`);
  };
  for (const u of g.users) for (const e of trustedThrough(scope, u, groupsOf(scope, u))) note(u, e);
  for (const grp of g.groups) {
    const whole = entries.find((e) => e.entry === `@${grp}`);
    if (whole) note(`every member of ${grp}`, whole);
    for (const u of membersOf(scope, grp)) for (const e of trustedThrough(scope, u, groupsOf(scope, u))) if (e !== whole && e.entry !== whole?.entry) note(u, e);
  }
  if (g.everyone) for (const e of entries) if (e.entry !== "root") note(e.entry.startsWith("@") ? `every member of ${e.entry.slice(1)}` : e.entry, e);
  if (!trusted.size) return report(g.report);
  const list = [...trusted].map(([u, why]) => `${u} (${why})`);
  const text = ` ${list.join(", ")} ${trusted.size > 1 ? "are" : "is"} also a Nix trusted user: root through the Nix daemon without any password, so ${g.lever ?? "removing NOPASSWD"} alone does not close the path to root.`;
  report({
    ...g.report,
    message: g.report.message + text,
    fix: g.report.fix
      ? { ...g.report.fix, description: `${g.report.fix.description} Also remove ${[...new Set([...trusted.values()].map((w) => w.replace(/^trusted-users /, "")))].join(", ")} from nix.settings.trusted-users, or the daemon stays a passwordless way to root.` }
      : g.report.fix,
  });
});

export const sudoNopasswd: Rule = {
  id: "sudo-nopasswd",
  examples: {
    fire: [
      hostExample(`{ security.sudo.extraRules = [ { users = [ "deploy" ]; commands = [ { command = "ALL"; options = [ "NOPASSWD" ]; } ]; } ]; }\n`),
      hostExample(`{ pkgs, ... }: {\n  security.sudo.extraRules = [ { users = [ "backup" ]; commands = [ { command = "\${pkgs.restic}/bin/restic"; options = [ "NOPASSWD" "SETENV" ]; } ]; } ];\n  security.sudo.extraConfig = ''\n    clamav ALL = (ALL) NOPASSWD: SETENV: \${pkgs.libnotify}/bin/notify-send\n  '';\n}\n`),
      // Users given by an expression are named by it, not "nobody".
      hostExample(`{ config, ... }: {\n  security.sudo.extraRules = [ { users = [ config.me.username ]; commands = [ { command = "/run/current-system/sw/bin/nixos-rebuild switch *"; options = [ "NOPASSWD" ]; } ]; } ];\n}\n`),
      // A rule built by a function of the file, its command a glob over the store: any user who can
      // reach the Nix daemon builds a store path named like a system and switches to it as root.
      hostExample(
        `{ config, ... }: {\n  security.sudo.extraRules = let\n    store = "/nix/store/*";\n    sys = "-os-system-\${config.networking.hostName}-*";\n    allow = cmd: { groups = [ "wheel" ]; commands = [ { command = cmd; options = [ "NOPASSWD" ]; } ]; };\n  in [ (allow "/run/current-system/sw/bin/activate-system \${store}\${sys}") ];\n}\n`,
      ),
      // A program in a home directory: its owner rewrites it.
      hostExample(`{\n  security.sudo.extraConfig = ''\n    backup ALL = (root) NOPASSWD: /home/backup/bin/run-backup.sh\n  '';\n}\n`),
      // deploy is also a Nix trusted user: the message says NOPASSWD is not the only way to root.
      hostExample(`{ nix.settings.trusted-users = [ "root" "deploy" ];\n  security.sudo.extraRules = [ { users = [ "deploy" ]; commands = [ { command = "ALL"; options = [ "NOPASSWD" ]; } ]; } ];\n}\n`),
      // Commands built with map over a list: nixos-rebuild and systemctl without arguments are root.
      hostExample(`{\n  security.sudo.extraRules = [ {\n    groups = [ "wheel" ];\n    commands = builtins.map (c: { command = "/run/current-system/sw/bin/\${c}"; options = [ "NOPASSWD" ]; }) [ "poweroff" "nixos-rebuild" "systemctl" ];\n  } ];\n}\n`),
      // virsh against qemu:///system defines a domain with the host's disk: root.
      hostExample(`{\n  security.doas.extraRules = [ { groups = [ "wheel" ]; keepEnv = true; noPass = true; cmd = "virsh"; } ];\n}\n`),
      // A user named by an interpolation, Runas ALL: root, named as written.
      hostExample(`{ config, ... }: {\n  security.sudo.extraConfig = ''\n    \${config.users.users.alice.name} ALL=(ALL:ALL) NOPASSWD: ALL\n  '';\n}\n`),
    ],
    silent: [
      hostExample(`{ security.sudo.extraRules = [ { users = [ "deploy" ]; commands = [ { command = "ALL"; options = [ "SETENV" ]; } ]; } ]; }\n`),
      hostExample(`{ pkgs, ... }: {\n  security.sudo.extraRules = [ { users = [ "backup" ]; commands = [ { command = "\${pkgs.systemd}/bin/systemctl restart restic"; options = [ "NOPASSWD" ]; } ]; } ];\n  security.sudo.extraConfig = "monitor ALL = (root) NOPASSWD: /run/current-system/sw/bin/smartctl -a /dev/sda";\n}\n`),
      // The exact system this configuration builds (an interpolation, not a glob), and a glob in
      // the arguments of a program that only reads.
      hostExample(
        `{ config, ... }: {\n  security.sudo.extraRules = let\n    allow = cmd: { groups = [ "wheel" ]; commands = [ { command = cmd; options = [ "NOPASSWD" ]; } ]; };\n  in [ (allow "\${config.system.build.toplevel}/bin/switch-to-configuration switch") (allow "/run/current-system/sw/bin/smartctl -a /dev/sd*") ];\n}\n`,
      ),
      // map producing only narrow commands; virsh restricted to `list`.
      hostExample(`{ lib, ... }: {\n  security.sudo.extraRules = [ {\n    groups = [ "wheel" ];\n    commands = lib.forEach [ "poweroff" "reboot" ] (c: { command = "/run/current-system/sw/bin/\${c}"; options = [ "NOPASSWD" ]; });\n  } ];\n  security.doas.extraRules = [ { groups = [ "wheel" ]; noPass = true; cmd = "virsh"; args = [ "list" ]; } ];\n}\n`),
      // Runas another account, not root: the caller becomes ableton or postgres, nothing more.
      hostExample(`{ config, ... }: {\n  security.sudo.extraConfig = ''\n    \${config.users.users.alice.name} ALL=(ableton) NOPASSWD: ALL\n  '';\n  security.sudo.extraRules = [ { users = [ "backup" ]; runAs = "postgres"; commands = [ { command = "ALL"; options = [ "NOPASSWD" ]; } ]; } ];\n  security.doas.extraRules = [ { users = [ "alice" ]; noPass = true; runAs = "wine"; } ];\n}\n`),
      // A shared module's `mkDefault false` that the host sets back to true.
      hostExample(`{\n  imports = [ ./core.nix ];\n  security.sudo-rs.wheelNeedsPassword = true;\n}\n`, "configuration.nix", { "core.nix": `{ lib, ... }: { security.sudo-rs = { enable = true; wheelNeedsPassword = lib.mkDefault false; }; }\n` }),
      // sudo switched off (run0 instead): its rules grant nothing; doas switched off likewise.
      hostExample(`{\n  security.sudo.enable = false;\n  security.sudo.wheelNeedsPassword = false;\n  security.sudo.extraRules = [ { users = [ "alice" ]; commands = [ { command = "ALL"; options = [ "NOPASSWD" ]; } ]; } ];\n  security.doas.enable = false;\n  security.doas.extraRules = [ { users = [ "alice" ]; noPass = true; } ];\n}\n`),
    ],
  },
  name: "Passwordless privilege escalation",
  category: "access",
  severity: "medium",
  rationale:
    "Requiring the user's password for sudo/doas keeps a compromised user session (a browser exploit, a malicious package, a stolen SSH key) from becoming root. Without it, every process of an admin user is root.",
  fix: "Keep security.sudo.wheelNeedsPassword = true; give automation NOPASSWD only for the exact commands it runs.",
  references: [
    nixosOption("security.sudo.wheelNeedsPassword"),
    nixosOption("security.sudo.extraRules"),
    nixosOption("security.doas.extraRules"),
    { title: "sudoers(5): NOPASSWD and authenticate", url: "https://www.sudo.ws/docs/man/sudoers.man/" },
    { title: "GTFOBins: programs that escape to a shell under sudo", url: "https://gtfobins.github.io/#+sudo" },
  ],
  compliance: { cis: ["1.3 Configure sudo"], nist: ["PR.AA-05", "PR.AA-03"] },
  checkNix(ctx) {
    checks.checkNix(ctx);
    checkDoas(ctx);
  },
  checkHost: checks.checkHost,
};
