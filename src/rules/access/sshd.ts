// What a scope (a host, or a lone file) says about sshd's authentication, with NixOS's semantics
// (nixos/modules/services/networking/ssh/sshd.nix):
// - settings.PasswordAuthentication and settings.KbdInteractiveAuthentication default to true,
//   PermitRootLogin to "prohibit-password"; `null` leaves a setting out of sshd_config, where
//   OpenSSH's own defaults apply (PasswordAuthentication yes).
// - the legacy options passwordAuthentication, kbdInteractiveAuthentication,
//   challengeResponseAuthentication and permitRootLogin are renamed to the settings ones.
// - security.pam.services.sshd.unixAuth is `PasswordAuthentication == true`: with password
//   authentication off, pam_unix is not in sshd's PAM stack, so keyboard-interactive (which goes
//   through PAM) cannot be answered with the Unix password.
// - services.sshd.enable is an alias of services.openssh.enable.
// Repositories built on srvos get PasswordAuthentication = false and KbdInteractiveAuthentication
// = false (plain priority) from its common module, and openssh.enable from its server module: see
// src/nix/external-modules.ts. The host's value is the winning definition over both.
import { staticValue } from "../../nix/values.js";
import { appliedScope, definitionsOf, effectiveValue, externalImports, hostValue, isDead, opaquePrefix, scopeParts, type Scope, type ScopedDef } from "../shared/scope.js";
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { nixosOption } from "../shared/references.js";
import { filesAnswering } from "../shared/track.js";
import type { NixFileContext } from "../types.js";

export const SSHD_ENABLE = ["services.openssh.enable", "services.sshd.enable"];
export const SSHD_PASSWORD = ["services.openssh.settings.PasswordAuthentication", "services.openssh.passwordAuthentication"];
export const SSHD_KBD = [
  "services.openssh.settings.KbdInteractiveAuthentication",
  "services.openssh.kbdInteractiveAuthentication",
  "services.openssh.challengeResponseAuthentication",
  "services.openssh.settings.ChallengeResponseAuthentication",
];
export const SSHD_ROOT_LOGIN = ["services.openssh.settings.PermitRootLogin", "services.openssh.permitRootLogin"];

export const SSHD_REFERENCES = [
  nixosOption("services.openssh.settings"),
  { title: "nixpkgs: nixos/modules/services/networking/ssh/sshd.nix", url: "https://github.com/NixOS/nixpkgs/blob/master/nixos/modules/services/networking/ssh/sshd.nix" },
  { title: "sshd_config(5)", url: "https://man.openbsd.org/sshd_config" },
];

export type Tristate =
  /** `dependsOn`: external modules the host imports that this scan cannot read, which may set it. */
  | { state: "on"; why: string; explicit?: ScopedDef; dependsOn?: string[] }
  | { state: "off"; why: string }
  | { state: "unknown"; why: string; conflict?: boolean };

/** The scope imports a known module setting PasswordAuthentication (srvos's server/desktop/common). */
export function usesSrvosCommon(scope: Scope): boolean {
  return externalImports(scope).some((i) => i.known?.settings.some((s) => s.path === SSHD_PASSWORD[0]));
}

/** "depends on module X" for a message. */
export function dependsOnText(modules: readonly string[] | undefined): string {
  if (!modules?.length) return "";
  const names = modules.slice(0, 3).join(", ") + (modules.length > 3 ? ` and ${modules.length - 3} more` : "");
  return ` This depends on module${modules.length > 1 ? "s" : ""} ${names}, imported from outside the repository, which the scan cannot read: if ${modules.length > 1 ? "one of them sets" : "it sets"} this option, the host's value differs.`;
}

/** AuthenticationMethods that leave out password-style methods. */
function methodsExclude(scope: Scope, method: "password" | "keyboard-interactive"): boolean {
  const e = effectiveValue(scope.definitions("services.openssh.settings.AuthenticationMethods"));
  if (e.kind !== "known") return false;
  const text = Array.isArray(e.value) ? e.value.join(" ") : typeof e.value === "string" ? e.value : undefined;
  if (text === undefined || text.trim() === "" || text.trim() === "any") return false;
  return !text.split(/[\s,]+/).some((m) => m === method || m.startsWith(`${method}:`));
}

