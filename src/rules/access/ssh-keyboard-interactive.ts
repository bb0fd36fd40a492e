// ssh-keyboard-interactive: KbdInteractiveAuthentication (legacy kbdInteractiveAuthentication and
// challengeResponseAuthentication) set to true. Keyboard-interactive authentication asks whatever
// sshd's PAM stack asks. NixOS puts pam_unix into that stack only when PasswordAuthentication is
// true (security.pam.services.sshd.unixAuth), so:
// - with passwords on, it is a second way in with the Unix password: medium;
// - with passwords off and a directory module (Kerberos, LDAP, SSSD) in PAM: a password login
//   through the back door: medium;
// - with passwords off and a second-factor module for sshd (Google Authenticator, OATH, Duo...):
//   what it is for, silent;
// - with passwords off and nothing else: it can answer nothing; low, turn it off before it
//   becomes a path.
// Left at its default (true), it matters only when PasswordAuthentication is on, which
// ssh-password-authentication reports (its fix turns both off); it is not reported twice.
import { replaceNode } from "../../nix/edit.js";
import { hostValue, scoped, type Scope } from "../shared/scope.js";
import { INERT_NOTE, methodsExclude, passwordAuthentication, sshdDisabled, sshdNotEnabledOnHost, sshdPamModules, SSHD_KBD, SSHD_REFERENCES } from "./sshd.js";
import type { Rule } from "../types.js";
import { hostExample } from "../shared/examples.js";
import { nixosOption } from "../shared/references.js";

function check(scope: Scope): void {
  // The winning definition: srvos's plain `false` beats the host's mkDefault `true`.
  const e = hostValue(scope, ...SSHD_KBD);
  if (e.kind !== "known" || e.value !== true || !e.at) return;
  if (sshdDisabled(scope) || methodsExclude(scope, "keyboard-interactive")) return;
  const pam = sshdPamModules(scope);
  const pw = passwordAuthentication(scope);
  let severity: "medium" | "low";
  let why: string;
  if (pw.state === "off") {
    if (pam.directoryPassword) {
      severity = "medium";
      why = `password authentication is off, but ${pam.directoryPassword} adds a password check to every PAM service, so keyboard-interactive accepts directory passwords`;
    } else if (pam.secondFactor) return;
    else {
      severity = "low";
      why = "password authentication is off, so NixOS leaves pam_unix out of sshd's PAM stack and this method has nothing to ask today; it becomes a password login as soon as a PAM module that checks passwords is added";
    }
  } else {
    severity = "medium";
    why =
      pw.state === "on"
        ? `password authentication is on (${pw.why}), so pam_unix is in sshd's PAM stack and this is a second way to log in with the Unix password`
        : `if password authentication is on (${pw.why}), pam_unix is in sshd's PAM stack and this is a second way to log in with the Unix password`;
  }
  const { file, def } = e.at;
  const inert = sshdNotEnabledOnHost(scope);
  scope.report(file, {
    node: def.inner ?? def.binding,
    optionPath: def.path,
    severity: inert ? "low" : severity,
    title: "SSH keyboard-interactive authentication enabled",
    message: `${def.path} = true: keyboard-interactive authentication asks whatever sshd's PAM stack asks; ${why}.${inert ? INERT_NOTE : ""}`,
    fix: {
      safety: "review",
      description: "Set it to false unless a PAM second factor (security.pam.services.sshd.googleAuthenticator, oathAuth, duoSecurity) is meant to use it.",
      edits: def.inner ? [replaceNode(file.file, def.inner, "false")] : undefined,
    },
  });
}

export const sshKeyboardInteractive: Rule = {
  id: "ssh-keyboard-interactive",
  examples: {
    fire: [hostExample(`{ services.openssh.enable = true; services.openssh.settings.PasswordAuthentication = false; services.openssh.settings.KbdInteractiveAuthentication = true; }\n`)],
    silent: [hostExample(`{ services.openssh.enable = true; services.openssh.settings.PasswordAuthentication = false; services.openssh.settings.KbdInteractiveAuthentication = false; }\n`)],
  },
  name: "SSH keyboard-interactive authentication",
  category: "access",
  severity: "medium",
  rationale:
    "Keyboard-interactive authentication is a password prompt run by PAM: turning PasswordAuthentication off does not stop it when a PAM module that checks passwords is in sshd's stack, so it quietly keeps password logins possible.",
  fix: "Set services.openssh.settings.KbdInteractiveAuthentication = false, unless it carries a second factor.",
  references: [
    nixosOption("services.openssh.settings.KbdInteractiveAuthentication", { note: "default true" }),
    nixosOption("security.pam.services.<name>.unixAuth"),
    ...SSHD_REFERENCES,
  ],
  compliance: { cis: ["5.2 SSH Server Configuration", "5.3 Configure PAM"], nist: ["PR.AA-03"] },
  ...scoped(check),
};
