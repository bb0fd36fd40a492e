// The other ways a user already has root on a host, for the rules that report one more way (a Nix
// trusted user, a root-equivalent group) and for sudo-nopasswd, which must say when removing
// NOPASSWD leaves another way open. NixOS admins judging samples of real findings called "this
// bypasses sudo's password" noise where the user already had root without one (TUM-DSE: staff
// keys copied into root's authorized_keys; fufexan: wheel with NOPASSWD set in another file;
// dustinlyons: the docker user already a Nix trusted user), and a trusted-users fix useless when
// another trusted group still covers the user (nix-community-infra: admin in @trusted and @wheel).
// Ways looked at, over the whole host (every file of it, as the host ends up with it):
// - wheel membership where wheel's sudo asks no password (wheel-sudo.ts);
// - a NOPASSWD sudo rule (security.sudo.extraRules or a sudoers line of extraConfig) for the user,
//   one of their groups or everyone, for ALL commands or a root-equivalent program without
//   argument restrictions (sudoers.ts grantsRoot), commands built with `map` included;
// - their SSH keys also in root's openssh.authorizedKeys (the same key list, the same literal key,
//   or root's list built from the users of one of their groups), while sshd lets root log in;
// - for the daemon groups: being a Nix trusted user (by name, one of their groups, or "*").
// A user is named as written: a literal (`alice`) or the expression (`${user}`) used both for the
// account's attribute name and in the lists naming it.
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { unparen } from "../../nix/read.js";
import { staticValue } from "../../nix/values.js";
import { boundValue } from "../../nix/scope.js";
import { INTERPOLATION_MARK, isAttrs, StaticEvaluator } from "../../nix/static-eval.js";
import { appliedScope, hostValue, isDead, type Scope, type ScopedDef } from "../shared/scope.js";
import { listOf } from "../shared/edits.js";
import { cookString, INTERPOLATION, logicalLines } from "../shared/string-lines.js";
import { grantsRoot, runsAsRoot, sudoersLine } from "./sudoers.js";
import { wheelPasswordless } from "./wheel-sudo.js";
import { SSHD_ROOT_LOGIN } from "./sshd.js";

/** A name as written: a literal, or an interpolation's source (`"${user}"` and `${user}` alike). */
export function nameOf(node: SyntaxNode | undefined): string | undefined {
  const n = unparen(node);
  if (!n) return undefined;
  const v = staticValue(n);
  if (typeof v === "string") return v;
  if (n.kind === K.NODE_STRING && /^"\$\{[^{}]+\}"$/.test(n.text)) return n.text.slice(1, -1).replace(/\s+/g, "");
  return undefined;
}

/** A user attribute name as written (`alice`, `${user}`, `"${user}"`). */
export function segmentName(name: string): string {
  return name.replace(/^"|"$/g, "").replace(/\s+/g, "");
}

/** The names in a list (literal strings and `"${x}"`), following let-bound names and `++`. */
export function listedNames(node: SyntaxNode | undefined, depth = 0): string[] {
  const n = unparen(node);
  if (!n || depth > 8) return [];
  if (n.kind === K.NODE_BIN_OP && n.childTokens()[0]?.kind === K.TOKEN_CONCAT) return n.childNodes().flatMap((c) => listedNames(c, depth + 1));
  if (n.kind === K.NODE_IDENT) {
    const v = boundValue(n);
    return v && v !== n ? listedNames(v, depth + 1) : [];
  }
  const list = listOf(n);
  if (!list) return [];
  return list.childNodes().flatMap((el) => {
    const name = nameOf(el);
    return name === undefined ? [] : [name];
  });
}

const live = (scope: Scope) => {
  const applied = appliedScope(scope);
  return (pattern: string): ScopedDef[] => applied.matching(pattern).filter((d) => !isDead(d.def));
};

/** The daemon a group controls (its enable option): membership is root-equivalent only on a host
 * that runs it. */
