// auto-upgrade-remote-flake: system.autoUpgrade rebuilds the host from a flake fetched from the
// network (`flake = "github:owner/repo"`, `git+https://…`, a tarball URL) at its newest commit,
// every time the timer fires: nixos-upgrade.service runs `nixos-rebuild switch --flake <ref>` as
// root and activates whatever the branch holds then. Nothing on the host checks who wrote it (no
// signature, no review), so whoever can push to that branch, or takes over the account or a token
// that can, is root on the host within a day (at once with allowReboot). Flags that move the
// inputs too (`--update-input nixpkgs`, `--recreate-lock-file`, `--refresh` of a lock) add
// revisions no one reviewed. Low: it needs the repository's write access, but then nothing stops it.
// Silent: a local flake (`/etc/nixos`, `path:`, `git+file:`, `self`), a pinned revision (`?rev=`,
// `github:o/r/<commit>`), autoUpgrade without a flake (channels), autoUpgrade not enabled.
import { SyntaxKind as K } from "../../nix/syntax.js";
import { staticValue } from "../../nix/values.js";
import type { Rule } from "../types.js";
import { hostExample } from "../shared/examples.js";
import { nixosManual, nixosOption } from "../shared/references.js";
import { appliedScope, definitionsOf, defValue, effectiveValue, isDead, scoped, type Scope, type ScopedDef } from "../shared/scope.js";

const ENABLE = "system.autoUpgrade.enable";
const FLAKE = "system.autoUpgrade.flake";
const FLAGS = "system.autoUpgrade.flags";

// Flake references fetched from the network (nix3-flake(1) "Flake reference attributes"):
// github:/gitlab:/sourcehut:, git+https/ssh/http, hg+https, http(s) tarballs and files, and an
// indirect id (`flake:x`, or a bare registry name) the registry resolves to one of those.
const REMOTE = /^(?:(?:github|gitlab|sourcehut):|(?:git|hg)\+(?:https?|ssh|git):\/\/|git:\/\/|(?:tarball\+|file\+)?https?:\/\/|ssh:\/\/|flake:)/;
const LOCAL = /^(?:\/|\.|~|path:|git\+file:|file:|tarball\+file:)/;
// A ref that names one commit: `?rev=<hash>`, `&rev=`, or `github:o/r/<40 hex>`.
const PINNED = /[?&]rev=[0-9a-f]{7,40}\b|^(?:github|gitlab|sourcehut):[^/]+\/[^/?#]+\/[0-9a-f]{40}(?:[?#]|$)/;

/** The flake reference as far as the source tells: the string, or the literal text before its
 * first interpolation (`"github:me/cfg#${config.networking.hostName}"`). */
function flakeRef(d: ScopedDef): string | undefined {
  const v = defValue(d);
  if (typeof v === "string") return v;
  const node = d.def.inner;
  if (node?.kind !== K.NODE_STRING) return undefined;
  let text = "";
  for (const c of node.children) {
    if (c.isToken && c.kind === K.TOKEN_STRING_CONTENT) text += c.text;
    else if (!c.isToken) break;
  }
  return text || undefined;
}

/** `--update-input nixpkgs` and the other flags that move the flake's locked inputs. */
function movingFlags(scope: Scope): string[] {
  const words: string[] = [];
  for (const d of definitionsOf(scope, FLAGS)) {
    if (isDead(d.def)) continue;
    const v = staticValue(d.def.inner);
    if (Array.isArray(v)) for (const w of v) if (typeof w === "string") words.push(w);
  }
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === "--update-input" && words[i + 1] && !words[i + 1]!.startsWith("-")) out.push(`--update-input ${words[++i]}`);
    else if (w === "--recreate-lock-file" || w === "--refresh" || w === "--update-input") out.push(w);
  }
  return out;
}

