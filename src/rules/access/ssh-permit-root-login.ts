// ssh-permit-root-login: `services.openssh.settings.PermitRootLogin = "yes"` (or the legacy
// `services.openssh.permitRootLogin`). The severity follows what root can log in with on the host:
// critical when password authentication is on there (explicitly or by NixOS's default): root's
// password is then guessable from the network; low when password and keyboard-interactive
// authentication are both off on the host (key-only in effect, as with the default
// "prohibit-password", which says so explicitly), or when passwords are off and keyboard-
// interactive has nothing to ask (NixOS leaves pam_unix out of sshd's PAM stack then); medium when
// passwords are off but keyboard-interactive is on and a directory module (Kerberos, LDAP, SSSD)
// puts a password check into PAM; high when it cannot be told. The host's values are the winning
// definitions over all its modules, counting only those that act on it (a module's settings
// behind `mkIf cfg.enable` count on the hosts that turn that option on). The fix is the NixOS
// default, "prohibit-password": auto, because key logins keep working and only password logins as
// root stop.
import { replaceNode } from "../../nix/edit.js";
import { staticValue, type StaticValue } from "../../nix/values.js";
import { imageContext } from "../firewall/firewall-disabled.js";
import type { Severity } from "../../report/schema.js";
import { appliedScope, definitionsOf, effectiveValue, scoped, type Scope, type ScopedDef } from "../shared/scope.js";
import { dependsOnText, INERT_NOTE, kbdInteractiveAuthentication, passwordAuthentication, sshdDisabled, sshdNotEnabledOnHost, sshdPamModules, SSHD_REFERENCES, SSHD_ROOT_LOGIN } from "./sshd.js";
import type { Rule } from "../types.js";
import { hostExample } from "../shared/examples.js";
import { nixosOption } from "../shared/references.js";

function check(scope: Scope): void {
  // The winning definition for the host (`lib.mkForce "yes"` beats a hardening module's mkDefault).
  const e = effectiveValue(definitionsOf(scope, ...SSHD_ROOT_LOGIN));
  if (e.kind === "unknown" && e.conflict?.includes("yes")) return reportConflict(scope, e.at, e.conflict);
  if (e.kind !== "known" || e.value !== "yes") return;
  if (sshdDisabled(scope)) return;
  const { file, def } = e.at;
  const pw = passwordAuthentication(scope);
  const kbd = kbdInteractiveAuthentication(scope);
  const where = scope.kind === "host" ? ` on host ${scope.host}` : "";
  const inert = sshdNotEnabledOnHost(scope);
  // Passwords off, keyboard-interactive on: it asks whatever sshd's PAM stack asks, which without
  // pam_unix is a password only when a directory module adds one.
  const directory = pw.state === "off" && kbd.state !== "off" ? sshdPamModules(appliedScope(scope)).directoryPassword : undefined;
  // A default that an unreadable external module may change is not certain enough for critical.
  const pwOn = pw.state === "on" ? (pw.dependsOn?.length ? "high" : "critical") : undefined;
  let severity: Severity = inert ? "low" : (pwOn ?? (pw.state === "off" ? (directory ? "medium" : "low") : "high"));
  // An installer or rescue image: nixpkgs' installation-device profile leaves root's password
  // empty, which sshd refuses, so nothing can be guessed until someone sets one on the console for
  // a remote install, for the minutes the image runs (jpetrucciani-nix's
  // foundry/variants/iso-installer.nix restoring the installer defaults: judged low, not critical).
  const image = pw.state !== "off" && !rootPassword(scope) ? imageContext(scope, file.file) : undefined;
  if (image) severity = "low";
  const consequence =
    pw.state === "on"
      ? `and password authentication is on${where} (${pw.why}): anyone can try root's password from the network`
      : pw.state === "off" && kbd.state === "off"
        ? `but it is key-only in effect: password and keyboard-interactive login are off${where} (${pw.why}, ${kbd.why}); "prohibit-password" says so explicitly, and keeps root to keys if either is turned back on`
        : pw.state === "off" && directory
          ? `password authentication is off${where} (${pw.why}), but keyboard-interactive is not (${kbd.why}) and ${directory} adds a password check to sshd's PAM stack, so root may log in with a directory password`
          : pw.state === "off"
            ? `password authentication is off${where} (${pw.why}), so root can only log in with a key today, but any later change to PasswordAuthentication opens root to password guessing`
            : `and whether passwords are accepted cannot be told (${pw.why}): if they are, root's password can be guessed from the network`;
  scope.report(file, {
    node: def.inner ?? def.binding,
    optionPath: def.path,
    severity,
    title: "SSH root login permitted",
    message: `${def.path} = "yes" lets root log in over SSH with any method, ${consequence}.${pw.state === "on" ? dependsOnText(pw.dependsOn) : ""}${inert ? INERT_NOTE : ""}${image ? ` This is an installer or rescue image (${image}) that sets no password for root: the installer's root password is empty, which sshd refuses, so root is open to guessing only after someone sets a password (passwd) on the console for a remote install, while the image runs.` : ""}`,
    fix: {
      safety: "auto",
      description: 'Set it to "prohibit-password" (the NixOS default): root keeps logging in with its keys, never with a password. Better still, "no" and an admin user with sudo.',
      edits: def.inner ? [replaceNode(file.file, def.inner, '"prohibit-password"')] : undefined,
    },
  });
}

