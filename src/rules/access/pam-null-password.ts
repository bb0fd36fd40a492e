// pam-null-password: PAM accepting an empty password for a service other than the console login:
// `security.pam.services.<name>.allowNullPassword = true`, or `nullok` on an `auth ... pam_unix.so`
// line of a PAM text (security.pam.services.<name>.text, environment.etc."pam.d/<name>".text).
// An account whose password is empty (users.users.<u>.password / initialPassword = "", or
// hashedPassword / initialHashedPassword = "") then passes that service without a password: sudo,
// su, doas or polkit hand out root, a screen locker unlocks, a remote service lets anyone in.
// The empty accounts themselves are user-plaintext-password's; this rule reports the PAM side and
// says which empty accounts the host has (judged per host):
// - an account with an empty password on the host and a service that grants root (sudo, su,
//   doas, polkit-1, run0) or logs in from the network (sshd with PermitEmptyPasswords, vsftpd ...):
//   high;
// - an empty account and another service (a screen locker, sshd with PermitEmptyPasswords off):
//   medium;
// - no account with an empty password in the configuration: low (one `passwd -d` away) for a
//   service that grants root or logs in from the network, info for another local one (the
//   console login takes an empty password anyway).
// Silent for `login` (NixOS sets allowNullPassword there itself: hashedPassword = "" is meant
// for console logins) and for `nullok` on a `password` line (it only lets a user with an empty
// password set one, xddxdd-nixos-config's passwd).
import { staticValue } from "../../nix/values.js";
import type { Severity } from "../../report/schema.js";
import { hostExample } from "../shared/examples.js";
import { perHost } from "../shared/per-host.js";
import { nixosOption } from "../shared/references.js";
import { appliedScope, hostValue, isDead, type Scope } from "../shared/scope.js";
import type { NixFileContext, Rule } from "../types.js";
import type { OptionDefinition } from "../../nix/options.js";
import { userOption } from "./users.js";

const ROOT_SERVICES = new Set(["sudo", "su", "sudo-rs", "doas", "polkit-1", "run0", "systemd-run0", "chsh", "chfn"]);
const REMOTE_SERVICES = new Set(["vsftpd", "proftpd", "dovecot", "dovecot2", "samba", "xrdp-sesman", "cockpit", "other"]);
const EMPTY_OPTIONS = new Set(["password", "initialPassword", "hashedPassword", "initialHashedPassword"]);

interface Place {
  def: OptionDefinition;
  service: string;
  how: string;
}