function check(host: Scope): void {
  // Settings behind the gate of a module the host imports but does not turn on are not its own.
  const scope = appliedScope(host);
  const enable = effectiveValue(definitionsOf(scope, ENABLE));
  if (enable.kind !== "known" || enable.value !== true) return;
  const flake = effectiveValue(definitionsOf(scope, FLAKE));
  if (flake.kind === "unset") return;
  const at = flake.at;
  const ref = flakeRef(at);
  if (ref === undefined || LOCAL.test(ref) || !REMOTE.test(ref) || PINNED.test(ref)) return;
  const reboot = effectiveValue(definitionsOf(scope, "system.autoUpgrade.allowReboot"));
  const rebootText = reboot.kind === "known" && reboot.value === true ? ", and allowReboot = true reboots into it unattended" : "";
  const flags = movingFlags(scope);
  const flagsText = flags.length
    ? ` Its flags (${flags.join(", ")}) also move the flake's locked inputs to their newest revisions on every run, which no one reviewed before they run as root.`
    : "";
  const shown = typeof defValue(at) === "string" ? `"${ref}"` : `"${ref}…"`;
  // A lone module (no host of the scan imports it): what it does to the systems that use it, and
  // under which of its conditions (`mkIf cfg.auto-upgrade.enable`).
  const conditions = enable.at.def.conditions.map((c) => (c.kind === "else" ? `!(${c.text})` : c.text).replace(/\s+/g, " ").trim());
  const subject = scope.kind === "host" ? `host ${scope.host}` : `a system using this module${conditions.length ? ` (when ${conditions.join(" and ")})` : ""}`;
  scope.report(at.file, {
    node: at.def.inner ?? at.def.binding,
    optionPath: FLAKE,
    severity: "low",
    title: "Automatic upgrade from a remote flake, unpinned",
    message:
      `system.autoUpgrade rebuilds ${subject} as root from ${shown}, fetched anew on every run: whatever that branch holds when the timer fires becomes the system, with no signature check and no review on the host${rebootText}. ` +
      `Whoever can push to that repository (or takes over the account or a token that can) is root here within a day.${flagsText}`,
    fix: {
      safety: "manual",
      description:
        "Protect the branch the host follows (only you can push, signed commits required, no force-push), or stop pulling: deploy by push from a machine you control (nixos-rebuild --target-host, deploy-rs, colmena), or point the flake at a pinned revision (`?rev=<commit>`) that a reviewed change bumps." +
        (flags.length ? ` Drop ${flags.join(", ")} from system.autoUpgrade.flags, so that inputs move only in a reviewed flake.lock.` : ""),
    },
  });
}

export const autoUpgradeRemoteFlake: Rule = {
  id: "auto-upgrade-remote-flake",
  examples: {
    fire: [
      hostExample(`{\n  system.autoUpgrade = {\n    enable = true;\n    allowReboot = true;\n    flake = "github:example/infra";\n  };\n}\n`),
      // The inputs move too.
      hostExample(`{\n  system.autoUpgrade.enable = true;\n  system.autoUpgrade.flake = "git+https://git.example.org/infra.git";\n  system.autoUpgrade.flags = [ "--update-input" "nixpkgs" "-L" ];\n}\n`),
      // The host's name filled in at evaluation: the scheme is known.
      hostExample(`{ config, ... }: {\n  system.autoUpgrade = { enable = true; flake = "github:example/infra#\${config.networking.hostName}"; };\n}\n`),
      // A lone module: the message names the condition it is under.
      `{ config, lib, ... }: {\n  options.suite.updates.enable = lib.mkEnableOption "updates";\n  config = lib.mkIf config.suite.updates.enable { system.autoUpgrade = { enable = true; flake = "gitlab:example/infra"; }; };\n}\n`,
    ],
    silent: [
      // A local flake: the host builds what is on its own disk.
      hostExample(`{ system.autoUpgrade = { enable = true; flake = "/etc/nixos"; flags = [ "--update-input" "nixpkgs" ]; }; }\n`),
      hostExample(`{ system.autoUpgrade = { enable = true; flake = "git+file:///srv/infra"; }; }\n`),
      hostExample(`{ system.autoUpgrade = { enable = true; flake = "path:/etc/nixos#box"; }; }\n`),
      // A pinned revision.
      hostExample(`{ system.autoUpgrade = { enable = true; flake = "github:example/infra/0123456789abcdef0123456789abcdef01234567"; }; }\n`),
      // Channels (no flake), and an upgrade that is off.
      hostExample(`{ system.autoUpgrade = { enable = true; allowReboot = true; channel = "https://nixos.org/channels/nixos-24.11"; }; }\n`),
      hostExample(`{ system.autoUpgrade = { enable = false; flake = "github:example/infra"; }; }\n`),
    ],
  },
  name: "Automatic upgrade from a remote, unpinned flake",
  category: "access",
  severity: "low",
  rationale:
    "system.autoUpgrade with a remote flake runs nixos-rebuild switch as root on whatever the flake's branch holds at that moment. Nothing on the host verifies who wrote it, so write access to the repository (or a stolen account or token) is root on every host that follows it.",
  fix: "Require protected branches with signed commits on the repository the hosts follow, or deploy by push (nixos-rebuild --target-host, deploy-rs, colmena), or follow a pinned revision bumped in a reviewed change; let inputs move only through a reviewed flake.lock.",
  references: [nixosOption(FLAKE), nixosOption("system.autoUpgrade.flags"), nixosManual("Automatic Upgrades", "sec-upgrading-automatic")],
  compliance: { cis: ["1.2 Configure Software Updates"], nist: ["PR.PS-02", "GV.SC-07"] },
  ...scoped(check),
};