/** The configuration gives root a password (any of users.users.root's password options, not
 * empty). */
function rootPassword(scope: Scope): boolean {
  for (const o of ["password", "hashedPassword", "initialPassword", "initialHashedPassword", "hashedPasswordFile", "passwordFile"]) {
    for (const { def } of scope.definitions(`users.users.root.${o}`)) {
      const v = staticValue(def.inner);
      if (v !== "" && v !== null) return true;
    }
  }
  return false;
}

/** Definitions of equal priority disagree and one of them is "yes": NixOS will not build the host
 * until one wins, and whichever is made to win decides whether root logs in with a password. */
function reportConflict(scope: Scope, at: ScopedDef, values: StaticValue[]): void {
  const { file, def } = at;
  scope.report(file, {
    node: def.inner ?? def.binding,
    optionPath: def.path,
    severity: "medium",
    title: "SSH root login: conflicting definitions",
    message: `${def.path} has definitions of equal priority with different values (${values.map((v) => JSON.stringify(v)).join(", ")})${scope.kind === "host" ? ` on host ${scope.host}` : ""}: NixOS refuses to build until one is made to win (lib.mkForce), and "yes" lets root log in with any method.`,
    fix: {
      safety: "review",
      description: 'Keep one definition, or make "prohibit-password" win with lib.mkForce.',
    },
  });
}

export const sshPermitRootLogin: Rule = {
  id: "ssh-permit-root-login",
  examples: {
    fire: [
      // Critical: password authentication is on by NixOS's default.
      hostExample(`{ services.openssh.enable = true; services.openssh.settings.PermitRootLogin = "yes"; }\n`),
      // Critical: password authentication is on explicitly.
      hostExample(`{ services.openssh.enable = true; services.openssh.settings = { PermitRootLogin = "yes"; PasswordAuthentication = true; }; }\n`),
      // Rated low: another module of the host, turned on by it, sets password and keyboard-interactive
      // authentication off, so "yes" is key-only in effect.
      hostExample(
        `{ imports = [ ./ssh.nix ]; my.ssh.enable = true; services.openssh.settings.PermitRootLogin = "yes"; }\n`,
        "configuration.nix",
        {
          "ssh.nix": `{ config, lib, ... }:\nlet cfg = config.my.ssh; in {\n  options.my.ssh.enable = lib.mkEnableOption "ssh";\n  config = lib.mkIf cfg.enable {\n    services.openssh = { enable = true; settings = { PasswordAuthentication = false; KbdInteractiveAuthentication = false; }; };\n  };\n}\n`,
        },
      ),
    ],
    silent: [hostExample(`{ services.openssh.enable = true; services.openssh.settings.PermitRootLogin = "prohibit-password"; }\n`)],
  },
  name: "SSH root login with any method",
  category: "access",
  severity: "high",
  rationale:
    'PermitRootLogin "yes" lets root authenticate over SSH with every enabled method, passwords included: root is the one account every attacker knows the name of, and a guessed or reused root password is a full compromise.',
  fix: 'Use PermitRootLogin "prohibit-password" (NixOS default) or "no", with key-based logins.',
  references: [
    nixosOption("services.openssh.settings.PermitRootLogin"),
    ...SSHD_REFERENCES,
  ],
  compliance: { cis: ["5.2.10 Ensure SSH root login is disabled"], nist: ["PR.AA-05", "PR.AA-03"] },
  ...scoped(check),
};