export const GROUP_DAEMON: Record<string, string> = {
  docker: "virtualisation.docker.enable",
  lxd: "virtualisation.lxd.enable",
  podman: "virtualisation.podman.enable",
  "incus-admin": "virtualisation.incus.enable",
  libvirtd: "virtualisation.libvirtd.enable",
};

/** A user's groups over the whole scope: extraGroups, the primary group, and groups listing them. */
export function groupsOf(scope: Scope, user: string): Set<string> {
  const m = live(scope);
  const out = new Set<string>();
  for (const set of ["users", "extraUsers"]) {
    for (const d of m(`users.${set}.*.extraGroups`)) if (segmentName(d.def.segments[2]!.name) === user) for (const g of listedNames(d.def.inner)) out.add(g);
    for (const d of m(`users.${set}.*.group`)) if (segmentName(d.def.segments[2]!.name) === user) { const g = nameOf(d.def.inner); if (g) out.add(g); }
  }
  for (const set of ["groups", "extraGroups"]) for (const d of m(`users.${set}.*.members`)) if (listedNames(d.def.inner).includes(user)) out.add(d.def.segments[2]!.name);
  return out;
}

/** The users of a group over the whole scope. */
export function membersOf(scope: Scope, group: string): string[] {
  const m = live(scope);
  const out = new Set<string>();
  for (const set of ["users", "extraUsers"]) {
    for (const d of m(`users.${set}.*.extraGroups`)) if (listedNames(d.def.inner).includes(group)) out.add(segmentName(d.def.segments[2]!.name));
    for (const d of m(`users.${set}.*.group`)) if (nameOf(d.def.inner) === group) out.add(segmentName(d.def.segments[2]!.name));
  }
  for (const set of ["groups", "extraGroups"]) for (const d of m(`users.${set}.${group}.members`)) for (const u of listedNames(d.def.inner)) out.add(u);
  return [...out].sort();
}

const at = (d: ScopedDef) => `${d.file.file}:${d.def.line}`;

/** A passwordless sudo grant of root: who it is for, and what it says. */
export interface SudoGrant {
  users: string[];
  groups: string[];
  everyone: boolean;
  what: string;
}

/** The host's NOPASSWD sudo rules that give root (every command, or a root-equivalent program
 * without argument restrictions), from extraRules and sudoers lines of extraConfig. */
