// nix-trusted-users: `nix.settings.trusted-users` (legacy `nix.trustedUsers`, or a
// `trusted-users =` line of nix.extraOptions) beyond root. The Nix manual: "Adding a user to
// trusted-users is essentially equivalent to giving that user root access to the system": a
// trusted user can set any substituter and disable signature checks, so it can make the daemon
// import a store path it forged (a setuid wrapper, a system closure) and ask for it to be used.
// How entries are judged:
// - "*" or "@users": every (normal) user is root-equivalent: high.
// - "@wheel" (and "@admin" on macOS): its members can already become root with sudo, so this adds
//   no new root; it removes the password prompt and the sudo log on that path (any process of an
//   admin, a compromised browser included, can become root through the daemon): low. On a host
//   where wheel's sudo asks no password anyway (security.sudo.wheelNeedsPassword = false as the
//   host ends up with it, NixOS-WSL's default included) there is no prompt to skip and nothing is
//   reported. Judged per host (a host whose sudo asks keeps the prompt argument).
// - another group: medium; low when every member is in wheel.
// - a named user, judged with the whole host (or the lone module): low when the account is in
//   wheel (also declared under another attribute name, `users.users.mainUser.name = "lass"`), and
//   in nix-darwin configurations (the user is the Mac's administrator): the same reasoning as
//   @wheel; medium when the account is declared and no administrator (a real escalation); low
//   when the account is not declared where the rule can see (a named account trusted in a
//   personal configuration is the owner's admin account; the message says medium otherwise).
//   A remote-build or deploy account: low with one SSH key (the dedicated builder the Nix manual
//   describes), medium with several keys, key files or a computed list, or a key labelled as a
//   third party's builder (nix-community). Judged on corpus7-11 (see the check below).
// Nothing is reported where the user (or the group, through the group) already has root without a
// password another way on the host (root-paths.ts: NOPASSWD sudo, their keys in root's); an entry
// whose users stay trusted through another entry names that entry in its message and fix.
import { staticValue } from "../../nix/values.js";
import type { Severity } from "../../report/schema.js";
import { listOf, removeListElements } from "../shared/edits.js";
import { isDarwin, nixSettingSites } from "./nix-settings.js";
import { usersIn } from "./users.js";
import type { NixFileContext, Rule, RuleReport } from "../types.js";
import { hostExample } from "../shared/examples.js";
import { perHost } from "../shared/per-host.js";
import { wheelPasswordless } from "./wheel-sudo.js";
import { groupRootWay, groupsOf, listedNames, membersOf, otherRootWays, segmentName, trustedEntries } from "./root-paths.js";
import type { OptionDefinition } from "../../nix/options.js";
import { hostValue, isDead, type Scope } from "../shared/scope.js";
import { SyntaxKind as K } from "../../nix/syntax.js";
import { unparen } from "../../nix/read.js";
import { staticBool } from "../../nix/values.js";
import { escapeRegExp } from "../../text/regexp.js";
import { nixConfSetting, nixosOption } from "../shared/references.js";

interface Verdict {
  severity: Severity;
  why: string;
  /** Its root comes through wheel membership: where wheel's sudo asks no password, the prompt it
   * skips does not exist. */
  viaWheel?: boolean;
  /** A group NixOS does not create (`admin`, nix-darwin's administrators): on a NixOS host it exists
   * only if the configuration declares it or gives it members. */
  undeclaredGroup?: string;
}