export function passwordAuthentication(host: Scope): Tristate {
  // Settings behind the gate of a module the host imports but does not turn on are not its own.
  const scope = appliedScope(host);
  if (methodsExclude(scope, "password") && methodsExclude(scope, "keyboard-interactive")) return { state: "off", why: "AuthenticationMethods leaves out password and keyboard-interactive" };
  // The winning definition over the host's own and those of known external modules (srvos sets it
  // false at plain priority: the host's `lib.mkForce true` still wins, its mkDefault does not).
  const v = hostValue(scope, ...SSHD_PASSWORD);
  if (v.kind === "known") {
    const by = v.external ? ` (set by ${v.external.module})` : "";
    if (v.value === true) return { state: "on", why: `PasswordAuthentication = true${by}`, explicit: v.at };
    if (v.value === false) return { state: "off", why: `PasswordAuthentication = false${by}` };
    if (v.value === null) return { state: "on", why: "PasswordAuthentication = null leaves OpenSSH's default, yes", explicit: v.at };
    return { state: "unknown", why: "PasswordAuthentication has an unexpected value" };
  }
  if (v.kind === "unknown") return v.conflict ? { state: "unknown", why: v.why, conflict: true } : { state: "unknown", why: "PasswordAuthentication is computed" };
  if (opaquePrefix(scope, SSHD_PASSWORD[0]!)) return { state: "unknown", why: "services.openssh is set from an expression" };
  if (!scope.defaultsApply) return { state: "unknown", why: "PasswordAuthentication is not set in this file" };
  const own = repositoryOpensshOption(scope);
  if (own) return { state: "unknown", why: `${own} is no option of NixOS's openssh module: a module of the repository the scan cannot follow declares it and may set PasswordAuthentication` };
  if (v.dependsOn.length) return { state: "on", why: "PasswordAuthentication is not set in the repository, and NixOS defaults it to true", dependsOn: v.dependsOn };
  return { state: "on", why: "PasswordAuthentication is not set, and NixOS defaults it to true" };
}

/** The options of nixpkgs' openssh module (services.openssh.<name>), current and renamed ones. */
const NIXOS_OPENSSH_OPTIONS = new Set([
  "enable", "package", "ports", "openFirewall", "listenAddresses", "settings", "extraConfig", "hostKeys", "banner", "authorizedKeysFiles",
  "authorizedKeysCommand", "authorizedKeysCommandUser", "authorizedKeysInHomedir", "allowSFTP", "sftpServerExecutable", "sftpFlags",
  "startWhenNeeded", "knownHosts", "moduliFile", "generateHostKeys", "logLevel", "macs", "kexAlgorithms", "ciphers", "passwordAuthentication",
  "permitRootLogin", "kbdInteractiveAuthentication", "challengeResponseAuthentication", "forwardX11", "gatewayPorts", "useDns",
  "usePAM", "hostKeyAlgorithms", "listenAddress", "extraModules", "enableDefaultConfig", "systemdSocket", "socketActivation",
]);

/**
 * A `services.openssh.<name>` the host sets that nixpkgs' openssh module does not declare
 * (`services.openssh.hardening = true`): the host evaluates, so a module of the repository declares
 * it, one the scan could not attribute to the host (loaded through readDir: reckenrode-nixos-configs
 * modules/by-name/op/openssh sets PasswordAuthentication = false under it, judged wrong as "not set
 * anywhere"). Only settings that are on count (`= false` turns nothing on).
 */
function repositoryOpensshOption(scope: Scope): string | undefined {
  for (const { def } of scope.matching("services.openssh.*")) {
    const name = def.segments[2]?.name;
    if (!name || def.segments[2]!.dynamic || NIXOS_OPENSSH_OPTIONS.has(name)) continue;
    if (staticValue(def.inner) === false) continue;
    // Declared by one of the host's own files: the scan reads what that module sets.
    if (scope.files.some((f) => f.index.declarations.some((d) => d.path === def.path || d.path.startsWith(`${def.path}.`)))) continue;
    return def.path;
  }
  return undefined;
}

/** KbdInteractiveAuthentication (and its legacy names) for the scope, as NixOS ends up with it:
 * default true. Only a host's value is told from a default (a lone module's host may set it). */
export function kbdInteractiveAuthentication(host: Scope): Tristate {
  const scope = appliedScope(host);
  if (methodsExclude(scope, "keyboard-interactive")) return { state: "off", why: "AuthenticationMethods leaves out keyboard-interactive" };
  const v = hostValue(scope, ...SSHD_KBD);
  if (v.kind === "known") {
    const by = v.external ? ` (set by ${v.external.module})` : "";
    const name = v.at?.def.path.split(".").at(-1) ?? "KbdInteractiveAuthentication";
    if (v.value === false) return { state: "off", why: `${name} = false${by}` };
    if (v.value === true || v.value === null) return { state: "on", why: `${name} = ${String(v.value)}${by}`, explicit: v.at };
    return { state: "unknown", why: `${name} has an unexpected value` };
  }
  if (v.kind === "unknown") return v.conflict ? { state: "unknown", why: v.why, conflict: true } : { state: "unknown", why: "KbdInteractiveAuthentication is computed" };
  if (opaquePrefix(scope, SSHD_KBD[0]!)) return { state: "unknown", why: "services.openssh is set from an expression" };
  if (!scope.defaultsApply) return { state: "unknown", why: "KbdInteractiveAuthentication is not set in this file" };
  return { state: "on", why: "KbdInteractiveAuthentication is not set, and NixOS defaults it to true", dependsOn: v.dependsOn.length ? v.dependsOn : undefined };
}

/** The sshd enable definition that turns it on, if any. */
export function sshdEnabled(scope: Scope): ScopedDef | undefined {
  const e = effectiveValue(definitionsOf(scope, ...SSHD_ENABLE));
  return e.kind === "known" && e.value === true ? e.at : undefined;
}