export function passwordlessSudoGrants(scope: Scope): SudoGrant[] {
  const out: SudoGrant[] = [];
  const m = live(scope);
  for (const mod of ["security.sudo", "security.sudo-rs"]) {
    const enabled = hostValue(scope, `${mod}.enable`);
    if (enabled.kind === "known" && enabled.value === false) continue;
    if (mod === "security.sudo-rs" && !(enabled.kind === "known" && enabled.value === true)) continue;
    for (const d of m(`${mod}.extraRules`)) {
      const rules = listOf(d.def.inner);
      for (const ruleNode of rules?.childNodes() ?? []) {
        const rule = unparen(ruleNode);
        if (rule?.kind !== K.NODE_ATTR_SET) continue;
        const field = (name: string) => rule.childNodes().find((b) => b.kind === K.NODE_ATTRPATH_VALUE && b.childNodes()[0]?.text === name)?.childNodes()[1];
        const runAs = staticValue(field("runAs"));
        if (typeof runAs === "string" && !runsAsRoot(runAs)) continue;
        const users = listedNames(field("users"));
        const groups = listedNames(field("groups"));
        const commandsNode = field("commands");
        if (commandsNode && !listOf(commandsNode)) {
          // Commands built by an expression (`map (c: { command = ...; }) [ ... ]`): their values.
          const v = new StaticEvaluator({ load: () => undefined, interpolate: true }).evalAt(commandsNode, d.file.file);
          for (const c of Array.isArray(v) ? v : []) {
            if (!isAttrs(c)) continue;
            const command = c.attrs.get("command");
            const options = c.attrs.get("options");
            if (typeof command !== "string" || !Array.isArray(options) || !options.includes("NOPASSWD")) continue;
            const grant = grantsRoot(command.replaceAll(INTERPOLATION_MARK, ""));
            if (grant) out.push({ users, groups, everyone: users.includes("ALL") || groups.includes("users"), what: `a NOPASSWD sudo rule for ${grant.all ? "every command" : grant.program} (${mod}.extraRules, ${at(d)})` });
          }
        }
        for (const cmdNode of listOf(commandsNode)?.childNodes() ?? []) {
          const cmd = unparen(cmdNode);
          if (cmd?.kind !== K.NODE_ATTR_SET) continue;
          const cfield = (name: string) => cmd.childNodes().find((b) => b.kind === K.NODE_ATTRPATH_VALUE && b.childNodes()[0]?.text === name)?.childNodes()[1];
          const options = listedNames(cfield("options"));
          if (!options.includes("NOPASSWD")) continue;
          const text = cookString(cfield("command"))?.text.replaceAll(INTERPOLATION, "");
          const grant = text === undefined ? undefined : grantsRoot(text);
          if (!grant) continue;
          out.push({
            users,
            groups,
            everyone: users.includes("ALL") || groups.includes("users"),
            what: `a NOPASSWD sudo rule for ${grant.all ? "every command" : grant.program} (${mod}.extraRules, ${at(d)})`,
          });
        }
      }
    }
    for (const d of m(`${mod}.extraConfig`)) {
      const s = cookString(d.def.inner);
      if (!s) continue;
      for (const line of logicalLines(s)) {
        for (const f of sudoersLine(line.text)) {
          const root = f.kind === "no-authenticate" || f.commands.some((c) => grantsRoot(c) !== undefined);
          if (!root) continue;
          const who = f.who.replace(/^Defaults[:@!>]?/, "");
          out.push({
            users: who.startsWith("%") ? [] : [who],
            groups: who.startsWith("%") ? [who.slice(1)] : [],
            everyone: f.everyone,
            what: `the sudoers line \`${line.text.trim()}\` (${mod}.extraConfig, ${at(d)})`,
          });
        }
      }
    }
  }
  return out;
}

/** The key lists of a user's `openssh.authorizedKeys` (keys and keyFiles) as written. */
function keyDefs(scope: Scope, user: string): ScopedDef[] {
  const m = live(scope);
  return ["keys", "keyFiles"].flatMap((k) => ["users", "extraUsers"].flatMap((set) => m(`users.${set}.*.openssh.authorizedKeys.${k}`))).filter((d) => segmentName(d.def.segments[2]!.name) === user);
}

/** The terms of a key list: let-bound names and selections (`joergsKeys`, `config.me.keys`) and
 * literal keys. */
function keyTerms(node: SyntaxNode | undefined): { refs: Set<string>; literals: Set<string> } {
  const refs = new Set<string>();
  const literals = new Set<string>();
  const visit = (n: SyntaxNode | undefined) => {
    const u = unparen(n);
    if (!u) return;
    if (u.kind === K.NODE_BIN_OP) return u.childNodes().forEach(visit);
    if (u.kind === K.NODE_IDENT || u.kind === K.NODE_SELECT) return void refs.add(u.text.replace(/\s+/g, ""));
    if (u.kind === K.NODE_LIST) {
      for (const el of u.childNodes()) {
        const v = staticValue(el);
        if (typeof v === "string") literals.add(v.trim().split(/\s+/).slice(0, 2).join(" "));
        else visit(el);
      }
    }
  };
  visit(node);
  return { refs, literals };
}

