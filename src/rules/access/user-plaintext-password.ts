// user-plaintext-password: a user's password written into the configuration.
// - `users.users.<name>.password = "..."`: the plaintext is in the repository and, hashed at
//   activation from a store file, world-readable in /nix/store. High; critical for root or a
//   wheel member (the password then is root's, or sudo's).
// - `initialPassword`: the same text, used when the account is created and kept by anyone who never
//   changes it. Medium; high for root or wheel.
// - an empty `password`: anyone can log in with an empty password. High.
// - `hashedPassword = ""` ("User with an empty password"): NixOS lets the user log in on a console
//   without a password (never over SSH, su or sudo). Medium; low for a user not in wheel on a host
//   whose sshd takes no passwords (PasswordAuthentication off as the host ends up with it) or does
//   not run: a console-only, unprivileged login, what a kiosk or media account is for. Judged per
//   host. The fix says the trade-off: "!" locks password logins; autologin is the kiosk's way.
// - `hashedPassword` / `initialHashedPassword` with a crypt hash: low. Fine in a private
//   repository, but in a public one (or once it leaks) weak passwords fall to offline cracking;
//   hashedPasswordFile with a secret keeps it out. Locked values ("!", "*") are silent.
// Judged per host (inContext): a wheel member's password is no sudo password where wheel's sudo
// asks none (said so, never "also their sudo password"); `password` with users.mutableUsers not
// false is set only when the account is created (rated as initialPassword); a plaintext password
// sshd does not take (sshd off, PasswordAuthentication off, AllowUsers leaving the user out) is one
// level lower, and one more where the console logs the user in automatically.
// The evidence never shows the value: only its redaction (`redact` from src/secrets).
import { staticValue } from "../../nix/values.js";
import { isPlaceholder, nonSecretShape, redact } from "../../secrets/index.js";
import type { Severity } from "../../report/schema.js";
import { appliedScope, externalImports, hostValue, isDead, type Scope } from "../shared/scope.js";
import { wheelPasswordless } from "./wheel-sudo.js";
import { isAdmin, userOption, usersIn } from "./users.js";
import type { NixFileContext, Rule, RuleReport } from "../types.js";
import { hostExample } from "../shared/examples.js";
import { perHost } from "../shared/per-host.js";
import { passwordAuthentication, SSHD_ENABLE, sshdDisabled, sshdNotEnabledOnHost } from "./sshd.js";
import { machineKind } from "./machine.js";
import type { OptionDefinition } from "../../nix/options.js";
import { nixosManual, nixosOption } from "../shared/references.js";
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { attrpathSegments, staticString, unparen } from "../../nix/read.js";
import { definitionOf, enclosingDefinition, inOptionDocumentation, syntacticPath } from "../nix-strings.js";

const OPTIONS = new Set(["password", "initialPassword", "hashedPassword", "initialHashedPassword"]);

/** One password definition, judged with what its file says; an empty hash is judged per host. */
interface PasswordDef {
  def: OptionDefinition;
  user: string;
  admin: boolean;
  /** `hashedPassword = ""` (or initialHashedPassword): a console login without a password. */
  emptyHash: boolean;
  /** `password = ""` (or initialPassword). */
  emptyPlain: boolean;
  /** Which option: password, initialPassword, hashedPassword, initialHashedPassword. */
  option: string;
  /** A non-empty plaintext (password or initialPassword). */
  plaintext: boolean;
  /** How the message names the user (with the wheel note). */
  who: string;
  report: RuleReport;
}

/** A plaintext password set only while the user's hash is null, next to a hash read from a secret
 * (not a literal): the condition and the secret's definition, else undefined. */
function fallbackFor(ctx: NixFileContext, def: OptionDefinition, user: string, option: string): { cond: string; secret: string } | undefined {
  if (option !== "password" && option !== "initialPassword") return undefined;
  const cond = def.conditions.find((c) => c.kind !== "else" && /\bhashedPassword(?:File)?\s*==\s*null\b/.test(c.text));
  if (!cond) return undefined;
  const field = /\bhashedPasswordFile\b/.test(cond.text) ? "hashedPasswordFile" : "hashedPassword";
  const prefix = def.path.slice(0, def.path.length - option.length);
  const secret = (ctx.index.byPath.get(prefix + field) ?? []).find((d) => !isDead(d) && d.inner && typeof staticValue(d.inner) !== "string");
  if (!secret) return undefined;
  void user;
  return { cond: cond.text.replace(/\s+/g, " "), secret: `${prefix}${field} (line ${secret.line})` };
}

