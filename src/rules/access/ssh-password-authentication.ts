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
import { definitionsOf, effectiveValue, scoped, type Scope } from "../shared/scope.js";
import { dependsOnText, INERT_NOTE, passwordAuthentication, sshdDisabled, sshdEnabled, sshdFirewallClosed, sshdNotEnabledOnHost, SSHD_KBD, SSHD_REFERENCES } from "./sshd.js";
import type { Rule, TextEdit } from "../types.js";
import { hostExample } from "../shared/examples.js";

function check(scope: Scope): void {
  if (sshdDisabled(scope)) return;
  const pw = passwordAuthentication(scope);
  if (pw.state !== "on") return;
  const severity = sshdFirewallClosed(scope) ? "medium" : "high";
  const exposure = sshdFirewallClosed(scope) ? " (openFirewall = false, so only networks the firewall lets in can try)" : "";
  if (pw.explicit) {
    const { file, def } = pw.explicit;
    const inert = sshdNotEnabledOnHost(scope);
    scope.report(file, {
      node: def.inner ?? def.binding,
      optionPath: def.path,
      severity: inert ? "low" : severity,
      title: "SSH password authentication enabled",
      message: `${def.path} = ${def.inner?.text ?? "true"}: sshd accepts passwords${exposure}, so every account with a password can be brute-forced or logged into with a leaked or reused password.${inert ? INERT_NOTE : ""}`,
      fix: {
        safety: "review",
        description: "Set it to false and log in with SSH keys (users.users.<name>.openssh.authorizedKeys.keys). Make sure every user who needs SSH has a key first.",
        edits: def.inner ? [replaceNode(file.file, def.inner, "false")] : undefined,
      },
    });
    return;
  }
  const enabled = sshdEnabled(scope);
  if (!enabled || !scope.defaultsApply) return;
  const { file, def } = enabled;
  // The default may be changed by an external module the scan cannot read: say so, one level lower.
  const depends = pw.dependsOn?.length ? dependsOnText(pw.dependsOn) : "";
  const defaultSeverity = depends ? (severity === "high" ? "medium" : "low") : severity;
  const kbdSet = effectiveValue(definitionsOf(scope, ...SSHD_KBD)).kind !== "unset";
  const edits: TextEdit[] = [];
  const add = (name: string) => {
    const e = setOption(file.file, file.text, file.parsed.root, file.index, ["services", "openssh", "settings", name], "false");
    if (e) edits.push(e);
  };
  add("PasswordAuthentication");
  if (!kbdSet) add("KbdInteractiveAuthentication");
  scope.report(file, {
    node: def.attrpath ?? def.binding,
    optionPath: "services.openssh.settings.PasswordAuthentication",
    severity: defaultSeverity,
    title: "SSH password authentication left at the NixOS default (on)",
    message: `${def.path} is on and services.openssh.settings.PasswordAuthentication is not set anywhere in host ${scope.host}: NixOS defaults it to true${kbdSet ? "" : " (and KbdInteractiveAuthentication, which asks for the same password through PAM)"}, so sshd accepts passwords${exposure} and every account with a password can be brute-forced.${depends}`,
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
    fire: [hostExample(`{ services.openssh.enable = true; services.openssh.settings.PasswordAuthentication = true; }\n`)],
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
