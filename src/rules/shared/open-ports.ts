// How the rules about exposed services read what the NixOS firewall opens: the list literals of a
// port option, and whether the firewall is off with nothing in its place.
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { effectiveValue, isDead, type Scope } from "./scope.js";

/** Every list literal inside a value (`[ 22 ] ++ lib.optionals x [ 3000 ]`): where its ports are written. */
export function listLiterals(value: SyntaxNode | undefined): SyntaxNode[] {
  if (!value) return [];
  return [...(value.kind === K.NODE_LIST ? [value] : []), ...value.descendants(K.NODE_LIST)];
}

/** networking.firewall.enable = false: "open" when nothing is in its place (every port is open to
 * every network), "ruleset" when the host writes its own nftables ruleset (firewall-raw-ruleset
 * judges it); undefined while the firewall is on. */
export function firewallOff(scope: Scope): "open" | "ruleset" | undefined {
  const fw = effectiveValue(scope.definitions("networking.firewall.enable"));
  if (fw.kind !== "known" || fw.value !== false) return undefined;
  return scope.definitions("networking.nftables.ruleset").some((d) => !isDead(d.def)) ? "ruleset" : "open";
}