function passwords(ctx: NixFileContext): PasswordDef[] {
  const out: PasswordDef[] = [];
  let users: ReturnType<typeof usersIn> | undefined;
  for (const def of ctx.index.definitions) {
    const u = userOption(def);
    if (!u || u.rest.length !== 1 || !OPTIONS.has(u.rest[0]!) || isDead(def)) continue;
    const value = staticValue(def.inner);
    if (typeof value !== "string") continue;
    const option = u.rest[0]!;
    users ??= usersIn(ctx);
    // A fallback for a build without the secret: `password = mkIf (config.users.users.<u>.hashedPassword
    // == null) "password"` beside `hashedPassword = readSecret null ./pwhash.secret`. The real host
    // gets the secret's hash, and NixOS uses the plaintext only when the secret is missing (a checkout
    // whose git-crypt is locked). tejing1-nixos-config tejingdesk/root.nix and users/tejing: critical,
    // judged WRONG ("should be info") in the corpus11 census (#294, #295).
    const fallback = fallbackFor(ctx, def, u.user, option);
    if (fallback) {
      out.push({
        def,
        user: u.user,
        admin: false,
        emptyHash: false,
        emptyPlain: false,
        option,
        plaintext: false,
        who: u.user,
        report: {
          node: def.inner ?? def.binding,
          optionPath: def.path,
          severity: "info",
          title: "Fallback user password for a build without the secret",
          message: `${def.path} is set only when ${fallback.cond} (under mkIf), and ${fallback.secret} gives the hash from a secret: the plaintext is a fallback for a build made without that secret (a locked git-crypt checkout), not ${u.user}'s password on a deployed host. If such a build is ever deployed, ${u.user}'s password is the one in the repository. (Maintenance, not security: it does not lower the host's score.)`,
          evidence: `${def.path} = <redacted: ${redact(value)}>`,
          fix: { safety: "manual", description: `Make a build without the secret fail instead (an assertion that the hash is set), or lock the account there (hashedPassword = "!").` },
        },
      });
      continue;
    }
    const admin = isAdmin(users.get(u.user), u.user);
    const who = owner(u.user, admin);
    // `<redacted: …>`: the scan's own redaction leaves a placeholder in angle brackets alone.
    const shown = value === "" ? '""' : `<redacted: ${redact(value)}>`;
    const evidence = `${def.path} = ${shown}`;
    let severity: Severity;
    let message: string;
    let fix: string;
    let title: string;
    const hashed = option === "hashedPassword" || option === "initialHashedPassword";
    if (!hashed) {
      title = value === "" ? "User with an empty password" : "Plaintext user password";
      if (value === "") {
        severity = "high";
        // sudo, su and sshd refuse an empty password: it is no sudo password (nyx's apollon, judged).
        const whoEmpty = u.user === "root" ? "root" : admin ? `${u.user} (a wheel member)` : u.user;
        message = `${def.path} is the empty string: ${whoEmpty} can log in with an empty password.`;
      } else {
        const initial = option === "initialPassword";
        severity = initial ? (admin ? "high" : "medium") : admin ? "critical" : "high";
        const placeholder = isPlaceholder(value) ? " It looks like a placeholder, but it is deployed as the real password." : "";
        message = initial
          ? `${def.path} holds ${who}'s first password in plaintext: it is in the repository's history and in the world-readable Nix store, and remains the password until someone changes it.${placeholder}`
          : `${def.path} holds ${who}'s password in plaintext: it is in the repository's history and in the world-readable Nix store, and with users.mutableUsers = false it is set again on every activation.${placeholder}`;
      }
      fix = `Remove ${option}; generate a hash with \`mkpasswd -m yescrypt\`, keep it in a secret (agenix, sops-nix) and set users.users.${u.user}.hashedPasswordFile. Change the password: it has been exposed.`;
    } else {
      if (/^[!*]+$/.test(value) || value.startsWith("!")) continue; // locked account
      title = "User password hash in the repository";
      if (value === "") {
        title = "User with an empty password";
        severity = "medium";
        // An empty hash is not a sudo password (sudo does not accept it): the wheel note is shorter.
        const whoEmpty = u.user === "root" ? "root" : admin ? `${u.user} (a wheel member)` : u.user;
        message = `${def.path} = "": NixOS lets ${whoEmpty} log in on a console without being asked for a password (meant for live images).`;
        fix =
          `Set a hash with hashedPasswordFile for a password login. "!" instead locks ${u.user} out of password logins altogether (keys and autologin still work): ` +
          `for a kiosk or media user meant to start without a password, keep "!" and log it in with the display manager's autologin (services.displayManager.autoLogin) or services.getty.autologinUser.`;
      } else if (nonSecretShape(value) === "crypt-hash") {
        severity = "low";
        message = `${def.path} commits ${who}'s password hash to the repository: in a public repository (or once it leaks) a weak password falls to offline cracking.`;
        fix = `Move the hash to a secret (agenix, sops-nix) and set users.users.${u.user}.hashedPasswordFile; use a long random password.`;
      } else {
        severity = "medium";
        message = `${def.path} is not a crypt(3) hash (${value.length} characters): if it is a plaintext password, it is exposed in the repository, and the account cannot log in with it.`;
        fix = `Put a real hash (mkpasswd -m yescrypt) in a secret and use hashedPasswordFile.`;
      }
    }
    out.push({
      def,
      user: u.user,
      admin,
      emptyHash: hashed && value === "",
      emptyPlain: !hashed && value === "",
      option,
      plaintext: !hashed && value !== "",
      who,
      report: { node: def.inner ?? def.binding, optionPath: def.path, severity, title, message, evidence, fix: { safety: "manual", description: fix } },
    });
  }
  out.push(...argumentHashes(ctx));
  out.push(...unindexedPlaintext(ctx));
  return out;
}

