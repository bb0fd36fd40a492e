// Does wheel already become root without a password on a host? `security.sudo.wheelNeedsPassword`
// (or sudo-rs's, when sudo-rs replaces sudo) as the host ends up with it: the winning definition
// over the host's files (mkDefault, mkForce as NixOS weighs them) and the known external modules
// it imports (srvos's server module, NixOS-WSL's mkDefault false). There, another way for a wheel
// member to reach root (a Nix trusted user, the docker group) skips no password prompt: it adds
// no new way to root, and the rules asking report nothing there. Where sudo is turned off
// altogether the answer is no: such a way is then the only one without a password.
import type { StaticValue } from "../../nix/values.js";
import { hostValue, isEnabled, type HostValue, type Scope } from "../shared/scope.js";

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
