// resolved-llmnr-exposed: systemd-resolved answering LLMNR (`services.resolved.llmnr` or
// `settings.Resolve.LLMNR` on, or left at resolved's default "true" with resolved enabled) while
// port 5355 is opened on every interface. LLMNR is the name resolution that Responder-style
// poisoning abuses on shared networks: anyone on the segment answers for names the host looks up
// (and harvests the credentials clients then send), and the open responder tells the network the
// host's name and addresses. srvos turns it off for this reason. Low: a LAN attack. Silent when
// LLMNR is off ("false", false, "no") or resolver-only ("resolve"), or when 5355 is not opened
// (lovesegfault/nix-config modules/nixos/resolved.nix: LLMNR = "true" with 5355 TCP and UDP open).
import type { SyntaxNode } from "../../nix/syntax.js";
import { staticValue } from "../../nix/values.js";
import { hostValue, isDead, isDisabled, isEnabled, scoped, type Scope, type ScopedDef } from "../shared/scope.js";
import { hostExample } from "../shared/examples.js";
import type { Rule } from "../types.js";
import { listLiterals } from "../shared/open-ports.js";

const LLMNR_PATHS = ["services.resolved.llmnr", "services.resolved.settings.Resolve.LLMNR"];

/** The 5355 elements of the global port lists (opened on every interface). */
function openedPorts(scope: Scope): Array<{ at: ScopedDef; el: SyntaxNode; option: string }> {
  const out: Array<{ at: ScopedDef; el: SyntaxNode; option: string }> = [];
  for (const option of ["allowedUDPPorts", "allowedTCPPorts"]) {
    for (const d of scope.definitions(`networking.firewall.${option}`)) {
      if (isDead(d.def) || (scope.applies && !scope.applies(d))) continue;
      for (const list of listLiterals(d.def.inner)) for (const el of list.childNodes()) if (staticValue(el) === 5355) out.push({ at: d, el, option });
    }
  }
  return out;
}

const ON = (v: unknown) => v === true || (typeof v === "string" && /^(?:true|yes|1)$/i.test(v.trim()));

function check(scope: Scope): void {
  // resolved turned off on the host (lovesegfault: unbound.nix sets resolved.enable = mkForce false).
  if (isDisabled(scope, "services.resolved.enable")) return;
  const opened = openedPorts(scope);
  if (!opened.length) return;
  const llmnr = hostValue(scope, ...LLMNR_PATHS);
  let at: ScopedDef | undefined;
  let how: string;
  if (llmnr.kind === "known") {
    if (!ON(llmnr.value) || !llmnr.at) return;
    at = llmnr.at;
    how = `${llmnr.at.def.path} = ${JSON.stringify(llmnr.value)}`;
  } else if (llmnr.kind === "unset") {
    // resolved's own default answers LLMNR; only where the host runs resolved.
    const on = isEnabled(scope, "services.resolved.enable");
    if (!on || !scope.defaultsApply) return;
    how = "services.resolved is enabled and LLMNR is left at its default (on)";
  } else return;
  const ports = [...new Set(opened.map((o) => o.option))].map((o) => `networking.firewall.${o}`).join(" and ");
  const place = at ?? opened[0]!.at;
  scope.report(place.file, {
    node: at ? (at.def.inner ?? at.def.binding) : opened[0]!.el,
    optionPath: at ? at.def.path : `networking.firewall.${opened[0]!.option}`,
    key: "llmnr",
    severity: "low",
    title: "LLMNR answered on every network",
    message: `systemd-resolved answers LLMNR (${how}) and port 5355 is open on every interface (${ports}): on a shared network anyone can poison the host's name lookups with LLMNR answers (Responder), and the responder announces the host's name to every neighbour.`,
    fix: {
      safety: "review",
      description: 'Set services.resolved.settings.Resolve.LLMNR = "false" (services.resolved.llmnr = "false" on older NixOS) and remove 5355 from the firewall lists; use mDNS or DNS for local names. Names that only LLMNR resolved stop resolving.',
    },
  });
}

export const resolvedLlmnrExposed: Rule = {
  id: "resolved-llmnr-exposed",
  examples: {
    fire: [
      hostExample(`{\n  networking.firewall.allowedUDPPorts = [ 5353 5355 ];\n  services.resolved = {\n    enable = true;\n    settings.Resolve.LLMNR = "true";\n  };\n}\n`),
      hostExample(`{\n  services.resolved.enable = true;\n  networking.firewall.allowedTCPPorts = [ 5355 ];\n}\n`),
    ],
    silent: [
      hostExample(`{\n  networking.firewall.allowedUDPPorts = [ 5355 ];\n  services.resolved = { enable = true; llmnr = "false"; };\n}\n`),
      hostExample(`{\n  networking.firewall.allowedUDPPorts = [ 5355 ];\n  services.resolved = { enable = true; settings.Resolve.LLMNR = "resolve"; };\n}\n`),
      hostExample(`{\n  services.resolved = { enable = true; settings.Resolve.LLMNR = "true"; };\n}\n`),
      // resolved forced off by another module of the host (a local unbound instead).
      hostExample(`{ lib, ... }: {\n  imports = [ ./unbound.nix ];\n  networking.firewall.allowedUDPPorts = [ 5355 ];\n  services.resolved = { enable = true; settings.Resolve.LLMNR = "true"; };\n}\n`, "configuration.nix", { "unbound.nix": `{ lib, ... }: { services.resolved.enable = lib.mkForce false; }\n` }),
    ],
  },
  name: "LLMNR answered on every network",
  category: "firewall",
  severity: "low",
  rationale:
    "LLMNR is link-local name resolution with no authentication: on a shared network whoever answers first wins, which is how Responder-style tools redirect lookups and harvest credentials. An open responder also announces the host to every neighbour. Hardened baselines (srvos) turn it off.",
  fix: 'Turn LLMNR off (services.resolved.settings.Resolve.LLMNR = "false") and close 5355; rely on DNS or mDNS for local names.',
  references: [
    { title: "resolved.conf(5): LLMNR=", url: "https://www.freedesktop.org/software/systemd/man/latest/resolved.conf.html" },
    { title: "MITRE ATT&CK T1557.001: LLMNR/NBT-NS Poisoning", url: "https://attack.mitre.org/techniques/T1557/001/" },
  ],
  compliance: { cis: ["3.5 Firewall Configuration"], nist: ["PR.IR-01"] },
  ...scoped(check),
};