// nixpkgs' installer profiles: installation-device.nix (imported by installation-cd-*.nix, the
// sd-card installer images and netboot-minimal) sets `services.openssh.enable = mkDefault true` and
// `settings.PermitRootLogin = mkDefault "yes"` (nixos/modules/profiles/installation-device.nix).
const INSTALLER_PROFILE =
  /(?:profiles\/installation-device|installer\/cd-dvd\/installation-cd-[\w.-]+|installer\/sd-card\/sd-image-[\w-]*installer[\w-]*|installer\/netboot\/netboot-(?:minimal|base))\.nix/;

export interface InstallerProfile {
  file: ScopedDef["file"];
  node: SyntaxNode;
  /** The profile's file name (`installation-cd-minimal.nix`). */
  name: string;
}

/** The nixpkgs installer profile the scope imports (`(modulesPath + "/installer/cd-dvd/installation-cd-minimal.nix")`,
 * `"${nixpkgs}/nixos/modules/profiles/installation-device.nix"` in the host's module list), which
 * turns sshd on. Strings and paths only (a profile named in a comment is not imported). */
export function installerProfile(scope: Scope): InstallerProfile | undefined {
  const found = namedModule(scope, /installation-|sd-image|netboot/, INSTALLER_PROFILE);
  return found && { file: found.file, node: found.node, name: found.match.slice(found.match.lastIndexOf("/") + 1) };
}

// The hint's answer per parse of a file: every host rule asking for a module tests every file.
const hints = new WeakMap<object, Map<string, boolean>>();
function hinted(c: NixFileContext, key: string, hint: RegExp): boolean {
  let byKey = hints.get(c.parsed);
  if (!byKey) hints.set(c.parsed, (byKey = new Map()));
  let yes = byKey.get(key);
  if (yes === undefined) byKey.set(key, (yes = hint.test(c.text)));
  return yes;
}

/** The first string or path of the scope's parts that names a module matching `module` (a module
 * named in a comment is not imported); `hint` is a cheap test of a file's text first. */
export function namedModule(scope: Scope, hint: RegExp, module: RegExp): { file: ScopedDef["file"]; node: SyntaxNode; match: string } | undefined {
  const key = `namedModule\0${hint.source}\0${hint.flags}`;
  for (const file of filesAnswering(scope.files, key, (c) => hinted(c, key, hint))) {
    for (const part of scopeParts(scope, file)) {
      let found: { file: ScopedDef["file"]; node: SyntaxNode; match: string } | undefined;
      part.walk((n) => {
        if (found) return false;
        if (n.kind !== K.NODE_STRING && n.kind !== K.NODE_PATH) return;
        const m = module.exec(n.text);
        if (m) found = { file, node: n, match: m[0] };
        return false;
      });
      if (found) return found;
    }
  }
  return undefined;
}

/** A host whose files never turn sshd on (NixOS's default is off): its settings are inert until a
 * module (maybe one from outside the repository) enables it. Not a host importing an installer
 * profile, which turns it on (EmergentMind's ISO, judged: "sshd is not enabled" was false there). */
export function sshdNotEnabledOnHost(scope: Scope): boolean {
  return scope.kind === "host" && hostValue(scope, ...SSHD_ENABLE).kind === "unset" && !installerProfile(scope);
}

export const INERT_NOTE = " (sshd is not enabled in this host's files, so this applies once some module enables it; reported as low)";

export function sshdDisabled(scope: Scope): boolean {
  const e = hostValue(scope, ...SSHD_ENABLE);
  return e.kind === "known" && e.value === false;
}

/** sshd's port is not opened by its module (openFirewall = false). */
export function sshdFirewallClosed(scope: Scope): boolean {
  const e = effectiveValue(scope.definitions("services.openssh.openFirewall"));
  return e.kind === "known" && e.value === false;
}

export { methodsExclude };

// PAM modules that make keyboard-interactive a second factor (or a login without a password):
// per service, and the global switches that add them to every service.
const PAM_SECOND_FACTORS = ["googleAuthenticator.enable", "oathAuth", "u2fAuth", "yubicoAuth", "duoSecurity.enable", "rssh", "p11Auth"];
const PAM_GLOBAL_SECOND_FACTORS = ["security.pam.oath.enable", "security.duosec.ssh"];
// Modules that add a password check of their own to every PAM service (sshd's included), so
// keyboard-interactive asks for a (directory) password even with pam_unix out of the stack.
const PAM_DIRECTORY_PASSWORDS = ["security.pam.krb5.enable", "users.ldap.enable", "services.sssd.enable"];

export function sshdPamModules(scope: Scope): { secondFactor?: string; directoryPassword?: string } {
  const on = (path: string) => scope.definitions(path).some(({ def }) => !isDead(def) && staticValue(def.inner) === true);
  const perService = PAM_SECOND_FACTORS.find((opt) => on(`security.pam.services.sshd.${opt}`))?.replace(/\.enable$/, "");
  return {
    secondFactor: perService ?? PAM_GLOBAL_SECOND_FACTORS.find(on),
    directoryPassword: PAM_DIRECTORY_PASSWORDS.find(on),
  };
}