/** The user a `password`/`initialPassword` binding belongs to when users.users names it directly:
 * in the same attribute path (`users.users.alice.password`), or as a key of the set literal that is
 * users.users' value, binding on binding. Undefined when a function builds the set in between. */
function directUserName(b: SyntaxNode): string | undefined {
  const chain: SyntaxNode[] = [];
  for (let p: SyntaxNode | null = b; p; p = p.parent) if (p.kind === K.NODE_ATTRPATH_VALUE) chain.push(p);
  // Innermost first: each binding's names, until the one naming users.users.
  const names: string[] = [];
  for (let i = 0; i < chain.length; i++) {
    const path = chain[i]!.childNodes()[0];
    const segs = path?.kind === K.NODE_ATTRPATH ? attrpathSegments(path).map((x) => (x.dynamic ? "*" : x.name)) : [];
    names.unshift(...segs);
    const u = names.findIndex((n, j) => n === "users" && (names[j + 1] === "users" || names[j + 1] === "extraUsers"));
    if (u >= 0) return names[u + 2] === "*" ? undefined : names[u + 2];
    // The next binding out must hold this one directly: its value is the set this binding is in.
    const set = chain[i]!.parent;
    const outer = chain[i + 1];
    if (!outer || set?.kind !== K.NODE_ATTR_SET || unparen(outer.childNodes()[1]) !== set) return undefined;
  }
  return undefined;
}

/** `users.users.<name>.initialPassword = "…"` (or `password`) written where the option index does
 * not follow: a module kept as the default of an option (a submodule's `static` module that the
 * repository's own user option turns into users.users, mightyiam-infra modules/users.nix), a
 * module built by a function call. The same plaintext, deployed as written; which hosts it reaches
 * is not known, so it is judged as its file's. */
