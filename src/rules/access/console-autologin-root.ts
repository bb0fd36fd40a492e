// console-autologin-root: the console or the display manager logs a user in without a password
// (services.getty.autologinUser, services.displayManager.autoLogin, greetd's initial_session) and
// that user is root, or becomes root without a password (wheel where wheel's sudo asks none, a
// NOPASSWD sudo rule for everything, the docker/lxd/incus-admin group of a daemon the host runs).
// Whoever has the keyboard, the screen of a kiosk, a cloud provider's web/VNC console or the
// serial line is then root without any credential. NickCao-flakes modules/baseline.nix (root on
// every server), balsoft-nixos-config profiles/security/user.nix, arianvp-nixos-stuff altra,
// hmajid2301-nixicle's VPS and bjornfor-nixos-config's media PC (GDM autologin of a wheel user with
// passwordless sudo) were all found by admins, not by the tool.
// Rated by how exposed the console is: high on a laptop (it travels, it is lost and stolen) unless
// its disk is encrypted; medium elsewhere (a server's console is its provider's web console or
// the machine room); one level lower where the root disk is LUKS-encrypted (the passphrase at
// boot is then the only credential, which is a choice some owners make). Silent for an
// unprivileged autologin user (a kiosk or media account: what autologin is for), for qemu-vm test
// machines, microvm.nix guests, containers and WSL (no console anyone else reaches); low for a live installer image, whose
// purpose is a passwordless root console.
import type { OptionDefinition } from "../../nix/options.js";
import { unparen } from "../../nix/read.js";
import type { Severity } from "../../report/schema.js";
import { appliedScope, defValue, hostValue, isDead, isEnabled, type Scope } from "../shared/scope.js";
import { hostExample } from "../shared/examples.js";
import { perHost } from "../shared/per-host.js";
import { nixosOption } from "../shared/references.js";
import type { NixFileContext, Rule } from "../types.js";
import { machineKind } from "./machine.js";
import { GROUP_DAEMON, groupsOf, passwordlessSudoGrants } from "./root-paths.js";
import { wheelPasswordless } from "./wheel-sudo.js";

// Options naming the user the console or a display manager logs in without a password, with the
// switch that turns each on (undefined: naming the user is enough).
const AUTOLOGIN: Record<string, { enable?: string; what: string }> = {
  "services.getty.autologinUser": { what: "every virtual console (getty)" },
  "services.displayManager.autoLogin.user": { enable: "services.displayManager.autoLogin.enable", what: "the display manager" },
  "services.xserver.displayManager.autoLogin.user": { enable: "services.xserver.displayManager.autoLogin.enable", what: "the display manager" },
  "services.xserver.displayManager.gdm.autoLogin.user": { enable: "services.xserver.displayManager.gdm.autoLogin.enable", what: "GDM" },
  "services.xserver.displayManager.lightdm.autoLogin.user": { enable: "services.xserver.displayManager.lightdm.autoLogin.enable", what: "LightDM" },
  "services.greetd.settings.initial_session.user": { enable: "services.greetd.enable", what: "greetd (initial_session)" },
};

// Groups that are root through a daemon the host runs (the daemon's switch: GROUP_DAEMON).
const DAEMON_GROUPS = ["docker", "lxd", "incus-admin"];

interface Place {
  def: OptionDefinition;
  path: string;
}

function places(ctx: NixFileContext): Place[] {
  if (!/autologin|autoLogin|initial_session/.test(ctx.text)) return [];
  const out: Place[] = [];
  for (const def of ctx.index.definitions) {
    if (isDead(def) || !def.inner || !(def.path in AUTOLOGIN)) continue;
    out.push({ def, path: def.path });
  }
  return out;
}

/** How the user is root, or root without a password, on the host; undefined when not. */
function rootWay(scope: Scope, user: string, shown = user): string | undefined {
  if (user === "root") return "it is root itself";
  const groups = groupsOf(scope, user);
  if (groups.has("wheel")) {
    const via = wheelPasswordless(scope);
    if (via !== undefined) return `${shown} is in wheel and wheel's sudo asks no password${via ? ` (${via})` : ""}`;
  }
  for (const g of passwordlessSudoGrants(scope)) {
    if (g.users.includes(user) || g.groups.some((x) => groups.has(x)) || g.everyone) return `${shown} has ${g.what}`;
  }
  for (const group of DAEMON_GROUPS) {
    if (groups.has(group) && isEnabled(appliedScope(scope), GROUP_DAEMON[group]!)) return `${shown} is in the ${group} group of a daemon the host runs (root through it: \`${group === "docker" ? "docker run -v /:/host" : "a privileged container"}\`)`;
  }
  return undefined;
}

