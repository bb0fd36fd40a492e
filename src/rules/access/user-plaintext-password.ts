// user-plaintext-password: a user's password written into the configuration.
// - `users.users.<name>.password = "..."`: the plaintext is in the repository and, hashed at
//   activation from a store file, world-readable in /nix/store. High; critical for root or a
//   wheel member (the password then is root's, or sudo's).
// - `initialPassword`: the same text, used when the account is created and kept by anyone who never
//   changes it. Medium; high for root or wheel.
// - an empty `password`: anyone can log in with an empty password. High.
// - `hashedPassword = ""`: NixOS lets the user log in on a console without a password. Medium.
// - `hashedPassword` / `initialHashedPassword` with a crypt hash: low. Fine in a private
//   repository, but in a public one (or once it leaks) weak passwords fall to offline cracking;
//   hashedPasswordFile with a secret keeps it out. Locked values ("!", "*") are silent.
// The evidence never shows the value: only its redaction (`redact` from src/secrets).
import { staticValue } from "../../nix/values.js";
import { isPlaceholder, nonSecretShape, redact } from "../../secrets/index.js";
import type { Severity } from "../../report/schema.js";
import { isDead } from "../shared/scope.js";
import { isAdmin, userOption, usersIn } from "./users.js";
import type { NixFileContext, Rule } from "../types.js";
import { hostExample } from "../shared/examples.js";

const OPTIONS = new Set(["password", "initialPassword", "hashedPassword", "initialHashedPassword"]);

function checkNix(ctx: NixFileContext): void {
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
    const hashed = option === "hashedPassword" || option === "initialHashedPassword";
    if (!hashed) {
      if (value === "") {
        severity = "high";
        message = `${def.path} is the empty string: ${who} can log in with an empty password.`;
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
      if (value === "") {
        severity = "medium";
        message = `${def.path} = "": NixOS lets ${who} log in on a console without being asked for a password (meant for live images).`;
        fix = `Set a hash with hashedPasswordFile, or "!" to lock password logins.`;
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
    ctx.report({
      node: def.inner ?? def.binding,
      optionPath: def.path,
      severity,
      title: hashed ? "User password hash in the repository" : "Plaintext user password",
      message,
      evidence,
      fix: { safety: "manual", description: fix },
    });
  }
}

export const userPlaintextPassword: Rule = {
  id: "user-plaintext-password",
  examples: {
    fire: [hostExample(`{ users.users.alice = { isNormalUser = true; password = "correct-horse"; }; }\n`)],
    silent: [hostExample(`{ users.users.alice = { isNormalUser = true; hashedPasswordFile = "/run/secrets/alice-password"; }; }\n`)],
  },
  name: "User password in the configuration",
  category: "access",
  severity: "high",
  rationale:
    "users.users.<name>.password and initialPassword put the password in plaintext in the repository and in the world-readable Nix store; a committed hash can be cracked offline. Anyone who reads either can log in as that user (and, for an admin, become root).",
  fix: "Use users.users.<name>.hashedPasswordFile pointing at a secret managed by agenix or sops-nix, and rotate any password that was committed.",
  references: [
    { title: "NixOS option users.users.<name>.password (stored in the Nix store)", url: "https://search.nixos.org/options?query=users.users.%3Cname%3E.password" },
    { title: "NixOS option users.users.<name>.hashedPasswordFile", url: "https://search.nixos.org/options?query=users.users.%3Cname%3E.hashedPasswordFile" },
    { title: "NixOS option users.users.<name>.hashedPassword (\"\" allows passwordless console login)", url: "https://search.nixos.org/options?query=users.users.%3Cname%3E.hashedPassword" },
    { title: "NixOS manual: User Management", url: "https://nixos.org/manual/nixos/stable/#sec-user-management" },
  ],
  compliance: { cis: ["5.4 User Accounts and Environment", "6.2.1 Ensure password fields are not empty"], nist: ["PR.AA-01", "PR.DS-01"] },
  checkNix,
};
