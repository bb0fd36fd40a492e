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
// The evidence never shows the value: only its redaction (`redact` from src/secrets).
import { staticValue } from "../../nix/values.js";
import { isPlaceholder, nonSecretShape, redact } from "../../secrets/index.js";
import type { Severity } from "../../report/schema.js";
import { externalImports, isDead, type Scope } from "../shared/scope.js";
import { isAdmin, userOption, usersIn } from "./users.js";
import type { NixFileContext, Rule, RuleReport } from "../types.js";
import { hostExample } from "../shared/examples.js";
import { perHost } from "../shared/per-host.js";
import { passwordAuthentication, sshdDisabled, sshdNotEnabledOnHost } from "./sshd.js";
import { machineKind } from "./machine.js";
import type { OptionDefinition } from "../../nix/options.js";
import { nixosManual, nixosOption } from "../shared/references.js";

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
  report: RuleReport;
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
    const admin = isAdmin(users.get(u.user), u.user);
    const who = u.user === "root" ? "root" : admin ? `${u.user} (a wheel member, so this is also their sudo password)` : u.user;
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
      report: { node: def.inner ?? def.binding, optionPath: def.path, severity, title, message, evidence, fix: { safety: "manual", description: fix } },
    });
  }
  return out;
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
  if (why === undefined) return report(p.report);
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
      hostExample(`{ users.users.alice = { isNormalUser = true; password = "correct-horse"; }; }\n`),
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
        `{ lib, minimal ? true, ... }:\nlet full = lib.optionalAttrs (!minimal) { users.users.alice.hashedPasswordFile = "/run/secrets/alice"; };\nin {\n  config = lib.recursiveUpdate full {\n    users.users.alice = { isNormalUser = true; extraGroups = [ "wheel" ] ++ lib.optional (!minimal) "video"; password = "install"; };\n  };\n}\n`,
      ),
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