function judge(entry: string, inWheel: (u: string) => boolean, darwin: boolean, membersOf: (g: string) => string[] = () => []): Verdict | undefined {
  if (entry === "root" || entry === "") return undefined;
  if (entry === "*") return { severity: "high", why: "every user of the host is root-equivalent" };
  if (entry === "@users") return { severity: "high", why: "every normal user is root-equivalent" };
  if (entry === "@wheel" || entry === "@admin") {
    return {
      severity: "low",
      why: `its members can already sudo, but through the Nix daemon they become root without sudo's password prompt or log`,
      viaWheel: entry === "@wheel",
      ...(entry === "@admin" && !darwin ? { undeclaredGroup: "admin" } : {}),
    };
  }
  if (entry.startsWith("@")) {
    // A group whose every declared member is in wheel (often a "nix" or "deploy" group of the
    // admins): no one new becomes root, as for @wheel. The members are those declared in this
    // file; a member added elsewhere would not be seen, which the message says.
    const members = membersOf(entry.slice(1));
    if (members.length > 0 && members.every(inWheel)) {
      return {
        severity: "low",
        why: `its members declared here (${members.join(", ")}) are all in wheel and can already sudo, but through the Nix daemon they become root without sudo's password prompt or log; anyone added to ${entry.slice(1)} later becomes root-equivalent too`,
      };
    }
    return { severity: "medium", why: `every member of ${entry.slice(1)} is root-equivalent` };
  }
  if (inWheel(entry)) return { severity: "low", why: `${entry} is in wheel and can already sudo, but through the Nix daemon becomes root without sudo's password prompt or log`, viaWheel: true };
  if (darwin) return { severity: "low", why: `on nix-darwin the user is normally the Mac's administrator, who can already sudo; through the Nix daemon ${entry} becomes root without the password prompt` };
  if (/build|hydra|nix|deploy|ci|runner/i.test(entry)) {
    return { severity: "medium", why: `${entry} is root-equivalent: whoever holds its SSH key (a remote-build or deploy client) is root here` };
  }
  return { severity: "medium", why: `${entry} is root-equivalent` };
}

/** One entry of trusted-users, judged with what its file says; the host decides the rest. */
interface Entry {
  def: OptionDefinition;
  verdict: Verdict;
  report: RuleReport;
}

function entries(ctx: NixFileContext): Entry[] {
  const out: Entry[] = [];
  // `nix.enable = false` (Determinate Nix, a Mac managing Nix itself): no nix.conf is written, so
  // the settings here apply nowhere.
  if (ctx.index.byPath.get("nix.enable")?.some((d) => !isDead(d) && staticBool(d.inner) === false)) return out;
  let users: ReturnType<typeof usersIn> | undefined;
  const inWheel = (u: string) => (users ??= usersIn(ctx)).get(u)?.groups.has("wheel") ?? false;
  const membersOf = (g: string) => [...(users ??= usersIn(ctx)).values()].filter((u) => u.groups.has(g)).map((u) => u.name).sort();
  const darwin = isDarwin(ctx);
  /** Judges one entry; a judged entry becomes a report at `at` (its place, message and fix). */
  // A darwin-only branch of a shared module (`optionalAttrs isDarwin`) is judged as nix-darwin's.
  let siteDarwin = darwin;
  const add = (def: OptionDefinition, entry: string, at: Omit<RuleReport, "key" | "severity" | "title">): void => {
    const verdict = judge(entry, inWheel, siteDarwin, membersOf);
    if (verdict) out.push({ def, verdict, report: { ...at, key: `trusted-users:${entry}`, severity: verdict.severity, title: `Nix trusted user: ${entry}` } });
  };
  for (const site of nixSettingSites(ctx, "trusted-users", ["nix.trustedUsers"])) {
    siteDarwin = darwin || site.platform === "darwin";
    if (site.kind === "line") {
      for (const entry of site.value.split(/\s+/)) {
        add(site.def, entry, {
          range: site.range,
          optionPath: "nix.extraOptions",
          message: `nix.extraOptions sets trusted-users to include "${entry}": ${WHY} (a trusted user can make the Nix daemon import unsigned store paths).`,
          fix: { safety: "manual", description: `Remove "${entry}" from trusted-users; use nixos-rebuild --use-remote-sudo (or sudo) for deployments, and nix.settings.allowed-users for who may use the daemon.` },
        });
      }
      continue;
    }
    const list = listOf(site.def.inner);
    if (!list) continue;
    for (const el of list.childNodes()) {
      const entry = staticValue(el);
      if (typeof entry !== "string") continue;
      add(site.def, entry, {
        node: el,
        optionPath: site.optionPath,
        message: `${site.optionPath} includes "${entry}": ${WHY} (a trusted user can make the Nix daemon import unsigned store paths and use any substituter).`,
        fix: {
          safety: "review",
          description: `Remove "${entry}"; deploy with nixos-rebuild --use-remote-sudo (or as root with a key), and use nix.settings.allowed-users for who may use the daemon. Remote builds and pushes by this user need another route (a signing key and trusted-public-keys).`,
          edits: removeListElements(ctx.file, ctx.text, list, [el]),
        },
      });
    }
  }
  return out;
}