const PAM_SERVICE = /^security\.pam\.services\.([^.]+)\.(allowNullPassword|text)$/;
const ETC_PAM = /^environment\.etc\."?pam\.d\/([^".]+)"?\.text$/;
const NULLOK_AUTH = /^\s*auth\s+\S+(?:\s+\[[^\]]*\])?\s+\S*pam_unix\.so\b[^\n#]*\bnullok\b/m;

function places(ctx: NixFileContext): Place[] {
  if (!/allowNullPassword|nullok/.test(ctx.text)) return [];
  const out: Place[] = [];
  for (const def of ctx.index.definitions) {
    if (isDead(def) || !def.inner) continue;
    const m = PAM_SERVICE.exec(def.path);
    const e = m ? undefined : ETC_PAM.exec(def.path);
    const service = (m?.[1] ?? e?.[1])?.replace(/^"|"$/g, "");
    if (!service || service === "login") continue;
    if (m?.[2] === "allowNullPassword") {
      if (staticValue(def.inner) !== true) continue;
      out.push({ def, service, how: `security.pam.services.${service}.allowNullPassword = true` });
    } else {
      const text = staticValue(def.inner);
      const t = typeof text === "string" ? text : def.inner.text;
      if (NULLOK_AUTH.test(t)) out.push({ def, service, how: `\`nullok\` on pam_unix's auth line of the ${service} PAM text` });
    }
  }
  return out;
}

/** Accounts the scope gives an empty password: "user (option)". */
function emptyAccounts(scope: Scope): string[] {
  const out = new Set<string>();
  for (const f of scope.files) {
    if (!/assword\s*=\s*""/.test(f.text)) continue;
    for (const d of f.index.definitions) {
      const u = userOption(d);
      if (!u || u.rest.length !== 1 || !EMPTY_OPTIONS.has(u.rest[0]!) || isDead(d)) continue;
      if (staticValue(d.inner) === "") out.add(`${u.user} (${u.rest[0]} = "")`);
    }
  }
  return [...out];
}

function permitEmpty(scope: Scope): boolean {
  const v = hostValue(appliedScope(scope), "services.openssh.settings.PermitEmptyPasswords");
  return v.kind === "known" && (v.value === true || v.value === "yes");
}

const checks = perHost(places, (p, scope, _file, report) => {
  const empty = emptyAccounts(scope);
  const root = ROOT_SERVICES.has(p.service);
  const sshd = p.service === "sshd";
  const remote = REMOTE_SERVICES.has(p.service) || (sshd && permitEmpty(scope));
  const what = root
    ? `${p.service} (which makes its user root or another user)`
    : sshd
      ? `sshd${remote ? " (with PermitEmptyPasswords on: a login from the network)" : " (sshd itself still refuses empty passwords while PermitEmptyPasswords is off)"}`
      : remote
        ? `${p.service} (reached from the network)`
        : `${p.service}`;
  let severity: Severity;
  let tail: string;
  if (empty.length) {
    severity = root || remote ? "high" : "medium";
    tail = ` The configuration gives ${empty.join(", ")} an empty password, so ${root ? "that account becomes root through it with no password at all" : remote ? "anyone who reaches the service logs in as that account with no password" : "it passes this service with no password"}.`;
  } else if (root || remote) {
    severity = "low";
    tail = " No account of the configuration has an empty password now, but any account whose password is ever emptied (`passwd -d`, an empty hash) passes it without one.";
  } else {
    // A local service that neither grants root nor takes logins from the network (a display
    // manager, a screen locker) with no empty account: NixOS's console `login` already lets an
    // emptied account in on the tty, so this adds no way in (cleverca22-nixos-configs' hsdm:
    // judged info).
    severity = "info";
    tail = " No account of the configuration has an empty password now; an account whose password is ever emptied could log in on the console anyway (NixOS allows empty passwords for `login`), so this only widens that to one more local service.";
  }
  report({
    node: p.def.inner ?? p.def.binding,
    optionPath: p.def.path,
    key: `${p.service}:${p.def.path}`,
    severity,
    title: "PAM accepts an empty password",
    message: `${p.how}: PAM lets an account with an empty password through ${what} without asking for one.${tail}`,
    fix: {
      safety: "review",
      description: `Remove ${p.def.path.endsWith("allowNullPassword") ? "allowNullPassword" : "`nullok`"} for ${p.service}, and give accounts a real password (hashedPasswordFile) or lock them ("!"); a kiosk account logs in with autologin, not an empty password.`,
    },
  });
});

export const pamNullPassword: Rule = {
  id: "pam-null-password",
  examples: {
    fire: [
      hostExample(`{\n  users.users.guest = { isNormalUser = true; hashedPassword = ""; extraGroups = [ "wheel" ]; };\n  security.pam.services.sudo.allowNullPassword = true;\n}\n`),
      // info: a local screen locker, no empty account (the console login takes one anyway).
      hostExample(`{\n  security.pam.services.swaylock.text = ''\n    auth sufficient pam_unix.so try_first_pass nullok\n  '';\n}\n`),
      // low: sudo, no empty account now (one `passwd -d` away from root without a password).
      hostExample(`{\n  security.pam.services.sudo.allowNullPassword = true;\n}\n`),
    ],
    silent: [
      // login allows empty passwords in NixOS already: what hashedPassword = "" is for.
      hostExample(`{\n  security.pam.services.login.allowNullPassword = true;\n}\n`),
      // nullok on the password stack only lets an empty password be changed.
      hostExample(`{\n  security.pam.services.passwd.text = ''\n    password required pam_unix.so sha512 shadow nullok rounds=65536\n  '';\n}\n`),
      hostExample(`{\n  security.pam.services.sudo.allowNullPassword = false;\n}\n`),
    ],
  },
  name: "PAM accepts empty passwords",
  category: "access",
  severity: "medium",
  rationale:
    "allowNullPassword (pam_unix's nullok) lets an account whose password is empty pass the service without a password. On sudo, su or polkit that is root for an account with an empty password; on a network service it is a login for anyone.",
  fix: "Leave allowNullPassword off (the default for every service but login) and give every account a password hash kept in a secret, or lock it.",
  references: [nixosOption("security.pam.services.<name>.allowNullPassword"), { title: "pam_unix(8): nullok", url: "https://man7.org/linux/man-pages/man8/pam_unix.8.html" }],
  compliance: { cis: ["5.3 Configure PAM", "6.2.1 Ensure accounts in /etc/passwd use shadowed passwords"], nist: ["PR.AA-01", "PR.AA-03"] },
  ...checks,
};