function unindexedPlaintext(ctx: NixFileContext): PasswordDef[] {
  if (!/\b(?:initialPassword|password)\s*=/.test(ctx.text)) return [];
  const out: PasswordDef[] = [];
  for (const b of ctx.parsed.root.descendants(K.NODE_ATTRPATH_VALUE)) {
    const path = b.childNodes()[0];
    if (path?.kind !== K.NODE_ATTRPATH) continue;
    const last = path.childNodes().at(-1);
    const option = last?.kind === K.NODE_IDENT ? last.text : "";
    if (option !== "initialPassword" && option !== "password") continue;
    const segs = syntacticPath(b);
    const at = segs.length - 4;
    if (at < 0 || segs[at] !== "users" || (segs[at + 1] !== "users" && segs[at + 1] !== "extraUsers")) continue;
    if (definitionOf(ctx.index, b)) continue; // an option the loop above judges
    const value = unparen(b.childNodes()[1]);
    const text = value?.kind === K.NODE_STRING ? staticString(value) : undefined;
    if (!text || inOptionDocumentation(value!)) continue;
    const around = enclosingDefinition(ctx.index, b);
    if (around && isDead(around)) continue;
    // A module for a build-vm variant or an installer image, not the host's own accounts
    // (Enzime-dotfiles-nix: virtualisation.allVmVariants and image.modules.iso-installer log in
    // with "apple"): a throwaway VM's or a live image's password.
    if (/(?:^|\.)(?:vmVariant\w*|\w*VmVariants?)(?:\.|$)|(?:^|\.)image\.modules\.|(?:^|\.)isoImage\./.test(`${around?.path ?? ""} ${segs.join(".")}`)) continue;
    // The name only where it is written as users.users' attribute (`users.users.${name}` or a key of
    // the set users.users is given); `{ name = u; value = { password = ...; }; }` inside a
    // listToAttrs is no user called "value" (olafkfreund-nixos_config lib/live-images.nix).
    const name = directUserName(b) ?? "*";
    const user = name === "*" ? "a user" : name;
    const set = b.parent;
    const admin = name === "root" || (set?.kind === K.NODE_ATTR_SET && /"wheel"/.test(set.text));
    const who = owner(user, admin);
    const initial = option === "initialPassword";
    const pos = ctx.parsed.source.lines.position(b.start);
    const shownPath = `users.users.${name === "*" ? "<name>" : name}.${option}`;
    const def = around ?? standIn(shownPath, b, path, value!, pos);
    out.push({
      def,
      user,
      admin,
      emptyHash: false,
      emptyPlain: false,
      option,
      plaintext: true,
      who,
      report: {
        node: value!,
        key: `unindexed:${name}:${option}`,
        severity: initial ? (admin ? "high" : "medium") : admin ? "critical" : "high",
        title: "Plaintext user password",
        message:
          `${shownPath} is set to a plaintext literal in a module this file builds (${around ? `inside ${around.path}` : "not a direct option definition"}): ${who === "a user" ? "every user it is applied to gets" : `${who} gets`} this ${initial ? "first " : ""}password, which is in the repository's history and in the world-readable Nix store` +
          (initial ? ", and remains the password until someone changes it." : "."),
        evidence: `${shownPath} = <redacted: ${redact(text)}>`,
        fix: { safety: "manual", description: `Remove ${option}; generate a hash with \`mkpasswd -m yescrypt\`, keep it in a secret (agenix, sops-nix) and set hashedPasswordFile. Change the password: it has been exposed.` },
      },
    });
  }
  return out;
}

/** How a message names the account a password belongs to. */
function owner(user: string, admin: boolean): string {
  return user === "root" ? "root" : admin ? wheelMember(user) : user;
}

function wheelMember(user: string): string {
  return `${user} (a wheel member, so this is also their sudo password)`;
}

/** A definition standing for a binding the option index does not hold as one (its path is what
 * the message shows). */
function standIn(path: string, binding: SyntaxNode, attrpath: SyntaxNode | undefined, value: SyntaxNode, at: { line: number; column: number }): OptionDefinition {
  return { path, segments: [], binding, attrpath, value, inner: value, conditions: [], via: [], isLeaf: true, line: at.line, column: at.column };
}

/** `{ username = "ners"; initialHashedPassword = "$6$…"; }` handed to a function (a profile that
 * builds users.users from its arguments: ners-NixOS profiles/users/*, `import common (args // {
 * … })`): the same committed hash as the option, which the options alone did not show. */