// Signs that the host is a laptop (it is carried around, lost and stolen).
const LAPTOP_OPTIONS = ["services.tlp.enable", "services.auto-cpufreq.enable"];
const LAPTOP_NAME = /laptop|notebook|thinkpad|framework|\bxps\b|macbook/i;

function laptopSign(scope: Scope): string | undefined {
  const s = appliedScope(scope);
  for (const p of LAPTOP_OPTIONS) if (isEnabled(s, p)) return `${p} = true`;
  if (s.matching("services.logind.lidSwitch").length || s.matching("services.logind.settings.Login.HandleLidSwitch").length) return "it sets what closing the lid does";
  if (scope.kind === "host" && scope.host && LAPTOP_NAME.test(scope.host)) return `its name, ${scope.host}`;
  return undefined;
}

function luks(scope: Scope): boolean {
  const s = appliedScope(scope);
  return s.matching("boot.initrd.luks.devices.*").length > 0 || s.matching("boot.initrd.luks.devices.*.device").length > 0 || s.definitions("boot.initrd.luks.devices").length > 0;
}

/** A microvm.nix guest (it imports microvm's guest module or sets the guest's microvm.* options):
 * its console is its hypervisor's, in the hands of whoever already runs the VM on the host
 * (Lillecarl-nixos hosts/linvidia). */
function microvmGuest(scope: Scope): boolean {
  for (const f of scope.files) {
    if (!f.text.includes("microvm")) continue;
    if (/\bmicrovm\.nixosModules\.microvm\b/.test(f.text)) return true;
    if (f.index.definitions.some((d) => !isDead(d) && /^microvm\.(?!vms\b|host\b|autostart\b|stateDir\b)[\w-]+/.test(d.path))) return true;
  }
  return false;
}

const LOWER: Record<Severity, Severity> = { critical: "high", high: "medium", medium: "low", low: "low", info: "info" };

const checks = perHost(places, (p, scope, _file, report) => {
  const applied = appliedScope(scope);
  const v = hostValue(applied, p.path);
  // Only the definition the host ends up with, and only a user the host's files name: a literal,
  // or an option of the repository's own the host resolves (`autoLogin.user = cfg.user`).
  if (v.kind === "unset" || (v.at && v.at.def !== p.def)) return;
  const own = applied.definitions(p.path).find((d) => d.def === p.def);
  const value = v.kind === "known" ? v.value : own ? defValue(own) : undefined;
  const expr = unparen(p.def.inner)?.text.replace(/\s+/g, "");
  // An expression naming the user (`cfg.user`), matched against accounts declared under the same
  // expression (`users.users.${cfg.user}`).
  const asWritten = expr && /^[A-Za-z_][\w'-]*(?:\.[A-Za-z_][\w'-]*)+$/.test(expr) ? `\${${expr}}` : undefined;
  if ((typeof value !== "string" || value === "") && !asWritten) return;
  const info = AUTOLOGIN[p.path]!;
  if (info.enable) {
    const en = hostValue(applied, info.enable);
    if (en.kind === "known" && en.value === false) return;
    // greetd's initial_session does nothing unless greetd runs.
    if (p.path.startsWith("services.greetd.") && !(en.kind === "known" && en.value === true)) return;
  }
  const user = typeof value === "string" && value !== "" ? value : expr!;
  const way = (typeof value === "string" && value !== "" ? rootWay(scope, value) : undefined) ?? (asWritten ? rootWay(scope, asWritten, user) : undefined);
  if (!way) return;
  const machine = machineKind(scope);
  if (machine?.kind === "vm-test" || machine?.kind === "wsl") return;
  if (scope.kind === "host" && isEnabled(applied, "boot.isContainer")) return;
  if (microvmGuest(scope)) return;
  const where = scope.kind === "host" ? `host ${scope.host}` : "this module";
  const Where = where[0]!.toUpperCase() + where.slice(1);
  const shownValue = typeof value === "string" && value !== "" ? `"${value}"` : user;
  const base = `${p.path} = ${shownValue}: ${info.what} logs ${user} in without a password, and ${way}, so whoever reaches the console of ${where} is root without any credential`;
  let severity: Severity;
  let why: string;
  if (machine?.kind === "installer") {
    severity = "low";
    why = ` ${Where} is a live installer image (it imports ${machine.profile}): a passwordless root console is what such an image is for, so it is reported as low. Make sure it is never installed as is, nor left running on a network.`;
  } else {
    const laptop = laptopSign(scope);
    const encrypted = luks(scope);
    severity = laptop ? "high" : "medium";
    why = laptop
      ? ` ${Where} looks like a laptop (${laptop}): anyone who picks it up, or finds it lost or stolen, is root.`
      : ` That is the keyboard and screen of the machine${p.path === "services.getty.autologinUser" ? ", its serial line, and for a virtual or cloud server the provider's web/VNC console (a compromised provider account is then root on the host)" : ""}.`;
    if (encrypted) {
      severity = LOWER[severity];
      why += " The root disk is LUKS-encrypted, so the passphrase asked at boot is the one credential left (one level lower); a machine left running, or unlocked remotely, still hands out root.";
    }
  }
  report({
    node: p.def.inner,
    optionPath: p.path,
    severity,
    title: user === "root" ? "Console logs in as root without a password" : "Console autologin of a user who is root without a password",
    message: `${base}.${why}`,
    fix: {
      safety: "manual",
      description:
        user === "root"
          ? `Remove ${p.path} (or log in an unprivileged user instead); for a rescue console on a server, set a root password kept as a hash in a secret (hashedPasswordFile).`
          : `Either drop the autologin (${p.path}) or take away the passwordless way to root (security.sudo.wheelNeedsPassword = true, or autologin an account that is not in wheel or the daemon's group). A kiosk or media account should be an unprivileged user.`,
    },
  });
});

