// ssh-password-authentication: sshd accepts passwords. Either set explicitly
// (`services.openssh.settings.PasswordAuthentication = true`, the legacy `passwordAuthentication`,
// or `null`, which leaves OpenSSH's own default, yes), or, on a host that enables openssh, left
// unset: NixOS defaults it to true (and KbdInteractiveAuthentication too, which with pam_unix in
// sshd's PAM stack asks for the same password). The default case is a host check reported at the
// line that enables openssh; it is not reported for lone modules or VM test nodes, where other
// modules may set it. AuthenticationMethods without password methods, and srvos's common module
// (which sets it false), silence it.
// What one guessed password gives raises it: on a host where wheel's sudo is passwordless, a
// wheel member's password is root (one level up: high becomes critical); an account whose
// plaintext password (or initialPassword) is a well-known default ("nixos", "changeme", "toor",
// the user's own name...) is critical, since that password is the first one a bot tries. A lone
// file that enables sshd, leaves PasswordAuthentication unset and gives such a password is
// reported too (its other modules may turn passwords off, so the message says so).
import { setOption } from "../../nix/edit.js";
import { replaceNode } from "../../nix/edit.js";
import { SyntaxKind as K } from "../../nix/syntax.js";
import { staticValue } from "../../nix/values.js";
import type { Severity } from "../../report/schema.js";
import { appliedScope, definitionsOf, effectiveValue, isDead, scoped, type Scope, type ScopedDef } from "../shared/scope.js";
import { dependsOnText, INERT_NOTE, installerProfile, passwordAuthentication, sshdDisabled, sshdEnabled, sshdFirewallClosed, sshdNotEnabledOnHost, SSHD_ENABLE, SSHD_KBD, SSHD_PASSWORD, SSHD_REFERENCES, SSHD_ROOT_LOGIN } from "./sshd.js";
import { wheelPasswordless } from "./wheel-sudo.js";
import { PASSWORD_OPTION_NAMES } from "./users.js";
import type { Rule, TextEdit } from "../types.js";
import { hostExample } from "../shared/examples.js";
import { nixosOption } from "../shared/references.js";

// Every way NixOS gives an account a password (the `*` is the user's name).
const PASSWORD_OPTIONS = PASSWORD_OPTION_NAMES.flatMap((o) => [
  `users.users.*.${o}`,
  `users.extraUsers.*.${o}`,
]);

/** On a host with `users.mutableUsers = false` where no account is given a password anywhere,
 * nobody can log in with one: users cannot run passwd to set one either (NixOS resets /etc/shadow
 * from the configuration). Only a whole host can tell: a lone module's host may set one elsewhere. */
function noPasswordToGuess(scope: Scope): string | undefined {
  if (scope.kind !== "host" || !scope.defaultsApply) return undefined;
  // A live installer image (eh8-chenglab's iso1chng, judged critical wrongly): the profile gives
  // nixos and root empty passwords, which sshd refuses; unless the host gives an account one, a
  // password exists only if the operator sets one with passwd on the running image.
  const installer = installerProfile(scope);
  if (installer && !givesAPassword(scope)) {
    return ` Rated low: host ${scope.host} is a live installer image (it imports ${installer.name}), whose accounts (nixos, root) have empty passwords, which sshd refuses, and no account of it is given one here: there is no password to guess unless someone sets one with passwd on the running image.`;
  }
  const mutable = effectiveValue(scope.definitions("users.mutableUsers"));
  if (mutable.kind !== "known" || mutable.value !== false) return undefined;
  if (PASSWORD_OPTIONS.some((p) => scope.matching(p).length > 0)) return undefined;
  // A user set written as a whole (`users.users = import ./users.nix`) may hold passwords unseen.
  if (scope.definitions("users.users").length > 0 || scope.matching("users.users.*").some((d) => !d.def.inner?.text.trimStart().startsWith("{"))) return undefined;
  return ` Rated low: users.mutableUsers = false and no account of host ${scope.host} is given a password (password, hashedPassword, initialPassword, hashedPasswordFile), so today nobody can log in with one and users cannot set one with passwd; it becomes high the day a password is added.`;
}