function argumentHashes(ctx: NixFileContext): PasswordDef[] {
  if (!/hashedPassword/i.test(ctx.text)) return [];
  const out: PasswordDef[] = [];
  for (const b of ctx.parsed.root.descendants(K.NODE_ATTRPATH_VALUE)) {
    const path = b.childNodes()[0];
    const key = path?.kind === K.NODE_ATTRPATH ? path.text.trim() : "";
    if (key !== "hashedPassword" && key !== "initialHashedPassword") continue;
    const set = b.parent;
    // An argument: the set is applied to a function, or merged into one (`args // { … }`).
    if (set?.kind !== K.NODE_ATTR_SET || !(set.parent?.kind === K.NODE_APPLY || set.parent?.kind === K.NODE_BIN_OP)) continue;
    if (definitionOf(ctx.index, b)) continue; // an option of its own: the loop above judges it
    const value = unparen(b.childNodes()[1]);
    const hash = value?.kind === K.NODE_STRING ? staticString(value) : undefined;
    if (hash === undefined || nonSecretShape(hash) !== "crypt-hash") continue;
    // Inside a definition (`imports = [ (import ./common (args // { … })) ]` is none): that one;
    // else the binding stands for itself (where it is decides which hosts judge it).
    const around = enclosingDefinition(ctx.index, b);
    if (around && isDead(around)) continue;
    const at = ctx.parsed.source.lines.position(b.start);
    const def = around ?? standIn(`users.users.<${key}>`, b, path, value!, at);
    const nameNode = set.childNodes().find((c) => c.kind === K.NODE_ATTRPATH_VALUE && /^(?:username|userName|user|name)$/.test(c.childNodes()[0]?.text.trim() ?? ""));
    const nameValue = nameNode ? unparen(nameNode.childNodes()[1]) : undefined;
    const user = (nameValue?.kind === K.NODE_STRING ? staticString(nameValue) : undefined) ?? "a user";
    const admin = /"wheel"/.test(set.text);
    const who = admin ? wheelMember(user) : user;
    out.push({
      def,
      user,
      admin,
      emptyHash: false,
      emptyPlain: false,
      option: key,
      plaintext: false,
      who,
      report: {
        node: value!,
        key: `argument:${user}:${key}`,
        severity: "low",
        title: "User password hash in the repository",
        message: `${key} is passed to a function that makes the user ${user}: it commits ${who}'s password hash to the repository, as the option itself would, and in a public repository (or once it leaks) a weak password falls to offline cracking.`,
        evidence: `${key} = <redacted: ${redact(hash)}>`,
        fix: { safety: "manual", description: `Move the hash to a secret (agenix, sops-nix) and have the function set users.users.<name>.hashedPasswordFile from it; use a long random password.` },
      },
    });
  }
  return out;
}

/** Why the scope builds a live or installer image (its isoImage/sdImage/netboot options, an
 * installer profile), else undefined. */
function liveImage(scope: Scope): string | undefined {
  for (const prefix of ["isoImage", "image.iso", "sdImage", "netboot"]) {
    if (scope.matching(`${prefix}.*`).some((d) => !isDead(d.def))) return `it sets ${prefix}.*`;
  }
  const m = machineKind(scope);
  return m?.kind === "installer" ? `it imports ${m.profile}` : undefined;
}

/** The microvm.nix guest options the scope sets (`microvm.volumes`, `microvm.hypervisor`; not the
 * host module's microvm.vms), when no file of it enables sshd: which, else undefined. */
function microvmGuest(scope: Scope): string | undefined {
  const e = hostValue(appliedScope(scope), ...SSHD_ENABLE);
  if (e.kind !== "unset" && !(e.kind === "known" && e.value === false)) return undefined;
  for (const f of scope.files) {
    for (const d of f.index.definitions) {
      if (isDead(d)) continue;
      const m = /^microvm\.(?!vms\b|host\b|autostart\b|stateDir\b)([\w-]+)/.exec(d.path);
      if (m) return `it sets microvm.${m[1]}`;
    }
  }
  return undefined;
}

/** Why nobody reaches the account but at the console on this host, if so: sshd takes no passwords
 * (or does not run). NixOS itself accepts an empty hash only for console logins (not SSH, su or
 * sudo); this is the host's own lock on top of that. */
function consoleOnly(scope: Scope): string | undefined {
  if (sshdDisabled(scope)) return "sshd is disabled";
  if (scope.kind === "host" && scope.defaultsApply && sshdNotEnabledOnHost(scope) && !externalImports(scope).some((i) => !i.known)) return "sshd is not enabled";
  const pw = passwordAuthentication(scope);
  return pw.state === "off" ? `sshd's password authentication is off (${pw.why})` : undefined;
}

const LOWER: Record<Severity, Severity> = { critical: "high", high: "medium", medium: "low", low: "low", info: "info" };

// Options that log a user in at the console without a password (display managers, getty).
const AUTOLOGIN = [
  "services.displayManager.autoLogin.user",
  "services.xserver.displayManager.autoLogin.user",
  "services.xserver.displayManager.gdm.autoLogin.user",
  "services.xserver.displayManager.lightdm.autoLogin.user",
  "services.getty.autologinUser",
];

/** The autologin option that logs `user` in on this host, else undefined. */
function autologinOf(scope: Scope, user: string): string | undefined {
  const s = appliedScope(scope);
  for (const path of AUTOLOGIN) {
    const v = hostValue(s, path);
    if (v.kind !== "known" || v.value !== user) continue;
    // `autoLogin.enable = false` next to the user turns it off.
    const en = path.endsWith(".user") ? hostValue(s, path.replace(/\.user$/, ".enable")) : undefined;
    if (en?.kind === "known" && en.value === false) continue;
    return path;
  }
  return undefined;
}

