// ssh-password-authentication: sshd accepts passwords. Either set explicitly
// (`services.openssh.settings.PasswordAuthentication = true`, the legacy `passwordAuthentication`,
// or `null`, which leaves OpenSSH's own default, yes), or, on a host that enables openssh, left
// unset: NixOS defaults it to true (and KbdInteractiveAuthentication too, which with pam_unix in
// sshd's PAM stack asks for the same password). The default case is a host check reported at the
// line that enables openssh; it is not reported for lone modules or VM test nodes, where other
// modules may set it. AuthenticationMethods without password methods, and srvos's common module
// (which sets it false), silence it.
import { setOption } from "../../nix/edit.js";
import { replaceNode } from "../../nix/edit.js";
import { definitionsOf, effectiveValue, isDead, scoped, type Scope } from "../shared/scope.js";
import { staticValue } from "../../nix/values.js";
import { dependsOnText, INERT_NOTE, passwordAuthentication, sshdDisabled, sshdEnabled, sshdFirewallClosed, sshdNotEnabledOnHost, SSHD_ENABLE, SSHD_KBD, SSHD_REFERENCES, installerProfile } from "./sshd.js";
import type { Rule, TextEdit } from "../types.js";
import { hostExample } from "../shared/examples.js";

// Every way NixOS gives an account a password (the `*` is the user's name).
const PASSWORD_OPTIONS = ["password", "hashedPassword", "initialPassword", "initialHashedPassword", "passwordFile", "hashedPasswordFile"].flatMap((o) => [
  `users.users.*.${o}`,
  `users.extraUsers.*.${o}`,
]);

/** On a host with `users.mutableUsers = false` where no account is given a password anywhere,
 * nobody can log in with one: users cannot run passwd to set one either (NixOS resets /etc/shadow
 * from the configuration). Only a whole host can tell: a lone module's host may set one elsewhere. */
function noPasswordToGuess(scope: Scope): string | undefined {
  if (scope.kind !== "host" || !scope.defaultsApply) return undefined;
  const mutable = effectiveValue(scope.definitions("users.mutableUsers"));
  if (mutable.kind !== "known" || mutable.value !== false) return undefined;
  if (PASSWORD_OPTIONS.some((p) => scope.matching(p).length > 0)) return undefined;
  // A user set written as a whole (`users.users = import ./users.nix`) may hold passwords unseen.
  if (scope.definitions("users.users").length > 0 || scope.matching("users.users.*").some((d) => !d.def.inner?.text.trimStart().startsWith("{"))) return undefined;
  return ` Rated low: users.mutableUsers = false and no account of host ${scope.host} is given a password (password, hashedPassword, initialPassword, hashedPasswordFile), so today nobody can log in with one and users cannot set one with passwd; it becomes high the day a password is added.`;
}

function check(scope: Scope): void {
  if (sshdDisabled(scope)) return;
  const pw = passwordAuthentication(scope);
  if (pw.state !== "on") return;
  const noPassword = noPasswordToGuess(scope);
  const severity = noPassword ? "low" : sshdFirewallClosed(scope) ? "medium" : "high";
  const exposure = sshdFirewallClosed(scope) ? " (openFirewall = false, so only networks the firewall lets in can try)" : "";
  if (pw.explicit) {
    const { file, def } = pw.explicit;
    const inert = sshdNotEnabledOnHost(scope);
    scope.report(file, {
      node: def.inner ?? def.binding,
      optionPath: def.path,
      severity: inert ? "low" : severity,
      title: "SSH password authentication enabled",
      message: `${def.path} = ${def.inner?.text ?? "true"}: sshd accepts passwords${exposure}, so every account with a password can be brute-forced or logged into with a leaked or reused password.${inert ? INERT_NOTE : (noPassword ?? "")}`,
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
  const defaultSeverity = depends && severity !== "low" ? (severity === "high" ? "medium" : "low") : severity;
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
  const what = enabled ? `${enabled.def.path} is on` : `sshd is on (the imported installer profile ${profile!.name} enables it)`;
  scope.report(file, {
    node: enabled ? (enabled.def.attrpath ?? enabled.def.binding) : profile!.node,
    optionPath: "services.openssh.settings.PasswordAuthentication",
    severity: defaultSeverity,
    title: "SSH password authentication left at the NixOS default (on)",
    message: `${what} and services.openssh.settings.PasswordAuthentication is not set anywhere in host ${scope.host}: NixOS defaults it to true${kbdSet ? "" : " (and KbdInteractiveAuthentication, which asks for the same password through PAM)"}, so sshd accepts passwords${exposure} and every account with a password can be brute-forced.${depends}${noPassword ?? ""}`,
    fix: {
      safety: "review",
      description: `Set services.openssh.settings.PasswordAuthentication = false${kbdSet ? "" : " and KbdInteractiveAuthentication = false"}, and log in with SSH keys. Make sure every user who needs SSH has a key first.`,
      edits: edits.length ? edits : undefined,
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
    ],
    silent: [hostExample(`{ services.openssh.enable = true; services.openssh.settings.PasswordAuthentication = false; services.openssh.settings.KbdInteractiveAuthentication = false; }\n`)],
  },
  name: "SSH password authentication",
  category: "access",
  severity: "high",
  rationale:
    "With password authentication sshd lets anyone on the network guess passwords (bots try continuously on port 22) and accepts leaked or reused ones. NixOS leaves it on by default: services.openssh.settings.PasswordAuthentication defaults to true.",
  fix: "Set services.openssh.settings.PasswordAuthentication = false and KbdInteractiveAuthentication = false; use SSH keys (or certificates) for every account.",
  references: [
    { title: "NixOS option services.openssh.settings.PasswordAuthentication (default true)", url: "https://search.nixos.org/options?query=services.openssh.settings.PasswordAuthentication" },
    ...SSHD_REFERENCES,
  ],
  compliance: { cis: ["5.2 SSH Server Configuration", "5.3 Configure PAM"], nist: ["PR.AA-03", "PR.AA-01"] },
  ...scoped(check),
};
