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
// = false from its common module (srvos nixos/common/openssh.nix), imported by its `server`,
// `desktop` and `common` modules.
import { SyntaxKind as K } from "../../nix/syntax.js";
import { staticValue } from "../../nix/values.js";
import { definitionsOf, effectiveValue, isDead, opaquePrefix, scopeParts, type Scope, type ScopedDef } from "../shared/scope.js";

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
  { title: "NixOS option services.openssh.settings", url: "https://search.nixos.org/options?query=services.openssh.settings" },
  { title: "nixpkgs: nixos/modules/services/networking/ssh/sshd.nix", url: "https://github.com/NixOS/nixpkgs/blob/master/nixos/modules/services/networking/ssh/sshd.nix" },
  { title: "sshd_config(5)", url: "https://man.openbsd.org/sshd_config" },
];

export type Tristate = { state: "on"; why: string; explicit?: ScopedDef } | { state: "off"; why: string } | { state: "unknown"; why: string };

// srvos modules that import its common/openssh.nix.
const SRVOS_COMMON = /\bsrvos\.nixosModules\.(?:server|desktop|common)\b|\bsrvos\.(?:nixosModules\.)?(?:server|desktop|common)\b/;

/** The scope imports srvos's server/desktop/common module. */
export function usesSrvosCommon(scope: Scope): boolean {
  for (const f of scope.files) {
    if (!f.text.includes("srvos")) continue;
    let found = false;
    for (const part of scopeParts(scope, f)) {
      part.walk((n) => {
        if (found) return false;
        if (n.kind === K.NODE_SELECT && SRVOS_COMMON.test(n.text.replace(/\s+/g, ""))) {
          found = true;
          return false;
        }
      });
      if (found) return true;
    }
  }
  return false;
}

/** AuthenticationMethods that leave out password-style methods. */
function methodsExclude(scope: Scope, method: "password" | "keyboard-interactive"): boolean {
  const e = effectiveValue(scope.definitions("services.openssh.settings.AuthenticationMethods"));
  if (e.kind !== "known") return false;
  const text = Array.isArray(e.value) ? e.value.join(" ") : typeof e.value === "string" ? e.value : undefined;
  if (text === undefined || text.trim() === "" || text.trim() === "any") return false;
  return !text.split(/[\s,]+/).some((m) => m === method || m.startsWith(`${method}:`));
}

export function passwordAuthentication(scope: Scope): Tristate {
  if (methodsExclude(scope, "password") && methodsExclude(scope, "keyboard-interactive")) return { state: "off", why: "AuthenticationMethods leaves out password and keyboard-interactive" };
  const e = effectiveValue(definitionsOf(scope, ...SSHD_PASSWORD));
  if (e.kind === "known") {
    if (e.value === true) return { state: "on", why: "PasswordAuthentication = true", explicit: e.at };
    if (e.value === false) return { state: "off", why: "PasswordAuthentication = false" };
    if (e.value === null) return { state: "on", why: "PasswordAuthentication = null leaves OpenSSH's default, yes", explicit: e.at };
    return { state: "unknown", why: "PasswordAuthentication has an unexpected value" };
  }
  if (e.kind === "unknown") return { state: "unknown", why: "PasswordAuthentication is computed" };
  if (opaquePrefix(scope, SSHD_PASSWORD[0]!)) return { state: "unknown", why: "services.openssh is set from an expression" };
  if (usesSrvosCommon(scope)) return { state: "off", why: "srvos sets PasswordAuthentication = false" };
  if (!scope.defaultsApply) return { state: "unknown", why: "PasswordAuthentication is not set in this file" };
  return { state: "on", why: "PasswordAuthentication is not set, and NixOS defaults it to true" };
}

/** The sshd enable definition that turns it on, if any. */
export function sshdEnabled(scope: Scope): ScopedDef | undefined {
  const e = effectiveValue(definitionsOf(scope, ...SSHD_ENABLE));
  return e.kind === "known" && e.value === true ? e.at : undefined;
}

/** A host whose files never turn sshd on (NixOS's default is off): its settings are inert until a
 * module (maybe one from outside the repository) enables it. */
export function sshdNotEnabledOnHost(scope: Scope): boolean {
  return scope.kind === "host" && effectiveValue(definitionsOf(scope, ...SSHD_ENABLE)).kind === "unset";
}

export const INERT_NOTE = " (sshd is not enabled in this host's files, so this applies once some module enables it; reported as low)";

export function sshdDisabled(scope: Scope): boolean {
  const e = effectiveValue(definitionsOf(scope, ...SSHD_ENABLE));
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