// Where the reason goes in a message, filled in per host.
const WHY = "\u0000why\u0000";

/** Why `entry` looks like the account remote builds or deployments log in as (its removal would
 * break them), or undefined. */
function remoteAccount(entry: string, scope: Scope, fileText: string, filePath = ""): string | undefined {
  if (entry.startsWith("@") || entry === "*") return undefined;
  if (/^(?:builder|nixremote|nix-?remote|remote-?builder?|nix-?builder|nixbuild|deploy(?:er|-rs)?|colmena|hydra|hydra-queue-runner|buildbot|github-runner|ci)$|build|deploy/i.test(entry)) return `its name (${entry}) is that of a remote-build or deployment account`;
  const keys = scope.matching(`users.users.${entry}.openssh.authorizedKeys.*`).concat(scope.matching(`users.users.${entry}.openssh.authorizedKeys`));
  const system = scope.matching(`users.users.${entry}.isSystemUser`).some(({ def }) => staticValue(def.inner) === true);
  if (keys.length && system) return `${entry} is a system user that logs in over SSH (openssh.authorizedKeys), as remote builders and deploy tools do`;
  // An account with SSH keys made in a file that exists for remote builds (nix-remote-builder.nix)
  // or described as a builder (description = "Nix remote builder").
  const described = scope.matching(`users.users.${entry}.description`).some(({ def }) => /\bbuild/i.test(String(staticValue(def.inner) ?? "")));
  if (keys.length && (described || /remote-?build|builder|nix-?build/i.test(filePath.split("/").pop() ?? ""))) return `${entry} logs in over SSH in ${described ? "an account described as a builder" : `a file made for remote builds (${filePath})`}`;
  const esc = escapeRegExp(entry);
  if (new RegExp(`sshUser\\s*=\\s*"${esc}"|ssh(?:-ng)?://${esc}@`).test(fileText)) return `the configuration logs in as ${entry} for builds or deployments (sshUser, ssh-ng://${entry}@)`;
  return undefined;
}

/** The configuration creates the group or puts someone in it. */
function groupDeclared(scope: Scope, group: string): boolean {
  if (membersOf(scope, group).length) return true;
  return ["groups", "extraGroups"].some((set) => scope.definitions(`users.${set}.${group}`).length > 0 || scope.matching(`users.${set}.${group}.*`).length > 0);
}

/** The attribute names under which the scope declares an account: its own name, and the
 * attributes whose `name` is it (`users.users.mainUser = { name = "lass"; ... }`). */