/** Whether the host gives any account a non-empty password (or a users set it cannot read). */
function givesAPassword(scope: Scope): boolean {
  const given = PASSWORD_OPTIONS.some((p) => scope.matching(p).some((d) => !isDead(d.def) && staticValue(d.def.inner) !== "" && staticValue(d.def.inner) !== null));
  return given || scope.definitions("users.users").length > 0 || scope.matching("users.users.*").some((d) => !d.def.inner?.text.trimStart().startsWith("{"));
}

/** Passwords bots try first (and installers' defaults). Compared case-insensitively; a user's own
 * name counts too. */
const DEFAULT_PASSWORDS = new Set([
  "nixos", "changeme", "change-me", "changeit", "toor", "root", "password", "passw0rd", "admin", "administrator", "default", "secret",
  "guest", "test", "user", "demo", "letmein", "qwerty", "123456", "1234", "12345678", "hunter2", "raspberry", "ubuntu",
]);

interface DefaultPassword {
  user: string;
  password: string;
  at: ScopedDef;
}

/** Accounts the scope gives a well-known default password in plaintext (`password`,
 * `initialPassword`; `inherit (config.users.users.root) initialPassword;` reads root's). Root only
 * counts where it may log in over SSH with a password (PermitRootLogin "yes"). */
function defaultPasswords(host: Scope): DefaultPassword[] {
  const scope = appliedScope(host);
  const rootLogin = effectiveValue(definitionsOf(scope, ...SSHD_ROOT_LOGIN));
  const rootByPassword = rootLogin.kind === "known" && rootLogin.value === "yes";
  const out: DefaultPassword[] = [];
  for (const table of ["users", "extraUsers"]) {
    for (const opt of ["password", "initialPassword"]) {
      for (const at of scope.matching(`users.${table}.*.${opt}`)) {
        const { def } = at;
        if (isDead(def)) continue;
        const seg = def.segments[2]!;
        const user = seg.name;
        if (user === "root" && !rootByPassword) continue;
        let value: unknown = staticValue(def.inner);
        if (def.binding.kind === K.NODE_INHERIT) {
          // `inherit (config.users.users.<other>) initialPassword;`: the other account's value.
          const from = /^config\.users\.(?:users|extraUsers)\.("?)([\w.-]+)\1$/.exec(def.binding.firstChild(K.NODE_INHERIT_FROM)?.firstChild()?.text ?? "");
          const other = from ? effectiveValue(scope.definitions(`users.${table}.${from[2]}.${opt}`)) : undefined;
          value = other?.kind === "known" ? other.value : undefined;
        }
        if (typeof value !== "string") continue;
        const lower = value.toLowerCase();
        if (DEFAULT_PASSWORDS.has(lower) || (!seg.dynamic && lower === user.toLowerCase())) out.push({ user, password: value, at });
      }
    }
  }
  return out;
}

const SEVERITY_UP: Record<Severity, Severity> = { info: "info", low: "medium", medium: "high", high: "critical", critical: "critical" };

/** What one guessed password gives on this scope, for the message, and the severity it makes. */
function combination(scope: Scope, severity: Severity): { severity: Severity; text: string } {
  const defaults = defaultPasswords(scope);
  const sudo = wheelPasswordless(scope);
  let text = "";
  let out = severity;
  if (defaults.length) {
    // The password is never shown, not even redacted, a well-known one included: the line it is on
    // says which. (A redaction inside this list read as a garbled "(… (8 chars), file:line)".)
    const places = defaults.slice(0, 3).map((d) => `${d.at.file.file}:${d.at.def.line}`);
    const who = defaults.length > 1 ? `Accounts ${defaults.slice(0, 3).map((d) => d.user).join(", ")}${defaults.length > 3 ? ` and ${defaults.length - 3} more` : ""} have` : `Account ${defaults[0]!.user} has`;
    text += ` ${who} a well-known default password (set at ${places.join(", ")}): it is among the first a bot tries, so the account is open to anyone who reaches sshd.`;
    out = "critical";
  }
  if (sudo !== undefined) {
    text += ` Wheel's sudo is passwordless${scope.kind === "host" ? ` on host ${scope.host}` : ""} (security.sudo.wheelNeedsPassword = false${sudo ? ` ${sudo}` : ""}), so one guessed or leaked password of a wheel member is root.`;
    if (!defaults.length) out = SEVERITY_UP[severity];
  }
  return { severity: out, text };
}

function check(scope: Scope): void {
  if (sshdDisabled(scope)) return;
  const pw = passwordAuthentication(scope);
  if (pw.state !== "on") {
    if (pw.state === "unknown" && scope.kind === "file") checkLoneFile(scope);
    return;
  }
  const noPassword = noPasswordToGuess(scope);
  const base = noPassword ? "low" : sshdFirewallClosed(scope) ? "medium" : "high";
  const combo = noPassword ? { severity: base as Severity, text: "" } : combination(scope, base);
  const severity = combo.severity;
  const exposure = sshdFirewallClosed(scope) ? " (openFirewall = false, so only networks the firewall lets in can try)" : "";
  if (pw.explicit) {
    const { file, def } = pw.explicit;
    const inert = sshdNotEnabledOnHost(scope);
    scope.report(file, {
      node: def.inner ?? def.binding,
      optionPath: def.path,
      severity: inert ? "low" : severity,
      title: "SSH password authentication enabled",
      message: `${def.path} = ${def.inner?.text ?? "true"}: sshd accepts passwords${exposure}, so every account with a password can be brute-forced or logged into with a leaked or reused password.${inert ? INERT_NOTE : (noPassword ?? combo.text)}`,
      fix: {
        safety: "review",
        description: "Set it to false and log in with SSH keys (users.users.<name>.openssh.authorizedKeys.keys). Make sure every user who needs SSH has a key first.",
        edits: def.inner ? [replaceNode(file.file, def.inner, "false")] : undefined,
      },
    });
    return;
  }
  const enabled = sshdEnabled(scope);
  // Not enabled in the repository, but by the nixpkgs installer profile the host imports
  // (installation-device.nix: `services.openssh.enable = mkDefault true`).
  // The profile gives its accounts empty passwords, which sshd refuses: only an account the host
  // gives a password (EmergentMind's ISO: "nixos") can be guessed there (knopki's iso-headless,
  // keys only, stays silent).
  const profile =
    !enabled && effectiveValue(definitionsOf(scope, ...SSHD_ENABLE)).kind === "unset" && PASSWORD_OPTIONS.some((p) => scope.matching(p).some((d) => !isDead(d.def) && staticValue(d.def.inner) !== "" && staticValue(d.def.inner) !== null))
      ? installerProfile(scope)
      : undefined;
  if ((!enabled && !profile) || !scope.defaultsApply) return;
  const file = enabled ? enabled.file : profile!.file;
  // The default may be changed by an external module the scan cannot read: say so, one level lower.
  const depends = pw.dependsOn?.length ? dependsOnText(pw.dependsOn) : "";
  const lowered = depends && base !== "low" ? (base === "high" ? "medium" : "low") : base;
  const defaultCombo = noPassword ? undefined : combination(scope, lowered);
  const defaultSeverity = defaultCombo ? defaultCombo.severity : lowered;
  const kbdSet = effectiveValue(definitionsOf(scope, ...SSHD_KBD)).kind !== "unset";
  const edits: TextEdit[] = [];
  const add = (name: string) => {
    const e = setOption(file.file, file.text, file.parsed.root, file.index, ["services", "openssh", "settings", name], "false");
    if (e) edits.push(e);
  };
  // The installer profile's import may sit in flake.nix's module list: no module to add it to there.
  if (enabled) {
    add("PasswordAuthentication");
    if (!kbdSet) add("KbdInteractiveAuthentication");
  }
  // `services.openssh.enable = cfg.sshd.enable;`: on through the host's value of the repository's
  // own option, which the message names with where it comes from.
  const via = enabled?.resolved ? ` (${enabled.def.path} = ${enabled.def.inner?.text.replace(/\s+/g, " ")}, and ${enabled.resolved.why})` : "";
  const what = enabled ? `${enabled.def.path} is on${via}` : `sshd is on (the imported installer profile ${profile!.name} enables it)`;
  scope.report(file, {
    node: enabled ? (enabled.def.attrpath ?? enabled.def.binding) : profile!.node,
    optionPath: "services.openssh.settings.PasswordAuthentication",
    severity: defaultSeverity,
    // Hosts importing different external modules are still one finding: the modules are listed
    // together (the scan merges the lists of hosts judged the same).
    ...(pw.dependsOn?.length ? { detail: { items: [...pw.dependsOn], render: dependsOnText } } : {}),
    title: "SSH password authentication left at the NixOS default (on)",
    message: `${what} and services.openssh.settings.PasswordAuthentication is not set anywhere in host ${scope.host}: NixOS defaults it to true${kbdSet ? "" : " (and KbdInteractiveAuthentication, which asks for the same password through PAM)"}, so sshd accepts passwords${exposure} and every account with a password can be brute-forced.${depends}${noPassword ?? defaultCombo?.text ?? ""}`,
    fix: {
      safety: "review",
      description: `Set services.openssh.settings.PasswordAuthentication = false${kbdSet ? "" : " and KbdInteractiveAuthentication = false"}, and log in with SSH keys. Make sure every user who needs SSH has a key first.`,
      edits: edits.length ? edits : undefined,
    },
  });
}

/** A lone module (no host known) that turns sshd on, leaves PasswordAuthentication unset and gives
 * an account a well-known default password: whatever else the system imports, that file alone
 * invites the guess. */
function checkLoneFile(scope: Scope): void {
  const enabled = sshdEnabled(scope);
  if (!enabled) return;
  if (effectiveValue(definitionsOf(scope, ...SSHD_PASSWORD)).kind !== "unset") return;
  const defaults = defaultPasswords(scope);
  if (!defaults.length) return;
  const { file, def } = enabled;
  // A VM test node's throwaway password is the test's business.
  if (file.inTest(def.binding)) return;
  const { text } = combination(scope, "critical");
  scope.report(file, {
    node: def.attrpath ?? def.binding,
    optionPath: "services.openssh.settings.PasswordAuthentication",
    severity: "critical",
    title: "SSH password authentication left on with a default password",
    message: `${def.path} is on in this module and services.openssh.settings.PasswordAuthentication is not set in it: NixOS defaults it to true, so unless another module of the system turns it off, sshd accepts passwords.${text}`,
    fix: {
      safety: "review",
      description: "Set services.openssh.settings.PasswordAuthentication = false (and KbdInteractiveAuthentication = false) and log in with SSH keys; give the account a hashedPasswordFile from a secret manager (or none) instead of a default password.",
    },
  });
}

export const sshPasswordAuthentication: Rule = {
  id: "ssh-password-authentication",
  examples: {
    fire: [
      hostExample(`{ services.openssh.enable = true; services.openssh.settings.PasswordAuthentication = true; }\n`),
      // Rated low: immutable users and no password anywhere, so no password to guess today.
      hostExample(`{ services.openssh.enable = true; services.openssh.settings.PasswordAuthentication = true; users.mutableUsers = false;\n  users.users.alice = { isNormalUser = true; openssh.authorizedKeys.keys = [ "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBdR7gF6L3Gc6Q8m0bH3 alice" ]; };\n}\n`),
      // Still high: immutable users, but one of them has a password hash.
      hostExample(`{ services.openssh.enable = true; services.openssh.settings.PasswordAuthentication = true; users.mutableUsers = false;\n  users.users.alice = { isNormalUser = true; hashedPasswordFile = "/run/secrets/alice"; };\n}\n`),
      // Critical: the default is on, and wheel's sudo is passwordless: one guessed password is root.
      hostExample(`{ services.openssh.enable = true; security.sudo.wheelNeedsPassword = false; users.users.ops = { isNormalUser = true; extraGroups = [ "wheel" ]; }; }\n`),
      // Critical: an account's password is an installer default.
      hostExample(`{ services.openssh.enable = true; users.users.ops = { isNormalUser = true; initialPassword = "changeme"; }; }\n`),
      // A lone module (no host) that turns sshd on and gives a default password.
      `{ services.openssh.enable = true; users.users.builder = { isNormalUser = true; extraGroups = [ "wheel" ]; initialPassword = "toor"; }; }\n`,
      // The host declares its own openssh option in a file the scan reads, and it leaves passwords on.
      hostExample(`{ lib, config, ... }:\n{\n  options.services.openssh.banner2 = lib.mkEnableOption "a second banner";\n  config.services.openssh = { enable = true; banner2 = true; };\n}\n`),
    ],
    silent: [
      hostExample(`{ services.openssh.enable = true; services.openssh.settings.PasswordAuthentication = false; services.openssh.settings.KbdInteractiveAuthentication = false; }\n`),
      // A default password, but sshd takes keys only; a lone module whose password is no default.
      hostExample(`{ services.openssh.enable = true; services.openssh.settings = { PasswordAuthentication = false; KbdInteractiveAuthentication = false; }; users.users.ops.initialPassword = "nixos"; }\n`),
      `{ services.openssh.enable = true; users.users.builder = { isNormalUser = true; hashedPasswordFile = "/run/secrets/builder"; }; }\n`,
      // srvos's common/openssh.nix imported alone turns passwords off.
      hostExample(`{ inputs, ... }: { imports = [ (inputs.srvos.nixosModules.common + "/openssh.nix") ]; services.openssh.enable = true; }\n`),
      // The host turns on an option of the repository's own (`services.openssh.hardening`), declared
      // by a module the flake loads through readDir, which the scan cannot follow: that module may
      // turn passwords off.
      {
        "flake.nix": `{
  outputs = { nixpkgs, ... }:
    let modules = import ./modules/all-modules.nix { inherit (nixpkgs) lib; };
    in {
      nixosConfigurations.box = nixpkgs.lib.nixosSystem { modules = [ ./configuration.nix ] ++ modules; };
    };
}
`,
        "modules/all-modules.nix": `{ lib }:\nmap (name: ./by-name + "/\${name}/module.nix") (builtins.attrNames (builtins.readDir ./by-name))\n`,
        "modules/by-name/openssh/module.nix": `{ lib, config, ... }:\n{\n  options.services.openssh.hardening = lib.mkEnableOption "sshd hardening";\n  config = lib.mkIf config.services.openssh.hardening { services.openssh.settings.PasswordAuthentication = false; };\n}\n`,
        "configuration.nix": `{ ... }:\n{\n  services.openssh = { enable = true; hardening = true; };\n}\n`,
      },
    ],
  },
  name: "SSH password authentication",
  category: "access",
  severity: "high",
  rationale:
    "With password authentication sshd lets anyone on the network guess passwords (bots try continuously on port 22) and accepts leaked or reused ones. NixOS leaves it on by default: services.openssh.settings.PasswordAuthentication defaults to true.",
  fix: "Set services.openssh.settings.PasswordAuthentication = false and KbdInteractiveAuthentication = false; use SSH keys (or certificates) for every account.",
  references: [
    nixosOption("services.openssh.settings.PasswordAuthentication", { note: "default true" }),
    ...SSHD_REFERENCES,
  ],
  compliance: { cis: ["5.2 SSH Server Configuration", "5.3 Configure PAM"], nist: ["PR.AA-03", "PR.AA-01"] },
  ...scoped(check),
};