/** sshd's AllowUsers as the host has it (settings.AllowUsers, `AllowUsers` lines of extraConfig
 * before any Match block; several lines add up), or undefined when it sets none or it cannot be
 * read. */
export function sshAllowUsers(scope: Scope): string[] | undefined {
  const s = appliedScope(scope);
  let out: string[] | undefined;
  const v = hostValue(s, "services.openssh.settings.AllowUsers");
  if (v.kind === "unknown") return undefined;
  if (v.kind === "known" && Array.isArray(v.value)) {
    if (!v.value.every((x) => typeof x === "string")) return undefined;
    out = [...(v.value as string[])];
  }
  for (const d of s.definitions("services.openssh.extraConfig")) {
    const text = staticValue(d.def.inner);
    if (typeof text !== "string") {
      if (/AllowUsers/.test(d.def.inner?.text ?? "")) return undefined;
      continue;
    }
    for (const line of text.split("\n")) {
      const l = line.trim();
      if (/^Match\s/i.test(l)) break;
      const m = /^AllowUsers\s+(.+)$/i.exec(l);
      if (m) out = [...(out ?? []), ...m[1]!.split(/\s+/).filter((x) => x && !x.startsWith("#"))];
    }
  }
  return out;
}

/** Does an AllowUsers pattern (`bob`, `b*`, `bob@10.0.0.0/8`) admit the user? */
function allowsUser(patterns: string[], user: string): boolean {
  return patterns.some((p) => {
    const name = p.split("@")[0]!;
    const re = new RegExp(`^${name.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
    return re.test(user);
  });
}

/** A committed password judged with its host: whether wheel's sudo asks for it at all, whether
 * users.mutableUsers = false sets it again on every activation, whether sshd would take it, and
 * whether the console already logs the user in. bjornfor-nixos-config's media account (a
 * plaintext first password, wheel without a sudo password, keys-only sshd that does not allow
 * media, GDM autologin) and colemickens-nixcfg's hashes were called "also their sudo password"
 * where wheelNeedsPassword = false. */
function inContext(p: PasswordDef, scope: Scope): RuleReport {
  let message = p.report.message;
  // A lone module (no host includes it) is judged with what the file itself sets. "this host", not
  // its name: hosts judged alike stay one finding.
  const here = scope.kind === "host" ? "on this host" : "in this module";
  let severity: Severity = p.report.severity ?? "high";
  // Not sudo's password where wheel's sudo asks none.
  const nopasswd = p.admin && p.user !== "root" ? wheelPasswordless(scope) : undefined;
  if (nopasswd !== undefined && p.who !== p.user && message.includes(p.who)) {
    message = message.replace(p.who, `${p.user} (a wheel member)`);
    message += ` It is no sudo password: wheel's sudo asks none ${here} (security.sudo.wheelNeedsPassword = false${nopasswd ? `, ${nopasswd}` : ""}), so whoever logs in as ${p.user} is root without it.`;
  }
  if (!p.plaintext) return { ...p.report, message };
  // `password` with mutable users: NixOS sets it when it creates the account and never again, the
  // way it treats initialPassword.
  if (p.option === "password") {
    const m = hostValue(appliedScope(scope), "users.mutableUsers");
    if ((m.kind === "unset" && scope.kind === "host" && scope.defaultsApply) || (m.kind === "known" && m.value === true)) {
      message = message.replace(/, and with users\.mutableUsers = false it is set again on every activation\./, `. users.mutableUsers is not false ${here}, so NixOS sets it only when it creates the account: it is the first password, kept until someone changes it.`);
      severity = p.admin ? "high" : "medium";
    }
  }
  // Whether the password is any use over SSH (consoleOnly tells "sshd is not enabled" only where
  // NixOS's defaults apply; an explicit setting counts everywhere).
  let offSsh = consoleOnly(scope);
  if (offSsh === undefined) {
    const allow = sshAllowUsers(scope);
    if (allow && !allowsUser(allow, p.user)) offSsh = `sshd's AllowUsers (${allow.slice(0, 4).join(" ")}${allow.length > 4 ? " ..." : ""}) leaves out ${p.user}`;
  }
  if (offSsh !== undefined) {
    severity = LOWER[severity];
    message += ` Over SSH it is no use ${here}: ${offSsh}. Only the console, or su from an account already on the machine, takes it, so it is rated one level lower.`;
    const auto = autologinOf(scope, p.user);
    if (auto) {
      severity = LOWER[severity];
      message += ` The console logs ${p.user} in without it (${auto}), so the password guards little there either: one more level lower.`;
    }
  }
  return { ...p.report, severity, message };
}

const checks = perHost(passwords, (p, scope, _file, report) => {
  // A user who is not an administrator, with an empty hash, on a host that takes no password over
  // SSH: someone at the keyboard (or the screen of a kiosk) logs in as an unprivileged user, which
  // is what a kiosk or media account is for.
  const why = p.emptyHash && !p.admin ? consoleOnly(scope) : undefined;
  // A throwaway qemu-vm test machine's user with an empty password: on purpose, no secret to keep
  // or rotate, and NixOS takes an empty password at the console only (nyx's apollon, judged high
  // wrongly).
  const machine = why === undefined && (p.emptyPlain || p.emptyHash) ? machineKind(scope) : undefined;
  if (machine?.kind === "vm-test") {
    const where = scope.kind === "host" ? `host ${scope.host}` : "this module";
    return report({
      ...p.report,
      severity: "low",
      message: `${p.report.message} ${where} is a qemu-vm test machine (it imports ${machine.profile}): an empty password for its test user is on purpose, and NixOS accepts an empty password at the console only (not over SSH, su or sudo), so it is reported as low.`,
      fix: { safety: "manual", description: `Nothing to rotate: there is no secret. If the VM is ever reachable by others, lock the account (hashedPassword = "!") and log it in with services.getty.autologinUser instead.` },
    });
  }
  // A microvm.nix guest (it sets the guest's microvm.* options) with sshd enabled in none of its
  // files: an empty password opens only the VM's console, which its hypervisor gives to whoever
  // already runs it on the host (ghuntley-ghuntley's patterns/*/flake.nix examples, an empty root
  // password rated high; judged low twice).
  const guest = why === undefined && machine === undefined && (p.emptyPlain || p.emptyHash) ? microvmGuest(scope) : undefined;
  if (guest) {
    return report({
      ...p.report,
      severity: "low",
      message: `${p.report.message} ${scope.kind === "host" ? `Host ${scope.host}` : "This module"} is a microvm.nix guest (${guest}) and enables no sshd: the empty password opens only the VM's console, which its hypervisor gives to whoever already runs the VM on the host, so it is reported as low.`,
      fix: { safety: "manual", description: `Nothing to rotate: there is no secret. If the VM is ever given sshd or a network console, lock the account (hashedPassword = "!") and log it in with services.getty.autologinUser instead.` },
    });
  }
  // A live or installer image (isoImage, sdImage, netboot options, or an installer profile) whose
  // console logs the user in anyway: the password is the image's bootstrap password, for sudo or a
  // login while installing, on a system that lives until the installation is done
  // (hyperparabolic-nix-config modules/hosts/iso: initialPassword "bootstrap", documented, with
  // autologin; judged "should be low" at medium, corpus11 #201).
  const live = p.plaintext ? liveImage(scope) : undefined;
  const auto = live ? autologinOf(scope, p.user) : undefined;
  if (live && auto) {
    return report({
      ...inContext(p, scope),
      severity: "low",
      message: `${p.report.message} ${scope.kind === "host" ? "This host" : "This module"} builds a live or installer image (${live}) whose console logs ${p.user} in without it (${auto}): it is the image's bootstrap password, kept only until the installed system replaces it, so it is reported as low. Whoever reaches the image over the network while it runs can still use it where sshd takes passwords.`,
    });
  }
  if (why === undefined) return report(p.plaintext || p.who !== p.user ? inContext(p, scope) : p.report);
  const where = scope.kind === "host" ? `on host ${scope.host}` : "in this module";
  report({
    ...p.report,
    severity: "low",
    message: `${p.def.path} = "": ${p.user} logs in without a password at the console only: NixOS accepts an empty hash for console logins alone (not SSH, su or sudo), ${why} ${where}, and ${p.user} is not in wheel. Whoever has the keyboard gets an unprivileged session, which is what a kiosk or media account is for.`,
  });
});

export const userPlaintextPassword: Rule = {
  id: "user-plaintext-password",
  examples: {
    fire: [
      hostExample(`{\n  users.mutableUsers = false;\n  users.users.alice = { isNormalUser = true; password = "correct-horse"; };\n  services.openssh.enable = true;\n}\n`),
      // A kiosk user with an empty password, not in wheel, on a host whose sshd takes no
      // passwords: "User with an empty password", low (a console login only).
      hostExample(
        `{\n  users.users.media = { isNormalUser = true; hashedPassword = ""; };\n  services.openssh.enable = true;\n  services.openssh.settings.PasswordAuthentication = false;\n}\n`,
      ),
      // Looks the same, but the user is in wheel: medium, as before.
      hostExample(
        `{\n  users.users.media = { isNormalUser = true; hashedPassword = ""; extraGroups = [ "wheel" ]; };\n  services.openssh.enable = true;\n  services.openssh.settings.PasswordAuthentication = false;\n}\n`,
      ),
      // Through lib.recursiveUpdate: the installer shape, where the secret file is only set for full
      // hosts and the fixed password is what a minimal image ends up with. wheel is read from the
      // literal list of a `++` (critical: the password is also sudo's).
      hostExample(
        `{ lib, minimal ? true, ... }:\nlet full = lib.optionalAttrs (!minimal) { users.users.alice.hashedPasswordFile = "/run/secrets/alice"; };\nin {\n  config = lib.recursiveUpdate full {\n    users.users.alice = { isNormalUser = true; extraGroups = [ "wheel" ] ++ lib.optional (!minimal) "video"; password = "install"; };\n    users.mutableUsers = false;\n    services.openssh.enable = true;\n  };\n}\n`,
      ),
      // A wheel member's first password on a host whose sshd takes keys only and whose wheel needs
      // no sudo password: it is no sudo password and no use over SSH, so high becomes medium.
      hostExample(`{\n  users.users.bob = { isNormalUser = true; extraGroups = [ "wheel" ]; initialPassword = "bob"; };\n  services.openssh = { enable = true; settings.PasswordAuthentication = false; };\n  security.sudo.wheelNeedsPassword = false;\n}\n`),
      // An empty root password in a microvm.nix guest without sshd: its console only (low).
      hostExample(`{ ... }: {\n  users.users.root.password = "";\n  microvm = { hypervisor = "cloud-hypervisor"; volumes = [ { mountPoint = "/var"; image = "var.img"; size = 256; } ]; };\n}\n`),
      // Info: a fallback used only when the hash's secret is missing (a locked git-crypt checkout).
      hostExample(`{ config, lib, ... }: {\n  users.users.root = {\n    password = lib.mkIf (config.users.users.root.hashedPassword == null) "password";\n    hashedPassword = import ./secret-hash.nix;\n  };\n}\n`),
      // Low: an installer ISO's bootstrap password for a user its console logs in anyway.
      hostExample(`{ lib, ... }: {\n  isoImage.makeEfiBootable = true;\n  services.getty.autologinUser = lib.mkForce "spencer";\n  users.users.spencer = { isNormalUser = true; extraGroups = [ "wheel" ]; initialPassword = "bootstrap"; };\n}\n`),
    ],
    silent: [
      hostExample(`{ users.users.alice = { isNormalUser = true; hashedPasswordFile = "/run/secrets/alice-password"; }; }\n`),
      // Locked: no password login at all.
      hostExample(`{ users.users.media = { isNormalUser = true; hashedPassword = "!"; }; services.getty.autologinUser = "media"; }\n`),
    ],
  },
  name: "User password in the configuration",
  category: "access",
  severity: "high",
  rationale:
    "users.users.<name>.password and initialPassword put the password in plaintext in the repository and in the world-readable Nix store; a committed hash can be cracked offline. Anyone who reads either can log in as that user (and, for an admin, become root).",
  fix: "Use users.users.<name>.hashedPasswordFile pointing at a secret managed by agenix or sops-nix, and rotate any password that was committed.",
  references: [
    nixosOption("users.users.<name>.password", { note: "stored in the Nix store" }),
    nixosOption("users.users.<name>.hashedPasswordFile"),
    nixosOption("users.users.<name>.hashedPassword", { note: "\"\" allows passwordless console login" }),
    nixosManual("User Management", "sec-user-management"),
  ],
  compliance: { cis: ["5.4 User Accounts and Environment", "6.2.1 Ensure password fields are not empty"], nist: ["PR.AA-01", "PR.DS-01"] },
  ...checks,
};