export const consoleAutologinRoot: Rule = {
  id: "console-autologin-root",
  examples: {
    fire: [
      hostExample(`{\n  services.getty.autologinUser = "root";\n  services.openssh.enable = true;\n}\n`),
      // A wheel user logged in by the display manager on a laptop whose wheel needs no sudo password.
      hostExample(
        `{\n  users.users.alice = { isNormalUser = true; extraGroups = [ "wheel" ]; };\n  security.sudo.wheelNeedsPassword = false;\n  services.tlp.enable = true;\n  services.displayManager.autoLogin = { enable = true; user = "alice"; };\n}\n`,
      ),
      // In the docker group on a host running Docker.
      hostExample(`{\n  users.users.media = { isNormalUser = true; extraGroups = [ "docker" ]; };\n  virtualisation.docker.enable = true;\n  services.getty.autologinUser = "media";\n}\n`),
    ],
    silent: [
      // A kiosk user who is not in wheel: what autologin is for.
      hostExample(`{\n  users.users.kiosk = { isNormalUser = true; extraGroups = [ "video" ]; };\n  services.getty.autologinUser = "kiosk";\n}\n`),
      // A wheel user whose sudo asks for a password.
      hostExample(`{\n  users.users.alice = { isNormalUser = true; extraGroups = [ "wheel" ]; };\n  services.displayManager.autoLogin = { enable = true; user = "alice"; };\n}\n`),
      // autoLogin turned off next to the user.
      hostExample(`{\n  security.sudo.wheelNeedsPassword = false;\n  users.users.alice.extraGroups = [ "wheel" ];\n  services.displayManager.autoLogin = { enable = false; user = "alice"; };\n}\n`),
      // A qemu-vm test machine logging root in on its console.
      hostExample(`{ modulesPath, ... }: {\n  imports = [ "\${modulesPath}/virtualisation/qemu-vm.nix" ];\n  services.getty.autologinUser = "root";\n}\n`),
      // A microvm.nix guest: its console is the hypervisor's.
      hostExample(`{ inputs, ... }: {\n  imports = [ inputs.microvm.nixosModules.microvm ];\n  services.getty.autologinUser = "root";\n}\n`),
    ],
  },
  name: "Console autologin into root",
  category: "access",
  severity: "medium",
  rationale:
    "A getty or display-manager autologin opens a session without a password. When that session is root, or its user becomes root without a password (wheel with passwordless sudo, a NOPASSWD rule, the docker group), anyone at the keyboard, on the serial line or in the cloud provider's web console is root.",
  fix: "Drop the autologin, autologin an unprivileged user, or make sudo ask for a password (security.sudo.wheelNeedsPassword = true).",
  references: [
    nixosOption("services.getty.autologinUser"),
    nixosOption("services.displayManager.autoLogin.user"),
    nixosOption("security.sudo.wheelNeedsPassword"),
  ],
  compliance: { cis: ["5.3 Configure PAM", "1.4 Secure Boot Settings"], nist: ["PR.AA-01", "PR.AA-05"] },
  ...checks,
};