function accountAttrs(scope: Scope, user: string): string[] {
  const out = new Set<string>();
  for (const set of ["users", "extraUsers"]) {
    if (scope.matching(`users.${set}.${user}.*`).length || scope.definitions(`users.${set}.${user}`).length) out.add(user);
    for (const d of scope.matching(`users.${set}.*.name`)) if (staticValue(d.def.inner) === user) out.add(segmentName(d.def.segments[2]!.name));
    // `users.extraUsers."${user}"` with `user = "cole";` bound in the same file
    // (colemickens-nixcfg profiles/user-cole.nix).
    for (const d of scope.matching(`users.${set}.*.*`)) {
      const attr = segmentName(d.def.segments[2]!.name);
      const ident = /^\$\{([A-Za-z_][\w'-]*)\}$/.exec(attr)?.[1];
      if (ident && new RegExp(`(?:^|[\\s;{])${escapeRegExp(ident)}\\s*=\\s*"${escapeRegExp(user)}"\\s*;`).test(d.file.text)) out.add(attr);
    }
  }
  return [...out];
}

/** The scope says which groups the account has (an extraGroups, group or members definition). */
function groupsKnown(scope: Scope, user: string): boolean {
  return [...new Set([user, ...accountAttrs(scope, user)])].some((a) => ["users", "extraUsers"].some((set) => scope.matching(`users.${set}.${a}.extraGroups`).length > 0 || scope.matching(`users.${set}.${a}.group`).length > 0));
}

/** The account's groups over the scope, under each name it is declared with. */
function accountGroups(scope: Scope, user: string): { declared: boolean; groups: Set<string> } {
  const attrs = accountAttrs(scope, user);
  const groups = new Set<string>();
  for (const a of new Set([user, ...attrs])) for (const g of groupsOf(scope, a)) groups.add(g);
  return { declared: attrs.length > 0 || groups.size > 0, groups };
}

/** A doas rule with noPass for every command (no `cmd`), run as root, naming the user or one of
 * their groups (security.doas.extraRules): the user already has root without a password. */
function doasNoPass(scope: Scope, user: string, groups: Set<string>): string | undefined {
  const enabled = hostValue(scope, "security.doas.enable");
  if (enabled.kind === "known" && enabled.value === false) return undefined;
  for (const d of scope.matching("security.doas.extraRules").concat(scope.definitions("security.doas.extraRules"))) {
    if (isDead(d.def)) continue;
    for (const ruleNode of listOf(d.def.inner)?.childNodes() ?? []) {
      const rule = unparen(ruleNode);
      if (rule?.kind !== K.NODE_ATTR_SET) continue;
      const field = (name: string) => rule.childNodes().find((b) => b.kind === K.NODE_ATTRPATH_VALUE && b.childNodes()[0]?.text === name)?.childNodes()[1];
      if (staticValue(field("noPass")) !== true || field("cmd")) continue;
      const runAs = staticValue(field("runAs"));
      if (typeof runAs === "string" && runAs !== "root") continue;
      if (listedNames(field("users")).includes(user) || listedNames(field("groups")).some((g) => groups.has(g))) return `a doas rule with noPass for every command (security.doas.extraRules, ${d.file.file}:${d.def.line})`;
    }
  }
  return undefined;
}

// Remote-build services run by others: a key labelled as theirs gives a third party root here.
const THIRD_PARTY_BUILDERS = /\b(?:nix-community|nixbuild\.net|garnix|hercules-ci|cachix-deploy)\b/i;

/** How many people hold the way into a remote-build account: its authorizedKeys as written. One
 * literal key (or one reference), the usual dedicated builder: low; several keys, key files or a
 * computed list: any of several machines (medium); a key labelled as a third party's builder:
 * medium. */
function builderKeys(scope: Scope, user: string): { severity: Severity; why: string } {
  const defs = [...new Set([user, ...accountAttrs(scope, user)])].flatMap((a) => ["users", "extraUsers"].flatMap((set) => [...scope.matching(`users.${set}.${a}.openssh.authorizedKeys.keys`), ...scope.matching(`users.${set}.${a}.openssh.authorizedKeys.keyFiles`)]));
  const live = defs.filter((d) => !isDead(d.def));
  const third = live.map((d) => d.def.binding.text).find((t) => THIRD_PARTY_BUILDERS.test(t));
  if (third) return { severity: "medium", why: `its SSH key is labelled as ${THIRD_PARTY_BUILDERS.exec(third)![0]}'s, a third party's builder: whoever runs that service is root here` };
  let count = 0;
  let known = live.length > 0;
  for (const d of live) {
    let n = unparen(d.def.inner);
    // `lib.filter (k: k != "") [ key ]`: the list a filter is given.
    while (n?.kind === K.NODE_APPLY) n = unparen(n.childNodes().at(-1));
    const list = n ? listOf(n) : undefined;
    if (!list || d.def.path.endsWith("keyFiles")) known = false;
    else count += list.childNodes().length;
  }
  if (known && count === 1) return { severity: "low", why: "one SSH key opens it, the usual dedicated remote-build account: whoever holds that key (normally the root of the machine that builds through it) is root here too, a trade made knowingly" };
  if (known && count > 1) return { severity: "medium", why: `${count} SSH keys open it: whoever holds any of them (or takes over any machine holding one) is root here` };
  if (!live.length) return { severity: "medium", why: "whoever holds one of its SSH keys (a remote-build or deploy client; the keys are not declared where the rule can see) is root here" };
  return { severity: "medium", why: "whoever holds one of its SSH keys (a remote-build or deploy client; the keys are computed or read from files, so who that is cannot be told here) is root here" };
}

const checks = perHost(entries, (e, scope, _file, report) => {
  const entry = (e.report.key ?? "").replace(/^trusted-users:/, "");
  let remote = remoteAccount(entry, scope, _file.text, _file.file);
  // A named account is judged with what the whole scope says of it (its groups in other files, an
  // account declared as `users.users.mainUser = { name = "lass"; }`), not only its own file.
  // Judged on corpus7-11: the owner's admin account trusted (lass, mightyiam, balsoft) is low, as
  // @wheel is; a dedicated remote-build account with one key is low (GaetanLepage cuda,
  // wrmilling nixbuild, ivankovnatsky nixbuilder), medium when several machines' keys or a third
  // party's builder key open it (cleverca22 builder, GaetanLepage spark's nix-community key).
  if (!entry.startsWith("@") && entry !== "*" && entry !== "root" && !e.verdict.severity.startsWith("high")) {
    const acct = accountGroups(scope, entry);
    const siteDarwin = /on nix-darwin/.test(e.verdict.why);
    // A wheel member is an administrator's interactive account even when the configuration logs
    // in as that name somewhere (sshUser = "clever" for other machines): a forced command on its
    // keys would lock the admin out (cleverca22-nixos-configs amd-nixos.nix, judged harmful).
    if (acct.groups.has("wheel")) remote = undefined;
    let verdict: Verdict;
    if (remote) {
      const k = builderKeys(scope, entry);
      verdict = { severity: k.severity, why: `${entry} is a remote-build or deployment account: ${k.why}` };
    } else if (acct.groups.has("wheel")) {
      verdict = { severity: "low", why: `${entry} is in wheel and can already sudo, but through the Nix daemon becomes root without sudo's password prompt or log`, viaWheel: true };
    } else if (siteDarwin) {
      verdict = e.verdict;
    } else if (acct.declared) {
      verdict = { severity: "medium", why: groupsKnown(scope, entry) || (scope.kind === "host" && scope.defaultsApply) ? `${entry} is not an administrator here (not in wheel), and through the Nix daemon becomes root-equivalent` : `${entry} is root-equivalent` };
    } else if (scope.kind === "host") {
      verdict = { severity: "medium", why: `${entry} is root-equivalent` };
    } else {
      // A lone module (no host includes it where the scan can see): the account is declared by
      // the modules it is used with. A named account trusted in a personal configuration is its
      // owner's admin account (Lassulus-superconfig's lass, mightyiam-infra's mightyiam: judged
      // "should be low" at medium, both in wheel in other files).
      verdict = {
        severity: "low",
        why: `${entry} is root-equivalent; this module does not declare the account, and a named account trusted in a personal configuration is normally its owner's, who can already become root: if ${entry} is not an administrator, this makes ${entry} root (medium)`,
      };
    }
    e = { ...e, verdict, report: { ...e.report, severity: verdict.severity } };
    const doas = doasNoPass(scope, entry, acct.groups);
    if (doas && !remote) return;
  }
  // @wheel (or another group) whose every member already has root without a password through doas.
  if (entry.startsWith("@") && scope.kind === "host") {
    const members = membersOf(scope, entry.slice(1));
    if (members.length && members.every((m) => doasNoPass(scope, m, groupsOf(scope, m)) !== undefined)) return;
  }
  if (remote) {
    e = {
      ...e,
      report: {
        ...e.report,
        fix: {
          safety: "manual",
          description: `Do not just remove "${entry}": ${remote}, and remote builds or deployments through it would stop. Restrict it instead: let it in only for Nix (a forced command on its key, \`command="nix-daemon --stdio",restrict\` for ssh-ng:// builders, \`command="nix-store --serve --write",restrict\` for ssh://, in users.users.${entry}.openssh.authorizedKeys), keep it out of wheel, and let it copy only signed paths (sign on the builder or deploy host with nix.settings.secret-key-files, trust that key with nix.settings.trusted-public-keys here, then drop "${entry}" from trusted-users); list who may use the daemon at all with nix.settings.allowed-users.`,
        },
      },
    };
  }
  // A wheel member's root through the daemon skips sudo's password prompt, unless the host's sudo
  // asks none: then only the sudo log is missed, and this adds no new way to root.
  // Nothing to report there: NixOS admins judging samples of real findings called "adds no new way
  // to root" findings noise (TUM-DSE, NobbZ, srid: wheel's sudo already asks no password).
  if (e.verdict.viaWheel && wheelPasswordless(scope) !== undefined) return;
  // "@admin" copied from a nix-darwin configuration (where admin is the Mac's administrators) into
  // a NixOS one: NixOS has no admin group unless the configuration makes one, so the entry trusts
  // no one (dustinlyons/nixos-config hosts/nixos, judged wrong).
  // Judged on whole hosts: a lone module's host may declare the group elsewhere.
  if (e.verdict.undeclaredGroup && scope.kind === "host" && !groupDeclared(scope, e.verdict.undeclaredGroup)) return;
  // Nor where the user (or every member of the group, through the group) already has root without
  // a password another way on this host: NOPASSWD sudo for them or their group, wheel without a
  // password (set in another file), their keys in root's authorized_keys (TUM-DSE's staff).
  if (entry !== "*" && entry !== "@users") {
    if (entry.startsWith("@") ? groupRootWay(scope, entry.slice(1)) : otherRootWays(scope, entry).length) return;
  }
  // The other entries that keep the same users trusted: removing this one alone changes nothing
  // for them (nix-community-infra: admin is in @wheel and in @trusted).
  const covered = entry === "*" || entry === "@users" ? [] : entry.startsWith("@") ? membersOf(scope, entry.slice(1)) : [entry];
  const others = new Map<string, { entry: string; at: string; users: string[] }>();
  if (covered.length) {
    for (const o of trustedEntries(scope)) {
      if (o.entry === entry || o.entry === "root") continue;
      const users = covered.filter((u) => o.entry === u || o.entry === "*" || (o.entry.startsWith("@") && groupsOf(scope, u).has(o.entry.slice(1))));
      if (users.length && !others.has(o.entry)) others.set(o.entry, { ...o, users });
    }
  }
  const also = [...others.values()];
  const alsoText = also.length
    ? ` Removing "${entry}" alone changes nothing for ${[...new Set(also.flatMap((o) => o.users))].join(", ")}: also trusted through ${also.map((o) => `"${o.entry}" (${o.at})`).join(", ")}.`
    : "";
  report({
    ...e.report,
    message: e.report.message.replace(WHY, e.verdict.why) + alsoText,
    fix: e.report.fix && also.length ? { ...e.report.fix, description: `${e.report.fix.description} Remove ${also.map((o) => `"${o.entry}" (${o.at})`).join(" and ")} too, or the users it covers stay trusted.` } : e.report.fix,
  });
});

export const nixTrustedUsers: Rule = {
  id: "nix-trusted-users",
  examples: {
    fire: [
      // Medium: alice is no administrator, and becomes root-equivalent.
      hostExample(`{ nix.settings.trusted-users = [ "root" "alice" ];\n  users.users.alice.isNormalUser = true;\n}\n`),
      // Low: the owner's admin account, declared under another attribute name (name = "lass").
      hostExample(`{ nix.settings.trusted-users = [ "root" "lass" ];\n  users.users.mainUser = { name = "lass"; isNormalUser = true; extraGroups = [ "wheel" ]; };\n}\n`),
      // Low: a dedicated remote-build account with one key; medium with several machines' keys.
      hostExample(`{ nix.settings.trusted-users = [ "nixbuilder" ];\n  users.users.nixbuilder = { isSystemUser = true; group = "nixbuilder"; openssh.authorizedKeys.keys = [ "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJg6g95m4hjhES builder-client" ]; };\n}\n`),
      hostExample(`{ nix.settings.trusted-users = [ "builder" ];\n  users.users.builder = { isNormalUser = true; openssh.authorizedKeys.keys = [ "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA1 nas" "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB2 hydra" "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC3 laptop" ]; };\n}\n`),
      // Rated low: every member of the group is an admin already.
      hostExample(
        `{ nix.settings.trusted-users = [ "root" "@nixers" ];\n  users.users.alice = { isNormalUser = true; extraGroups = [ "wheel" "nixers" ]; };\n  users.users.bob = { isNormalUser = true; extraGroups = [ "wheel" "nixers" ]; };\n}\n`,
      ),
      // Still medium: carol is in the group but not in wheel.
      hostExample(
        `{ nix.settings.trusted-users = [ "root" "@nixers" ];\n  users.users.alice = { isNormalUser = true; extraGroups = [ "wheel" "nixers" ]; };\n  users.users.carol = { isNormalUser = true; extraGroups = [ "nixers" ]; };\n}\n`,
      ),
      // Looks the same, but another module forces the prompt back (mkForce beats mkDefault): the
      // usual reason, sudo's prompt skipped.
      hostExample(
        `{ lib, ... }: {\n  imports = [ ./strict.nix ];\n  nix.settings.trusted-users = [ "root" "@wheel" ];\n  security.sudo.wheelNeedsPassword = lib.mkDefault false;\n}\n`,
        "configuration.nix",
        { "strict.nix": `{ lib, ... }: { security.sudo.wheelNeedsPassword = lib.mkForce true; }\n` },
      ),
      // The message and fix name "@trusted" too: admin stays trusted through it without "@wheel".
      hostExample(`{ nix.settings.trusted-users = [ "root" "@wheel" "@trusted" ];\n  users.users.admin = { isNormalUser = true; extraGroups = [ "wheel" "trusted" ]; };\n}\n`),
    ],
    silent: [
      hostExample(`{ nix.settings.trusted-users = [ "root" ]; }\n`),
      // Wheel's sudo asks no password on this host: there is no prompt to skip, no new way to root.
      hostExample(`{ nix.settings.trusted-users = [ "root" "@wheel" ];\n  security.sudo.wheelNeedsPassword = false;\n}\n`),
      // The only wheel member already has root without a password through doas.
      hostExample(`{ nix.settings.trusted-users = [ "@wheel" ];\n  users.users.anton = { isNormalUser = true; extraGroups = [ "wheel" ]; };\n  security.doas = { enable = true; extraRules = [ { users = [ "anton" ]; noPass = true; } ]; };\n}\n`),
      // alice already has root without a password: a NOPASSWD sudo rule for every command.
      hostExample(`{ nix.settings.trusted-users = [ "alice" ];\n  users.users.alice.isNormalUser = true;\n  security.sudo.extraRules = [ { users = [ "alice" ]; commands = [ { command = "ALL"; options = [ "NOPASSWD" ]; } ]; } ];\n}\n`),
      // Nix not managed by this configuration (Determinate Nix): no nix.conf is written.
      hostExample(`{\n  nix.enable = false;\n  nix.settings.trusted-users = [ "@admin" "alice" ];\n}\n`),
    ],
  },
  name: "Nix trusted users beyond root",
  category: "access",
  severity: "medium",
  rationale:
    "A Nix trusted user can configure substituters, skip signature checks and import arbitrary store paths into the daemon's store; the Nix manual calls it essentially equivalent to root. Each entry is a root account that sudo does not see.",
  fix: "Keep trusted-users to root; deploy with sudo (nixos-rebuild --use-remote-sudo), sign store paths you copy, and use allowed-users to control who may use the daemon.",
  references: [
    nixConfSetting("trusted-users", "trusted-users (\"essentially equivalent to giving that user root access\")"),
    nixosOption("nix.settings.trusted-users"),
  ],
  compliance: { cis: ["5.4 User Accounts and Environment"], nist: ["PR.AA-05"] },
  ...checks,
};
