// Does wheel already become root without a password on a host? `security.sudo.wheelNeedsPassword`
// (or sudo-rs's, when sudo-rs replaces sudo) as the host ends up with it: the winning definition
// over the host's files (mkDefault, mkForce as NixOS weighs them) and the known external modules
// it imports (srvos's server module, NixOS-WSL's mkDefault false). There, another way for a wheel
// member to reach root (a Nix trusted user, the docker group) skips no password prompt: it adds
// no new way to root. Where sudo is turned off altogether the answer is no: such a way is then
// the only one without a password.
import type { StaticValue } from "../../nix/values.js";
import { hostValue, isEnabled, type HostValue, type Scope } from "../shared/scope.js";
import type { RuleReport } from "../types.js";

function off(v: HostValue, scope: Scope): string | undefined {
  if (v.kind !== "known" || v.value !== false) return undefined;
  if (!v.external) return "";
  // NixOS-WSL sets it only for an enabled WSL distribution (`config = mkIf cfg.enable`).
  if (v.external.module.startsWith("nixos-wsl.") && !isEnabled(scope, "wsl.enable")) return undefined;
  return `by ${v.external.module}`;
}

const isTrue = (v: HostValue, value: StaticValue = true) => v.kind === "known" && v.value === value;

/** How wheel's sudo is passwordless in the scope ("" for the host's own setting, "by <module>" for
 * an external module's), or undefined when sudo asks (or it cannot be told). */
export function wheelPasswordless(scope: Scope): string | undefined {
  const sudoOff = isTrue(hostValue(scope, "security.sudo.enable"), false);
  if (!sudoOff) {
    const via = off(hostValue(scope, "security.sudo.wheelNeedsPassword"), scope);
    if (via !== undefined) return via;
  }
  if (isTrue(hostValue(scope, "security.sudo-rs.enable"))) return off(hostValue(scope, "security.sudo-rs.wheelNeedsPassword"), scope);
  return undefined;
}

/** The per-host part of a message, merged by the scan over the hosts of one place: "a, b, and c
 * through nixos-wsl.nixosModules.wsl" (a host's own setting, or an external module's default). */
export function passwordlessHosts(scope: Scope, via: string): NonNullable<RuleReport["detail"]> {
  const name = scope.kind === "host" ? scope.host! : "the hosts using this module";
  return { items: [via ? `${name}${VIA}${via}` : name], render };
}

const VIA = "\u0000";

function render(items: string[]): string {
  const own = items.filter((i) => !i.includes(VIA));
  const byModule = new Map<string, string[]>();
  for (const i of items) {
    if (!i.includes(VIA)) continue;
    const [name, via] = i.split(VIA) as [string, string];
    byModule.set(via, [...(byModule.get(via) ?? []), name]);
  }
  const parts = [...(own.length ? [own.join(", ")] : []), ...[...byModule].map(([via, names]) => `${names.join(", ")} through ${via.replace(/^by /, "")}`)];
  return parts.length > 1 ? `${parts.slice(0, -1).join(", ")}, and ${parts[parts.length - 1]}` : parts.join("");
}

/** "wheel already has passwordless sudo on <hosts>: ..." */
export function passwordlessReason(detail: NonNullable<RuleReport["detail"]>): string {
  return `wheel already has passwordless sudo on ${detail.render(detail.items)}: this adds no new way to root there`;
}