/** Do the user's SSH keys also open root's account (and may root log in with a key)? */
function keysInRoot(scope: Scope, user: string, groups: Set<string>): string | undefined {
  if (user === "root") return undefined;
  const root = keyDefs(scope, "root");
  if (!root.length) return undefined;
  const login = hostValue(scope, ...SSHD_ROOT_LOGIN);
  if (login.kind === "known" && login.value === "no") return undefined;
  const mine = keyDefs(scope, user).map((d) => keyTerms(d.def.inner));
  for (const r of root) {
    const text = r.def.inner?.text ?? "";
    const theirs = keyTerms(r.def.inner);
    for (const k of mine) {
      if ([...k.refs].some((x) => theirs.refs.has(x)) || [...k.literals].some((x) => theirs.literals.has(x))) return `their SSH keys are also root's (users.users.root.openssh.authorizedKeys, ${at(r)})`;
    }
    // Root's list read from the user's own (`config.users.users.cadey.openssh.authorizedKeys.keys`).
    const esc = user.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    if (mine.length && new RegExp(`users\\.users\\.("?)${esc}\\1\\.openssh`).test(text.replace(/\s+/g, ""))) return `root's openssh.authorizedKeys are theirs (${at(r)})`;
    // Root's list built from the users of a group (`filter (u: elem "staff" u.extraGroups) (attrValues config.users.users)`).
    if (mine.length && /users\.users/.test(text)) {
      const g = [...groups].find((x) => new RegExp(`"${x.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"`).test(text));
      if (g) return `root's openssh.authorizedKeys take the keys of every ${g} member (${at(r)})`;
    }
  }
  return undefined;
}

/** The Nix trusted-users entries of the scope, with where each is. */
export function trustedEntries(scope: Scope): Array<{ entry: string; at: string; def: ScopedDef }> {
  const out: Array<{ entry: string; at: string; def: ScopedDef }> = [];
  const nixOff = hostValue(scope, "nix.enable");
  if (nixOff.kind === "known" && nixOff.value === false) return out;
  for (const path of ["nix.settings.trusted-users", "nix.trustedUsers"]) {
    for (const d of appliedScope(scope).definitions(path)) {
      if (isDead(d.def)) continue;
      for (const entry of listedNames(d.def.inner)) out.push({ entry, at: at(d), def: d });
    }
  }
  return out;
}

/** The trusted-users entries that make a user trusted (by name, by one of their groups, "*"). */
export function trustedThrough(scope: Scope, user: string, groups: Set<string>): Array<{ entry: string; at: string; def: ScopedDef }> {
  return trustedEntries(scope).filter(({ entry }) => entry === user || entry === "*" || (entry.startsWith("@") && groups.has(entry.slice(1))));
}

/**
 * Why a user already has root on the host without a password, or an empty list. `trusted`: count
 * being a Nix trusted user as such a way (for the groups whose root is a daemon's).
 */
export function otherRootWays(scope: Scope, user: string, options: { trusted?: boolean } = {}): string[] {
  if (user === "root") return [];
  const groups = groupsOf(scope, user);
  const ways: string[] = [];
  if (groups.has("wheel")) {
    const via = wheelPasswordless(scope);
    if (via !== undefined) ways.push(`wheel's sudo asks no password${via ? ` (${via})` : ""}`);
  }
  for (const g of passwordlessSudoGrants(scope)) {
    if (g.users.includes(user) || g.groups.some((x) => groups.has(x)) || g.everyone) {
      ways.push(g.what);
      break;
    }
  }
  const keys = keysInRoot(scope, user, groups);
  if (keys) ways.push(keys);
  if (options.trusted) {
    const t = trustedThrough(scope, user, groups);
    if (t.length) ways.push(`a Nix trusted user (trusted-users "${t[0]!.entry}", ${t[0]!.at})`);
  }
  return ways;
}

/** Why every member of a group already has root without a password through the group itself
 * (wheel's passwordless sudo, a NOPASSWD rule for the group or everyone), or undefined. */
export function groupRootWay(scope: Scope, group: string): string | undefined {
  if (group === "wheel") {
    const via = wheelPasswordless(scope);
    if (via !== undefined) return `wheel's sudo asks no password${via ? ` (${via})` : ""}`;
  }
  return passwordlessSudoGrants(scope).find((g) => g.groups.includes(group) || g.everyone)?.what;
}
